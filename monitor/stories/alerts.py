"""Alert decisions: compare a story before and after an article joined it.

`new` when a story opens with fresh news (a stale opener waits: the first fresh article
raises `new` then); `corroborated` each time the independent origin count grows after
that; `confirmed` when an official origin first appears after `new` (when it arrives
with the article that raises `new`, that alert says confirmed instead). Keys are
(story key, kind, count), so reprocessing an article cannot raise an alert twice.
"""

from __future__ import annotations

from monitor.stories.model import Alert, AlertKind, StorySummary

__all__ = ["alert_key", "decide_alerts"]


def alert_key(story_key: str, kind: AlertKind, count: int) -> str:
    """The idempotency key stored in the alerts table's unique column."""
    return f"{story_key}:{kind}:{count}"


def _alert(kind: AlertKind, story: StorySummary, count: int) -> Alert:
    return Alert(
        kind=kind,
        story_key=story.key,
        key=alert_key(story.key, kind, count),
        origin_count=story.origin_count,
        origins=tuple(sorted(story.origins)),
        confirmed=story.confirmed,
    )


def decide_alerts(before: StorySummary | None, after: StorySummary, *, stale: bool) -> list[Alert]:
    """Alerts to raise for one article; `before` is None when the article opened the story."""
    if stale and (before is None or not before.announced):
        return []  # old news: stored and grouped, but nobody is told it is breaking
    if before is None or not before.announced:
        return [_alert("new", after, 1)]
    alerts: list[Alert] = []
    if after.origin_count > before.origin_count:
        alerts.append(_alert("corroborated", after, after.origin_count))
    if after.confirmed and not before.confirmed:
        alerts.append(_alert("confirmed", after, 1))
    return alerts
