"""The analyst's desk: stories, provenance, articles, search, feeds and feedback in the
browser (server-rendered, no JavaScript). `create_app` builds it; `server` runs it."""

from monitor.web.app import create_app

__all__ = ["create_app"]
