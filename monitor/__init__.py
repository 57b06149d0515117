"""news-monitor: polls news feeds, matches watchlists, groups stories, alerts people."""

__version__ = "0.1.0"

__all__ = ["__version__"]
