"""Configuration: monitor.yaml and watchlists, validated with pydantic."""

from monitor.config.loader import config_path, json_schema, load_config
from monitor.config.models import (
    AppConfig,
    ChannelConfig,
    EmailChannel,
    FeedConfig,
    FetchConfig,
    FileChannel,
    MonitorConfig,
    SlackChannel,
)
from monitor.config.problems import format_loc
from monitor.config.stories import StoriesConfig
from monitor.config.watchlist import PersonConfig, WatchlistConfig

__all__ = [
    "AppConfig",
    "ChannelConfig",
    "EmailChannel",
    "FeedConfig",
    "FetchConfig",
    "FileChannel",
    "MonitorConfig",
    "PersonConfig",
    "SlackChannel",
    "StoriesConfig",
    "WatchlistConfig",
    "config_path",
    "format_loc",
    "json_schema",
    "load_config",
]
