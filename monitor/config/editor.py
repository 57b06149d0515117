"""Add feeds to monitor.yaml keeping its comments, order and layout (ruamel.yaml round trip).

Used by `monitor feeds import|add`. The edited text is validated as a whole config before it
replaces the file (written beside it, then renamed), so a failed edit leaves the file as it was.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitor.config.loader import load_config
from monitor.errors import ConfigError


def _yaml() -> YAML:
    y = YAML()  # round trip: comments, key order, quotes and flow style survive
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def add_feeds(
    path: Path, feeds: list[dict[str, Any]], env: Mapping[str, str] | None = None
) -> None:
    """Append `feeds` to the `feeds:` list of the config at `path`; raise ConfigError (and leave
    the file untouched) if the result would not load."""
    y = _yaml()
    doc = y.load(path.read_text(encoding="utf-8"))
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise ConfigError([f"{path}: the top level must be a mapping of keys"])
    seq = doc.get("feeds")
    if seq is None:
        seq = doc["feeds"] = CommentedSeq()
    if not isinstance(seq, CommentedSeq):
        raise ConfigError([f"{path}: feeds: must be a list to add feeds to it"])
    for feed in feeds:
        seq.append(CommentedMap(feed))
    out = io.StringIO()
    y.dump(doc, out)
    text = out.getvalue()
    fd, tmp = tempfile.mkstemp(prefix=".monitor-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            load_config(Path(tmp), env=os.environ if env is None else env)  # the whole config
        except ConfigError as exc:
            raise ConfigError([p.replace(tmp, str(path)) for p in exc.problems]) from None
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
