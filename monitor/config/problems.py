"""Config errors as people read them: `file:line: key.path: what is wrong (did you mean ...?)`.

pydantic reports where an error is as a location tuple that includes union members
(`keywords[16].KeywordConfig.wieght`) and one error per member that did not fit. This module
maps a location back to the YAML line it came from, drops union members (a location part that
is not a key of the data there), keeps the error of the member that the value was meant for,
and suggests the nearest known key for a misspelled one.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails

Loc = tuple[str | int, ...]
# a value of the wrong type for one union member: dropped when another member says more
_TYPE_ERRORS = {
    "string_type",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "int_type",
    "int_parsing",
    "float_type",
    "float_parsing",
    "bool_type",
    "bool_parsing",
    "list_type",
    "literal_error",
    "none_required",
    "is_instance_of",
}


def node_lines(node: yaml.Node | None) -> dict[Loc, int]:
    """Location tuple -> 1-based line of the key (mappings) or the item (sequences)."""
    lines: dict[Loc, int] = {}

    def walk(n: yaml.Node, loc: Loc) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode):
                    here = (*loc, key.value)
                    lines.setdefault(here, key.start_mark.line + 1)
                    walk(value, here)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                lines.setdefault((*loc, i), item.start_mark.line + 1)
                walk(item, (*loc, i))

    if node is not None:
        walk(node, ())
    return lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, else of its nearest enclosing key that has one."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def format_loc(loc: Loc) -> str:
    """('feeds', 3, 'url') -> 'feeds[3].url'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Problem(str):
    """One config problem. Reads as `file:line: key.path: message` wherever a string is
    expected (logs, the reload refusal, `monitor check`); keeps its parts for `check --json`."""

    file: str
    line: int | None
    key: str
    message: str

    def __new__(cls, file: str, message: str, *, line: int | None = None, key: str = "") -> Problem:
        head = f"{file}:{line}" if line else file
        self = super().__new__(cls, f"{head}: {key}: {message}" if key else f"{head}: {message}")
        self.file, self.line, self.key, self.message = file, line, key, message
        return self

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "key": self.key, "message": self.message}


def problem_at(file: str, lines: dict[Loc, int], loc: Loc, message: str) -> Problem:
    """A problem at a key path, with the line it is on when known."""
    return Problem(file, message, line=line_of(lines, loc), key=format_loc(loc))


def _data_loc(data: Any, raw: tuple[str | int, ...]) -> tuple[Loc, list[str], int | None]:
    """The location in the data, the union members passed on the way, and where the first
    member was chosen (an index into the data location)."""
    loc: list[str | int] = []
    tags: list[str] = []
    chosen_at: int | None = None
    node = data
    for part in raw:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            loc.append(part)
            node = node[part]
        elif isinstance(part, str) and node is not None:
            # not in the data: either a union member's tag or a key that is missing/unknown
            if _looks_like_tag(part, node):
                tags.append(part)
                chosen_at = len(loc) if chosen_at is None else chosen_at
            else:
                loc.append(part)
                node = None
        else:
            loc.append(part)
            node = None
    return tuple(loc), tags, chosen_at


def _looks_like_tag(part: str, node: Any) -> bool:
    """pydantic names union members by class (`KeywordConfig`), by core type (`str`,
    `function-after[...]`, `list[str]`) or by discriminator value (`email`, the value of the
    node's own `type` key)."""
    if part[:1].isupper() or "[" in part or part in _CORE_TAGS:
        return True
    return isinstance(node, dict) and part in {v for v in node.values() if isinstance(v, str)}


_CORE_TAGS = {"str", "int", "float", "bool", "none", "list", "dict", "literal", "union"}


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _model_at(
    model: type[BaseModel], loc: Loc, tags: list[str], data: Any
) -> type[BaseModel] | None:
    """The model class whose keys apply at `loc` (following fields, lists and unions)."""
    candidates: list[type[BaseModel]] = [model]
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        current = _choose(candidates, tags, node)
        field = current.model_fields.get(part) if current is not None else None
        if field is None:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        candidates = list(dict.fromkeys(_models_in(field.annotation)))
    return _choose(candidates, tags, node)


def _choose(
    candidates: list[type[BaseModel]], tags: list[str], node: Any
) -> type[BaseModel] | None:
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    for c in candidates:
        if c.__name__ in tags:
            return c
    kind = node.get("type") if isinstance(node, dict) else None
    for c in candidates:
        field = c.model_fields.get("type")
        if field is not None and kind in typing.get_args(field.annotation):
            return c
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    keys: list[str] = []
    for name, field in model.model_fields.items():
        keys.append(field.alias or name)
    return keys


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: typos are mostly one swap, drop or extra letter
    (`wieght`, `prot`, `feedz`), which difflib's ratio undervalues on short words."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def suggestion(word: str, choices: list[str]) -> str:
    """' (did you mean 'weight'?)' for a near miss, else ''."""
    folded = word.casefold()
    scored = sorted((edit_distance(folded, c.casefold()), c) for c in choices)
    if scored and scored[0][0] <= max(1, min(2, len(word) // 3)):
        return f" (did you mean {scored[0][1]!r}?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _message(err: ErrorDetails) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg


def describe(
    model: type[BaseModel],
    data: Any,
    errors: list[ErrorDetails],
    file: str,
    lines: dict[Loc, int],
) -> list[Problem]:
    """One line per problem, in file order where lines are known."""
    entries: list[tuple[Loc, list[str], int | None, ErrorDetails]] = []
    for err in errors:
        loc, tags, chosen_at = _data_loc(data, tuple(err["loc"]))
        entries.append((loc, tags, chosen_at, err))
    # Where several union members failed on one value, keep what the member meant for it says.
    informative: set[Loc] = {
        loc[:at]
        for loc, _tags, at, err in entries
        if at is not None and err["type"] not in _TYPE_ERRORS
    }
    out: dict[str, Problem] = {}
    grouped_type_errors: dict[Loc, list[str]] = {}
    for loc, tags, at, err in entries:
        if at is not None and err["type"] in _TYPE_ERRORS:
            if loc[:at] in informative:
                continue
            grouped_type_errors.setdefault(loc[:at], []).append(_message(err))
            continue
        if err["type"] == "extra_forbidden":
            parent, key = loc[:-1], str(loc[-1])
            owner = _model_at(model, parent, tags, data)
            hint = suggestion(key, _keys(owner)) if owner is not None else ""
            found = Problem(
                file,
                f"unknown key {key!r}{hint}",
                line=line_of(lines, loc),
                key=format_loc(parent),
            )
            out.setdefault(found, found)
            continue
        found = problem_at(file, lines, loc, _message(err))
        out.setdefault(found, found)
    for loc, msgs in grouped_type_errors.items():
        found = problem_at(file, lines, loc, "; or ".join(dict.fromkeys(msgs)))
        out.setdefault(found, found)
    return sorted(out.values(), key=lambda p: p.line or 0)
