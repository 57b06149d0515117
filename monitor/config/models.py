"""The schema of config/monitor.yaml. Every key is documented in docs/configuration.md."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from monitor.config.daemon import DaemonConfig
from monitor.config.stories import StoriesConfig
from monitor.config.types import ByteSize, Duration
from monitor.config.watchlist import WatchlistConfig
from monitor.domain import ALERT_KINDS, AlertKind

_QUIET = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")
_FEED_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def time_zone_name(v: str) -> str:
    """An IANA zone name this system knows, else a message saying what to write."""
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{v!r} is not a time zone; write e.g. UTC or Asia/Seoul") from None
    return v


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a key must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Strict):
    url: str = Field(
        "sqlite:///data/monitor.db",
        description="SQLAlchemy URL; MONITOR_DATABASE_URL overrides it. "
        "sqlite:///path or postgresql+psycopg://user@host/db",
    )
    auto_upgrade: bool = Field(
        False, description="Apply pending migrations at `monitor run` start instead of refusing."
    )


def _positive(v: timedelta | None) -> timedelta | None:
    """Intervals of 0 would poll (or report silence) without pause."""
    if v is not None and v <= timedelta(0):
        raise ValueError("must be more than 0, e.g. 15m")
    return v


class FetchConfig(_Strict):
    user_agent: str = Field(
        "news-monitor/0.1 (+https://github.com/news-monitor/news-monitor)",
        description="User-Agent sent with every request.",
    )
    connect_timeout: Duration = Field(timedelta(seconds=10), description="TCP/TLS connect timeout.")
    read_timeout: Duration = Field(timedelta(seconds=20), description="Timeout between bytes.")
    total_timeout: Duration = Field(
        timedelta(seconds=60),
        description="Upper bound for one fetch: body, redirects and retries included.",
    )
    max_bytes: ByteSize = Field(
        10_000_000, description="Largest body accepted (decompressed); larger ones are refused."
    )
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per request.")
    max_connections: int = Field(32, ge=1, description="Requests in flight at once, in total.")
    per_host: int = Field(4, ge=1, description="Requests in flight at once to one host.")
    retries: int = Field(2, ge=0, le=10, description="Retries after a 429, 5xx or network error.")
    retry_backoff: Duration = Field(
        timedelta(seconds=1), description="First retry delay; doubles each retry (with jitter)."
    )
    max_retry_after: Duration = Field(
        timedelta(seconds=120),
        description="Longest Retry-After honoured inside one pass; longer waits defer the feed.",
    )
    default_interval: Duration = Field(
        timedelta(minutes=15), description="Poll interval of feeds that set none."
    )
    max_backoff: Duration = Field(
        timedelta(hours=6), description="Longest delay between polls of a failing feed."
    )
    allow_private_networks: bool = Field(
        False,
        description="Let article links found in feeds reach loopback or private addresses. "
        "Feed URLs listed in this file are trusted either way.",
    )
    extraction_workers: int = Field(
        0, ge=0, description="Processes for article extraction; 0 means one per CPU core."
    )
    extraction_timeout: Duration = Field(
        timedelta(seconds=60),
        description="Longest extraction of one page; past it the feed text is used and the "
        "stuck worker is replaced.",
    )
    max_entries_per_pass: int = Field(
        1000,
        ge=1,
        description="Most new entries taken from one feed in one pass, newest first; a bigger "
        "feed's rest comes in the next passes (one huge feed never floods the daemon).",
    )
    fetch_articles: bool = Field(
        True, description="Fetch each new entry's page; false uses the feed's own text only."
    )

    @field_validator("default_interval")
    @classmethod
    def _check_interval(cls, v: timedelta) -> timedelta | None:
        return _positive(v)


class FeedConfig(_Strict):
    id: str = Field(description="Unique short id: lowercase letters, digits, '.', '_' or '-'.")
    url: str = Field(description="The feed's URL (RSS or Atom).")
    outlet: str | None = Field(None, description="The outlet's display name.")
    interval: Duration | None = Field(
        None, description="Poll interval; default fetch.default_interval."
    )
    language: str | None = Field(None, description="ISO 639-1 language hint, e.g. en or ko.")
    enabled: bool = Field(True, description="false keeps the feed in config but never polls it.")
    expected_cadence: Duration | None = Field(
        None, description="A feed that publishes nothing for this long is reported silent."
    )

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not _FEED_ID.match(v):
            raise ValueError(
                f"{v!r} is not a valid feed id: use 1-64 lowercase letters, digits, '.', '_', '-'"
            )
        return v

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        if re.search(r"\s", v):
            raise ValueError(
                f"{v!r} contains a space: a URL has none (write %20, or remove the stray space)"
            )
        return v

    @field_validator("interval", "expected_cadence")
    @classmethod
    def _check_positive(cls, v: timedelta | None) -> timedelta | None:
        return _positive(v)


class _ChannelBase(_Strict):
    name: str = Field(description="Unique channel name, used in the deliveries table.")
    mode: Literal["immediate", "digest"] = Field(
        "digest", description="Send each alert, or digests."
    )
    schedule: str = Field("0 8 * * *", description="Digest cron expression (mode: digest).")
    timezone: str = Field("UTC", description="Time zone of the digest schedule, e.g. Asia/Seoul.")
    watchlists: list[str] = Field(
        default_factory=list, description="Only these watchlists (empty: all)."
    )
    kinds: list[AlertKind] = Field(
        default_factory=lambda: list(ALERT_KINDS),
        description="Alert kinds this channel receives.",
    )
    min_score: float = Field(0.0, description="Skip stories whose best hit scores below this.")
    confirmed_only: bool = Field(False, description="Only stories an official source confirmed.")
    send_empty: bool = Field(False, description="Send a digest even when nothing happened.")
    quiet_hours: str | None = Field(
        None, description="e.g. '22:00-07:00' (channel time zone): alerts wait for the digest."
    )
    daily_cap: int | None = Field(
        None, ge=1, description="Most immediate alerts a day; more fold into the next digest."
    )
    on_maybe_sent: Literal["resend", "hold"] = Field(
        "resend",
        description="A delivery whose worker died mid-send may have gone out: resend it the "
        "channel's way (email: same Message-ID; Slack: marked 'possible repeat'; file: "
        "rewritten), or hold it (status unsure) until `monitor deliveries retry ID`.",
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, v: str) -> str:
        return time_zone_name(v)

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, v: str) -> str:
        try:
            CronTrigger.from_crontab(v, timezone="UTC")
        except ValueError as exc:
            raise ValueError(
                f"{v!r} is not a cron expression (minute hour day month weekday): {exc}"
            ) from None
        return v

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(
            r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", v
        ):
            raise ValueError(f"{v!r} is not a time range; write HH:MM-HH:MM, e.g. 22:00-07:00")
        return v


class EmailChannel(_ChannelBase):
    type: Literal["email"]
    host: str = Field(description="SMTP server host.")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "plain"] = Field("starttls")
    username: str | None = Field(None, description="SMTP user; use ${SMTP_USER}.")
    password: SecretStr | None = Field(None, description="SMTP password; use ${SMTP_PASSWORD}.")
    sender: str = Field(alias="from", description="From address.")
    to: list[str] = Field(min_length=1, description="Recipients.")
    timeout: Duration = Field(timedelta(seconds=30))
    list_unsubscribe: str | None = Field(
        None, description="List-Unsubscribe header value, e.g. <mailto:owner@example.org>."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SlackChannel(_ChannelBase):
    type: Literal["slack"]
    webhook_url: SecretStr = Field(description="Incoming webhook URL; use ${SLACK_WEBHOOK_URL}.")
    timeout: Duration = Field(timedelta(seconds=15))


class FileChannel(_ChannelBase):
    type: Literal["file"]
    path: str = Field("demo-out", description="Folder that receives each rendered message.")


ChannelConfig = Annotated[EmailChannel | SlackChannel | FileChannel, Field(discriminator="type")]


class DeliveryConfig(_Strict):
    max_attempts: int = Field(
        8,
        ge=1,
        description="Failed tries in a row after which a channel is reported down; it is then "
        "probed every max_backoff until it answers (its deliveries wait, none fails).",
    )
    backoff: Duration = Field(timedelta(seconds=30), description="First retry delay; doubles.")
    max_backoff: Duration = Field(
        timedelta(hours=1), description="Longest delay between tries of a channel that is down."
    )
    lease: Duration = Field(
        timedelta(seconds=30),
        description="How long a claimed delivery stays claimed; renewed while it is sent, so a "
        "dead worker's deliveries are taken over after this.",
    )


class ServerConfig(_Strict):
    host: str = Field("127.0.0.1", description="Bind address of /healthz and /metrics.")
    port: int = Field(9464, ge=0, le=65535, description="0 disables the HTTP endpoint.")


class WebUser(_Strict):
    """One analyst of the desk: a name (recorded with each correction) and a token."""

    name: str = Field(min_length=1, max_length=100, description="Recorded with feedback.")
    token: SecretStr = Field(
        description="The user's sign-in token, 16 characters or more; use ${DESK_TOKEN_NAME}."
    )

    @field_validator("token")
    @classmethod
    def _long_enough(cls, v: SecretStr) -> SecretStr:
        if len(v.get_secret_value()) < 16:
            raise ValueError("a sign-in token needs 16 characters or more (a random string)")
        return v


class WebConfig(_Strict):
    """The analyst's desk (monitor/web/): stories, provenance, search and feedback."""

    enabled: bool = Field(True, description="Serve the desk beside `monitor run`.")
    host: str = Field("127.0.0.1", description="Bind address (loopback by default).")
    port: int = Field(8765, ge=0, le=65535, description="0: the daemon serves no desk.")
    users: list[WebUser] = Field(
        default_factory=list,
        description="Who may sign in, each with a token from the environment; with none the "
        "daemon serves no desk and `monitor serve` refuses to start (no anonymous access).",
    )
    public_url: str | None = Field(
        None,
        description="Where readers reach the desk (https://desk.example.org): digests and "
        "alerts then link each story to its page.",
    )
    link_key: SecretStr | None = Field(
        None,
        description="Signs the one-click feedback links in digests and alerts; use "
        "${DESK_LINK_KEY} (a long random string). Without it messages link to the story only.",
    )
    session_key: SecretStr | None = Field(
        None,
        description="Signs the desk's session cookies and CSRF tokens; use ${DESK_SESSION_KEY} "
        "(a long random string) so a restart, or a second process behind the same address, "
        "keeps analysts signed in. Without it each process signs with a random key of its own.",
    )
    link_max_age: Duration = Field(
        timedelta(days=14), description="How long a one-click feedback link stays valid."
    )
    session_max_age: Duration = Field(
        timedelta(hours=12), description="How long a signed-in browser stays signed in."
    )
    page_size: int = Field(50, ge=1, le=500, description="Stories per page of the list.")
    timezone: str = Field("UTC", description="Time zone the desk shows times in.")

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, v: str | None) -> str | None:
        if v is not None and not v.lower().startswith(("http://", "https://")):
            raise ValueError(f"{v!r}: write the desk's address as http(s)://host[:port][/path]")
        return v

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, v: str) -> str:
        return time_zone_name(v)


