"""Small value types shared by the config models: durations and byte sizes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    None: 1,
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}


def parse_duration(value: Any) -> Any:
    """Accept `90`, `90s`, `15m`, `6h`, `7d`, `2w` (numbers are seconds)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 15m, 6h or 7d")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            unit = m.group(2).lower() if m.group(2) else None
            return timedelta(seconds=float(m.group(1)) * _UNITS[unit])
    raise ValueError(f"{value!r} is not a duration; write e.g. 30s, 15m, 6h or 7d")


def parse_size(value: Any) -> Any:
    """Accept `5000000`, `5MB`, `8 MiB`."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 5MB")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m:
            unit = m.group(2).lower() if m.group(2) else None
            return int(float(m.group(1)) * _SIZE_UNITS[unit])
    raise ValueError(f"{value!r} is not a size; write e.g. 5MB or 512KiB")


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "a duration: seconds, or a number with ms, s, m, h, d or w",
        }
    ),
]

ByteSize = Annotated[
    int,
    BeforeValidator(parse_size),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d+(\.\d+)?\s*([kKmMgG]i?[bB]|[bB])?$"},
                {"type": "integer", "minimum": 0},
            ],
            "description": "a size in bytes, or with a unit: KB, KiB, MB, MiB, GB, GiB",
        }
    ),
]
