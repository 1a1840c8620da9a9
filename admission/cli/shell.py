"""What every ``admit`` command shares: the lazy group, Chinese usage errors, one error handler,
terminal styles and JSON output. Commands live in their own modules and import this one; this
one imports none of them, so the command line has no import cycle."""

from __future__ import annotations

import importlib
import itertools
import json
import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from admission.cli.help_zh import ChineseContext, install
from admission.documents.files import check_outputs, write_files
from admission.errors import AdmitError, InvalidInput, InvalidRulebook, OutputError, Problem
from admission.interrupts import exit_code_of, held_signals
from admission.text import safe

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

install()

_STYLES = {"pass": {"fg": "green", "bold": True}, "fail": {"fg": "red"}, "warn": {"fg": "yellow"}, "title": {"bold": True}}


def terminal_style(text: str, role: str) -> str:
    """A line in its role's colour (click.echo strips the codes again when stdout is no terminal)."""
    styles = _STYLES.get(role)
    return click.style(text, **styles) if styles else text  # type: ignore[arg-type]


def emit_json(value: Any, pretty: bool = False) -> None:
    """A ``--json`` answer on stdout; ``pretty`` for a file people read (the JSON Schema)."""
    if pretty:
        click.echo(json.dumps(value, ensure_ascii=False, indent=2))
        return
    lines = json_lines_of(value)
    while batch := list(itertools.islice(lines, 2000)):  # one echo per line cost a third of the writing
        click.echo("\n".join(batch))


def json_lines_of(value: Any) -> Iterator[str]:
    """A ``--json`` answer as lines: an object's keys one per line, a list's items one per line
    (at the top and one level down), each written compactly. ``indent=2`` made json use its pure
    Python encoder: 0.67 s of a 50,000-project annual report's 5 MB, against 0.1 s here."""

    def dumps(part: Any) -> str:
        return json.dumps(part, ensure_ascii=False)

    def listed(items: list[Any], close: str, margin: str) -> Iterator[str]:
        for index, item in enumerate(items):
            yield margin + dumps(item) + ("," if index < len(items) - 1 else close)

    if isinstance(value, list) and value:
        yield "["
        yield from listed(value, "", "  ")
        yield "]"
        return
    if not isinstance(value, dict) or not value:
        yield dumps(value)
        return
    yield "{"
    for position, (key, part) in enumerate(value.items()):
        comma = "," if position < len(value) - 1 else ""
        if isinstance(part, list) and part:
            yield f"  {dumps(key)}: ["
            yield from listed(part, "", "    ")
            yield "  ]" + comma
        else:
            yield f"  {dumps(key)}: {dumps(part)}{comma}"
    yield "}"


def notice(text: str) -> None:
    """A remark on stderr that does not change the outcome (注意：…)."""
    click.echo(f"注意：{safe(text)}", err=True)


def render_problems(source: str, problems: list[Problem]) -> str:
    header = (
        f"{safe(source)}：申请材料无效，未作审查结论（{len(problems)} 个问题）" if source else f"申请材料无效（{len(problems)} 个问题）"
    )
    return "\n".join([header, *(f"  {p.path}：{safe(p.message)}" for p in problems)])


def reports_errors(command: F) -> F:
    """Turn core errors into one clear message and the exit code the error carries."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return command(*args, **kwargs)
        except (InvalidInput, InvalidRulebook) as error:
            if as_json:
                emit_json({"error": {"kind": error.kind, "problems": [p.to_json() for p in error.problems]}})
            elif isinstance(error, InvalidInput):
                click.echo(render_problems(error.source, error.problems), err=True)
            else:
                click.echo(f"规则库无效（{len(error.problems)} 个问题）：", err=True)
                for problem in error.problems:
                    click.echo(f"  {problem.path}：{problem.message}", err=True)
            sys.exit(error.exit_code)
        except AdmitError as error:
            click.echo(f"错误：{safe(str(error))}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt as interrupt:
            click.echo("已中断。", err=True)
            sys.exit(exit_code_of(interrupt))
        except BrokenPipeError:
            # The reader went away (`| head`): not our failure, and nobody is left to tell.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as error:  # a bug: one line, not a traceback, and never a verdict code
            click.echo(f"内部错误：{type(error).__name__}: {safe(str(error))}", err=True)
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


def usage_error_zh(error: click.UsageError) -> str:
    """click's usage errors, said in Chinese (the values our own callbacks give already are)."""
    hint = None
    if isinstance(error, click.BadParameter):
        hint = error.param_hint if isinstance(error.param_hint, str) else None
        if hint is None and error.param is not None:
            hint = error.param.get_error_hint(error.ctx)
    if isinstance(error, click.MissingParameter):
        return f"缺少参数 {hint}" if hint else "缺少参数"
    if isinstance(error, click.BadParameter):
        message = safe(error.message)  # click's words, already Chinese through the catalogue (help_zh)
        return f"参数 {hint} 的值无效：{message}" if hint else f"参数值无效：{message}"
    if isinstance(error, click.NoSuchOption):
        close = f"；是否应为 {'、'.join(sorted(error.possibilities))}？" if error.possibilities else ""
        return f"没有选项 {error.option_name}{close}"
    return error.message  # click's own words, Chinese through the catalogue


