"""The `monitor` command line. Each command lives in its own module and registers on `app`."""

from monitor.cli import check, db, deliveries, digest, match  # noqa: F401  (registers commands)
from monitor.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
