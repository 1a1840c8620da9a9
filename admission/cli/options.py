"""The options commands share, written once: the office's configuration (``--rules``, ``--db``,
``--templates``, ``--font-dir``) becomes one :class:`~admission.app.Admit`, and the common value
options (dates, ``--by``, output files) are parsed and refused here in Chinese."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from admission.app import Admit
from admission.dates import parse_iso_date, recorded_bound

F = TypeVar("F", bound=Callable[..., Any])


def parse_jobs_option(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.BadParameter(f"进程数应为正整数，实际为 {value}", ctx, param)
    return value


def parse_date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A YYYY-MM-DD option value, refused in Chinese with the option's name."""
    if value is None:
        return None
    parsed = parse_iso_date(value)
    if parsed is None:
        raise click.BadParameter(f"日期应为 YYYY-MM-DD 格式，实际为 {value!r}", ctx, param)
    return parsed


def as_of_option_saying(help_text: str = "审查日期；申请未填受理日期时据此选择规则版本（默认今天）。") -> Callable[[F], F]:
    """``--as-of``, with help that says what the date does for this command."""
    return click.option("--as-of", metavar="YYYY-MM-DD", callback=parse_date_option, default=None, help=help_text)


as_of_option = as_of_option_saying()


def default_as_of(year: int) -> date:
    """A year's target reports default to its last day, or to today while the year is under way."""
    return min(date(year, 12, 31), date.today())


def parse_recorded_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--as-recorded R``: a date (the end of that day, Beijing time) or an ISO time, as a UTC instant."""
    if value is None:
        return None
    try:
        return recorded_bound(value)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None


as_recorded_option = click.option(
    "--as-recorded",
    metavar="R",
    callback=parse_recorded_option,
    default=None,
    help="只用截至 R（日期 YYYY-MM-DD 指当日北京时间结束时，或 2026-11-30T18:00 这样的时间）已登记的数据重算，用于重现当时印发的通报。",
)


def date_option(name: str, help_text: str, required: bool = False) -> Callable[[F], F]:
    """Another YYYY-MM-DD option (``--meeting-date`` …)."""
    return click.option(name, metavar="YYYY-MM-DD", callback=parse_date_option, required=required, default=None, help=help_text)


rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="使用另一份规则库目录（默认使用随程序发布的规则库）。",
)
db_option = click.option(
    "--db",
    "db_target",
    metavar="TARGET",
    default=None,
    help="台账数据库：SQLite 文件路径或 postgresql:// 地址（默认取环境变量 ADMIT_DB，否则为当前目录的 admit.db）。",
)
templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="模板目录：其中的同名文件覆盖默认模板（opinion.html.j2、packet.html.j2、style.css 等）。",
)
font_dir_option = click.option(
    "--font-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="额外的中文字体目录（也可用环境变量 ADMIT_FONT_DIR）。",
)


def default_actor() -> str:
    """Who records a change when ``--by`` is not given: the operating system's user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def by_option(command: F) -> F:
    """``--by NAME``: who records the change (the OS user by default), passed on as ``actor``."""
    option = click.option("--by", "actor", metavar="NAME", default=None, help="经办人姓名，记入每条变更事件（默认为操作系统用户名）。")

    @wraps(command)
    def wrapper(*args: Any, actor: str | None = None, **kwargs: Any) -> Any:
        return command(*args, actor=actor or default_actor(), **kwargs)

    return option(wrapper)  # type: ignore[return-value]


def json_option(help_text: str = "以 JSON 输出。") -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def output_option(name: str, help_text: str, *flags: str) -> Callable[[F], F]:
    """An output file option (``--pdf FILE`` …, or the given flags), passed on as ``<name>_path``."""
    return click.option(*(flags or (f"--{name}",)), f"{name}_path", type=click.Path(path_type=Path, dir_okay=False), help=help_text)


def uses_admit(*, rules: bool = True, db: bool = False, templates: bool = False, fonts: bool = False) -> Callable[[F], F]:
    """The office options a command takes, turned into one ``admit`` argument (closed afterwards)."""

    def decorate(command: F) -> F:
        @wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            config = {key: kwargs.pop(key, None) for key in ("rules_dir", "db_target", "templates_dir", "font_dir")}
            with Admit(**config) as admit:
                return command(*args, admit=admit, **kwargs)

        chosen = [(rules, rules_option), (templates, templates_option), (fonts, font_dir_option), (db, db_option)]
        decorated: Any = wrapper
        for wanted, option in reversed(chosen):
            if wanted:
                decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
