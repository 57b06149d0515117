"""Print the key tables of docs/configuration.md from the config models (keeps docs true).

.venv/bin/python scripts/config_reference.py > /tmp/keys.md   # then paste into the doc
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from monitor.config.daemon import DaemonConfig
from monitor.config.models import (
    DatabaseConfig,
    DeliveryConfig,
    EmailChannel,
    FeedConfig,
    FetchConfig,
    FileChannel,
    MonitorConfig,
    RetentionConfig,
    ServerConfig,
    SlackChannel,
    WebConfig,
    WebUser,
)
from monitor.config.stories import StoriesConfig
from monitor.config.watchlist import (
    ClaimsConfig,
    KeywordConfig,
    PersonConfig,
    PhraseConfig,
    WatchlistConfig,
    WeightsConfig,
)

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("monitor.yaml (top level)", MonitorConfig),
    ("database", DatabaseConfig),
    ("fetch", FetchConfig),
    ("feeds[]", FeedConfig),
    ("stories", StoriesConfig),
    ("channels[] (type: email)", EmailChannel),
    ("channels[] (type: slack)", SlackChannel),
    ("channels[] (type: file)", FileChannel),
    ("delivery", DeliveryConfig),
    ("daemon", DaemonConfig),
    ("server", ServerConfig),
    ("web", WebConfig),
    ("web.users[]", WebUser),
    ("retention", RetentionConfig),
    ("watchlists/*.yaml", WatchlistConfig),
    ("keywords[] (mapping form)", KeywordConfig),
    ("people[]", PersonConfig),
    ("weights", WeightsConfig),
    ("claims", ClaimsConfig),
    ("claims.phrases[]", PhraseConfig),
]


def _default(field: Any) -> str:
    if field.default_factory is not None:
        try:
            value = field.default_factory()
        except TypeError:
            return "-"
        return "(section)" if isinstance(value, BaseModel) else f"`{value!r}`"
    if field.default is PydanticUndefined:
        return "**required**"
    value = field.default
    if isinstance(value, timedelta):
        secs = int(value.total_seconds())
        for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
            if secs >= n and secs % n == 0:
                return f"`{secs // n}{unit}`"
        return f"`{secs}s`"
    return "`null`" if value is None else f"`{value!r}`"


def keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def main() -> None:
    for title, model in SECTIONS:
        print(f"\n### `{title}`\n\n| key | default | meaning |\n| --- | --- | --- |")
        for name, field in model.model_fields.items():
            meaning = (field.description or "").replace("|", "/")
            print(f"| `{field.alias or name}` | {_default(field)} | {meaning} |")


if __name__ == "__main__":
    main()
