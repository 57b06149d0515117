"""Options say what they take, and refuse what they do not with a usage error (exit 2).

The class of cases: a boolean flag must not advertise a value (`--dry-run <bool>`) that
the parser then refuses; an option with a fixed set of values lists them and refuses
anything else without a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from monitor.cli import app as monitor_app


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if hasattr(group, "commands"):  # a group (Typer's own classes, not click's)
        for name, sub in group.commands.items():
            yield from commands(sub, (*path, name))
    else:
        yield path


ROOT_COMMAND = typer.main.get_command(monitor_app)
ALL = list(commands(ROOT_COMMAND))


def command(path: tuple[str, ...]) -> Any:
    cmd: Any = ROOT_COMMAND
    for name in path:
        cmd = cmd.commands[name]
    return cmd


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_flags_show_no_value_in_help(path: tuple[str, ...]) -> None:
    flags = [p for p in command(path).params if getattr(p, "is_flag", False)]
    result = CliRunner().invoke(monitor_app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in [max(option.opts, key=len) for option in flags] + ["--help"]:
        row = next(line for line in result.output.splitlines() if re.search(rf"{name}\b", line))
        assert not re.search(rf"{name}[\s│]+<", row), row  # no `<bool>` after the flag


def test_the_root_flags_show_no_value_in_help() -> None:
    result = CliRunner().invoke(monitor_app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("--install-completion", "--show-completion", "--help"):
        row = next(line for line in result.output.splitlines() if name in line)
        assert not re.search(rf"{name}[\s│]+<", row), row


@pytest.mark.parametrize("level", ["debug", "INFO", "Warning", "error", "CRITICAL"])
def test_log_level_takes_its_choices_in_any_case(level: str) -> None:
    ctx = command(("run",)).make_context("run", ["--log-level", level])
    assert ctx.params["log_level"].value == level.upper()


@pytest.mark.parametrize("args", [["--log-level", "LOUD"], ["--log-format", "xml"]])
def test_a_value_outside_the_choices_is_a_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(monitor_app, ["run", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "is not one of" in result.output
