"""Every command is described in the README and shows an example in its help."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from admission.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "admit") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += commands(command, path)
        else:
            found.append((path, command))
    return found


ALL = commands(main)


def test_there_are_commands_to_document() -> None:
    assert {name for name, _ in ALL} >= {
        "admit check",
        "admit screen",
        "admit packet",
        "admit template",
        "admit schema",
        "admit rules list",
    }


@pytest.mark.parametrize(("name", "command"), ALL, ids=[name for name, _ in ALL])
def test_command_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"`{name}" in README or f"{name} " in README, f"{name} is not described in README.md"


@pytest.mark.parametrize(("name", "command"), ALL, ids=[name for name, _ in ALL])
def test_command_help_has_an_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*name.split()[1:], "--help"])
    assert result.exit_code == 0 and "示例：" in result.stdout and name in result.stdout
