"""The `monitor` command line. Each command lives in its own module and registers on `app`."""

from monitor.cli import (  # noqa: F401  (registers commands)
    check,
    db,
    deliveries,
    demo,
    digest,
    evaluate,
    feedback,
    feeds,
    listing,
    match,
    poll,
    rematch,
    run,
    serve,
    status,
    stories,
)
from monitor.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
