"""Stories: group hit articles by event, detect syndicated copies, credit origins, alert."""

from monitor.stories.fingerprint import containment, fingerprint, is_copy, similarity
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
    "Citation",
    "article_origins",
    "containment",
    "copy_origins",
    "extract_citations",
    "extract_origins",
    "fingerprint",
    "is_copy",
    "is_official",
    "normalize_outlet",
    "similarity",
    "wire_source",
]
