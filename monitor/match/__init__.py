"""Watchlist matching: keywords with context, exclusions, and people across spellings.

matcher = compile_watchlists(config.watchlists)
report = matcher.match(article.title, article.text)
for hit in report.hits: store(hit.watchlist, hit.score, hit.to_json())
"""

from monitor.match.compile import compile_watchlists
from monitor.match.matcher import Matcher
from monitor.match.model import Hit, Match, MatchReport, Miss
from monitor.match.normalize import Normalized, normalize
from monitor.match.variants import hangul_variants, korean_name_variants, person_variants

__all__ = [
    "Hit",
    "Match",
    "MatchReport",
    "Matcher",
    "Miss",
    "Normalized",
    "compile_watchlists",
    "hangul_variants",
    "korean_name_variants",
    "normalize",
    "person_variants",
]
