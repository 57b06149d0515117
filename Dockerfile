# news-monitor: `monitor run` as a non-root user; config in /config, data in /data.
# Build: docker build -t news-monitor .   Run and upgrade: docs/deploy.md
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_CONFIG=/config/monitor.yaml \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_SERVER_HOST=0.0.0.0 \
    MONITOR_SERVER_PORT=9464

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
# monitor/watchlists links to config/watchlists: both go in, the wheel ships the files.
COPY config ./config
COPY monitor ./monitor
# The project is installed from this checkout (its versions are pinned in pyproject.toml).
# hadolint ignore=DL3013
RUN pip install --no-cache-dir "./[postgres]" \
    && groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data /config \
    && chown 10001:10001 /data
COPY config /config

USER 10001:10001
WORKDIR /data
VOLUME ["/data", "/config"]
EXPOSE 9464

# 200 only while the scheduler runs, the database answers and the last poll tick is recent.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MONITOR_SERVER_PORT', '9464'), timeout=4)"]

# Apply migrations first (`docker run ... monitor db upgrade`) or set database.auto_upgrade.
CMD ["monitor", "run", "--log-format", "json"]
