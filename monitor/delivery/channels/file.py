"""File channel: write each rendered message to a folder (demo, tests, no SMTP at hand)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

from monitor.config.models import FileChannel
from monitor.delivery.channels.base import Outgoing, SendContext
from monitor.delivery.errors import SendError
from monitor.delivery.model import Rendered
from monitor.delivery.render import render

__all__ = ["file_stem", "send", "write_message"]


def file_stem(dedupe_key: str) -> str:
    """A file name from the delivery's key: a repeat overwrites the same files."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", dedupe_key).strip("_")[:150] or "message"


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_message(channel: FileChannel, dedupe_key: str, rendered: Rendered) -> list[Path]:
    """Write <key>.txt and <key>.html atomically; return their paths."""
    folder = Path(channel.path)
    stem = file_stem(dedupe_key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        txt, html = folder / f"{stem}.txt", folder / f"{stem}.html"
        _atomic_write(txt, f"Subject: {rendered.subject}\n\n{rendered.text}")
        _atomic_write(html, rendered.html)
    except OSError as exc:
        raise SendError(f"file channel {channel.name}: {exc}") from None
    return [txt, html]


async def send(channel: FileChannel, out: Outgoing, ctx: SendContext) -> str | None:
    """Write the rendered message under the delivery's key (off the event loop)."""
    await asyncio.to_thread(write_message, channel, out.dedupe_key, render(out.digest))
    return None
