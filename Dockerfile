# news-monitor: `monitor run` as a non-root user; config in /config, data in /data.
# Build: docker build -t news-monitor .   Run and upgrade: docs/deploy.md
# Two stages: the first builds wheels of the project and every dependency at the versions in
# requirements.lock; the second installs only those wheels (no compiler, no build cache).
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
# monitor/watchlists links to config/watchlists: both go in, the wheel ships the files.
COPY config ./config
COPY monitor ./monitor
RUN pip wheel --no-cache-dir --wheel-dir /wheels --constraint requirements.lock ".[postgres]"

FROM python:3.11-slim-bookworm

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="news-monitor" \
      org.opencontainers.image.description="Watches news feeds for watchlist events, groups reports into stories, alerts by email and Slack." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.documentation="docs/deploy.md" \
      org.opencontainers.image.source="https://github.com/news-monitor/news-monitor" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11-slim-bookworm"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_CONFIG=/config/monitor.yaml \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_SERVER_HOST=0.0.0.0 \
    MONITOR_SERVER_PORT=9464

# Only the wheels built above, at the locked versions (no index: nothing new is resolved).
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels "news-monitor[postgres]" \
    && groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data /config \
    && chown 10001:10001 /data
COPY config /config

USER 10001:10001
WORKDIR /data
VOLUME ["/data", "/config"]
EXPOSE 9464

# Liveness only (the process and its scheduler's ticks run): a database outage must not get a
# healthy daemon restarted. Readiness for load balancers and alerts is /readyz (docs/operations.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('MONITOR_SERVER_PORT', '9464'), timeout=4)"]

# Apply migrations first (`docker run ... monitor db upgrade`) or set database.auto_upgrade.
CMD ["monitor", "run", "--log-format", "json"]
