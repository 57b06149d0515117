"""Stories: group hit articles by event, detect syndicated copies, credit origins, alert."""

from monitor.stories.alerts import alert_key, decide_alerts
from monitor.stories.cluster import add_to_story, assign, is_stale, open_story, score, story_key
from monitor.stories.events import event_terms
from monitor.stories.fingerprint import containment, fingerprint, is_copy, similarity
from monitor.stories.index import StoryIndex
from monitor.stories.model import Alert, Assignment, StoryCandidate, StorySummary
from monitor.stories.origins import (
    Citation,
    article_origins,
    copy_origins,
    extract_citations,
    extract_origins,
    wire_source,
)
from monitor.stories.outlets import is_official, normalize_outlet

__all__ = [
    "Alert",
    "Assignment",
    "Citation",
    "StoryCandidate",
    "StoryIndex",
    "StorySummary",
    "add_to_story",
    "alert_key",
    "article_origins",
    "assign",
    "containment",
    "copy_origins",
    "decide_alerts",
    "event_terms",
    "extract_citations",
    "extract_origins",
    "fingerprint",
    "is_copy",
    "is_official",
    "is_stale",
    "normalize_outlet",
    "open_story",
    "score",
    "similarity",
    "story_key",
    "wire_source",
]
