# news-monitor: runs the daemon as a non-root user; config in /config, data in /data.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_CONFIG=/config/monitor.yaml \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_ALEMBIC_DIR=/app/alembic

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY monitor ./monitor
COPY alembic ./alembic
RUN pip install ".[postgres]" \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data /config \
    && chown monitor:monitor /data
COPY --chown=monitor:monitor config /config

USER monitor
WORKDIR /data
VOLUME ["/data", "/config"]
EXPOSE 9464

# (HEALTHCHECK on /healthz comes with the daemon, `monitor run`.)
# Until the daemon lands, the image polls once; `monitor db upgrade` creates the schema first.
CMD ["sh", "-c", "monitor db upgrade && monitor poll"]