class RetentionConfig(_Strict):
    article_bodies: Duration = Field(
        timedelta(days=90), description="Article bodies older than this are dropped."
    )


class MonitorConfig(_Strict):
    """The whole of config/monitor.yaml."""

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    feeds: list[FeedConfig] = Field(default_factory=list)
    channels: list[ChannelConfig] = Field(default_factory=list)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    watchlist_paths: list[str] = Field(
        default_factory=list,
        description="Folders of watchlist files, relative to this file; default ['watchlists'].",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> MonitorConfig:
        for kind, names in (
            ("feed id", [f.id for f in self.feeds]),
            ("channel name", [c.name for c in self.channels]),
        ):
            seen: set[str] = set()
            for n in names:
                if n in seen:
                    raise ValueError(f"duplicate {kind} {n!r}")
                seen.add(n)
        return self


class AppConfig(BaseModel):
    """monitor.yaml plus the watchlists it points at, as loaded from disk."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    monitor: MonitorConfig
    watchlists: list[WatchlistConfig]
    path: str  # monitor.yaml's path
    database_url: str  # after MONITOR_DATABASE_URL, normalized (postgres:// -> psycopg)
    database_url_source: str = "database.url"  # or MONITOR_DATABASE_URL: named in errors

    @property
    def database_url_origin(self) -> str:
        """Where the database URL came from, as error messages name it."""
        if self.database_url_source == "MONITOR_DATABASE_URL":
            return "$MONITOR_DATABASE_URL"
        return f"database.url in {self.path}"

    @property
    def feeds(self) -> list[FeedConfig]:
        return self.monitor.feeds