class AdmitCommand(click.Command):
    """Every command's help laid out by display width (help_zh)."""

    context_class = ChineseContext


class _LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands where some are named by "module:attribute" and imported when first
    asked for (click's documented LazyGroup pattern): ``admit ledger show`` imports the ledger's
    reading commands only, not the rule engine, pydantic or WeasyPrint."""

    def __init__(self, loaded: MutableMapping[str, click.Command], lazy: Mapping[str, str]) -> None:
        self.loaded = loaded
        self.lazy = dict(lazy)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded and name in self.lazy:
            module, _, attribute = self.lazy[name].partition(":")
            with held_signals():  # an interrupted import becomes pydantic's SchemaError: see __main__
                command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[name]} is not a click command")
            self.loaded[name] = command
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.lazy.pop(name, None)

    def __iter__(self) -> Any:
        return iter(sorted({*self.loaded, *self.lazy}))

    def __len__(self) -> int:
        return len({*self.loaded, *self.lazy})

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or name in self.lazy


class AdmitGroup(click.Group):
    """A command group: help by display width, sub-commands made with the same classes, and some
    sub-commands loaded lazily (``lazy={"show": "admission.cli.ledger_views:show"}``)."""

    context_class = ChineseContext
    command_class = AdmitCommand
    group_class = type

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: MutableMapping[str, click.Command] = _LazyCommands(self.commands, lazy or {})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


class RootGroup(AdmitGroup):
    """``admit`` itself: usage errors in Chinese, exit code 2, as the decision contract says."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        standalone = standalone_mode
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            if not standalone:
                raise
            if type(error).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
                click.echo(error.format_message(), err=True)
                sys.exit(error.exit_code)
            if error.ctx is not None:
                click.echo(error.ctx.get_usage(), err=True)
                click.echo(f"（运行 {error.ctx.command_path} --help 查看帮助）", err=True)
            click.echo(f"错误：{usage_error_zh(error)}", err=True)
            sys.exit(error.exit_code)
        except click.exceptions.Abort as abort:
            if not standalone:
                raise
            click.echo("已中断。", err=True)
            cause = abort.__cause__
            sys.exit(exit_code_of(cause) if isinstance(cause, KeyboardInterrupt) else 130)


def targets(**paths: Path | None) -> dict[str, Path]:
    """The output files a command was asked for, by format (``pdf=…, docx=…``): absent ones left out."""
    return {kind: path for kind, path in paths.items() if path is not None}


def write_blank(target: Path, data: bytes, force: bool, filled: str, written: str) -> None:
    """A blank workbook written to ``target``, never over an existing file (one a clerk may have
    filled in: ``filled`` names it) unless ``--force``."""
    check_outputs([target])
    if target.exists() and not force:
        raise OutputError(f"{target} 已存在，未覆盖（{filled}）；确需覆盖请加 --force")
    write_files({target: data})
    click.echo(f"{written}：{target}")


def save(documents: Mapping[str, bytes], paths: Mapping[str, Path]) -> None:
    """Every made document to its file, all or none (the core made them all first)."""
    write_files({paths[kind]: data for kind, data in documents.items()})


def answer(outputs: dict[str, Path], compute: Callable[[], T], documents: Callable[[T, Collection[str]], Mapping[str, bytes]],
           as_json: bool, lines: Callable[[T], Iterable[str]]) -> None:  # fmt: skip
    """A report command's answer: its output files refused before any work (a folder, a device,
    one of the inputs), the answer computed, its documents written (all or none), then the JSON
    or the Chinese lines."""
    check_outputs(outputs.values())
    result = compute()
    save(documents(result, outputs.keys()), outputs)
    if as_json:
        emit_json(result)
        return
    for line in lines(result):
        click.echo(line)


def command(name: str | None = None, **settings: Any) -> Callable[[F], click.Command]:
    """A command made as every ``admit`` command is (``AdmitCommand``: help by display width);
    for the commands that the lazy groups load from their modules."""
    return click.command(name, cls=AdmitCommand, **settings)
