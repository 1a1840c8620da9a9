"""Templates for every document: one sandboxed Jinja2 environment, confined to the template folders.

Templates are data (``templates/``, overridable by name with ``--templates DIR``) and so is the
issuing office (``office.toml``). Autoescaping is on and undefined names fail
(``StrictUndefined``), so no application text reaches HTML unescaped and a missing field fails a
test instead of printing a blank.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from admission.dates import beijing_time
from admission.errors import RenderError
from admission.numbers import grouped
from admission.resources import data_dir


def template_dirs(override: Path | None) -> list[Path]:
    """Override folder first, shipped templates last: an office replaces files by name."""
    return [override, data_dir("templates")] if override else [data_dir("templates")]


class ConfinedLoader(jinja2.BaseLoader):
    """Templates by name from a list of folders, never from outside them.

    Each name is resolved (symbolic links included) before anything is read, and refused when
    it leaves its folder: a link ``style.css -> /etc/passwd`` in an office's template folder,
    or ``{% include "../../etc/passwd" %}``, is an error, not a page of the PDF.
    """

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [folder.resolve() for folder in folders]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)  # refuses ".." segments
        for folder in self.folders:
            candidate = folder.joinpath(*pieces)
            if not candidate.exists():
                continue
            resolved = candidate.resolve()
            if not resolved.is_relative_to(folder) or not resolved.is_file():
                raise jinja2.TemplateNotFound(f"{template}（指向模板目录以外或不是普通文件，已拒绝）")
            source = resolved.read_text(encoding="utf-8")
            return source, str(resolved), _unchanged(resolved, resolved.stat().st_mtime_ns)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path, mtime: int) -> Callable[[], bool]:
    """Jinja2's up-to-date check: a long-running ``admit serve`` picks up an edited template."""

    def check() -> bool:
        try:
            return path.stat().st_mtime_ns == mtime
        except OSError:
            return False

    return check


@functools.lru_cache(maxsize=8)
def environment(override: Path | None) -> jinja2.Environment:
    """The one Jinja2 environment of every document: sandboxed, escaping, strict, confined.

    Overridable templates are code an office supplies: the sandbox stops them from reaching
    Python internals (``cycler.__init__.__globals__.os``) and so the operating system.
    """
    made = SandboxedEnvironment(
        loader=ConfinedLoader(template_dirs(override)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    made.filters.update(FILTERS)
    return made


def _amount_filter(value: Any) -> str:
    """An amount as every page and document shows it: 2,190.00 (— when there is none)."""
    if value is None or value == "":
        return "—"
    return grouped(Decimal(str(value)))


def _beijing_filter(value: Any) -> str:
    """A recorded time (UTC, ISO) as the office reads it: Beijing time, 2026-11-28 14:05."""
    return beijing_time(str(value)) if value else ""


# Formatting every template may use (the figures themselves are computed before rendering).
FILTERS: dict[str, Callable[[Any], str]] = {"amount": _amount_filter, "beijing": _beijing_filter}


@dataclass(frozen=True)
class Office:
    """Who issues the documents: data an office edits (``office.toml`` among the templates, so a
    ``--templates`` folder overrides it by name like any template), never code."""

    name: str  # 发文单位
    document_number: str  # 文号 pattern; {year} is the review year, the number is left to fill in
    seal_line: str  # 审查单位（盖章）
    notice_number: str = "江招联履〔{year}〕　　号"  # 履约核查通知书's 文号 pattern
    copy_to: str = "{district}人民政府，{district}自然资源主管部门"  # 抄送 of a notice; {district} is the project's
    report_number: str = "江招联通〔{year}〕　　号"  # 通报's 文号 pattern; {year} is the year it is issued
    report_to: str = "各县（市、区）人民政府，市有关单位："  # 通报's 主送
    supervision_number: str = "江招联督〔{year}〕{number}号"  # 督办通知's 文号; {number}: the round's number in its year
    supervision_copy_to: str = "市人民政府办公室"  # 督办通知's 抄送; {district} is the district chased

    def supervision_number_for(self, issued: date, number: int) -> str:
        return self.number_for(issued, self.supervision_number).replace("{number}", str(number))

    def supervision_copy_to_for(self, district: str) -> str:
        return self.supervision_copy_to.replace("{district}", district)

    def number_for(self, review_date: date, pattern: str | None = None) -> str:
        # str.replace, not str.format: an office's pattern must not reach Python's formatting.
        return (pattern or self.document_number).replace("{year}", str(review_date.year))

    def copy_to_for(self, district: str) -> str:
        return self.copy_to.replace("{district}", district)


_OFFICE_FIELDS = {"name": "发文单位名称", "document_number": "文号格式", "seal_line": "审查单位（盖章）一行"}
_OPTIONAL_FIELDS = {
    "notice_number": "履约核查通知书文号格式",
    "copy_to": "履约核查通知书抄送",
    "report_number": "通报文号格式",
    "report_to": "通报主送单位",
    "supervision_number": "督办通知文号格式",
    "supervision_copy_to": "督办通知抄送单位",
}


def office_settings(override: Path | None) -> Office:
    """``office.toml`` from the template folders; a broken one is a clear error naming the key."""
    try:
        source, _, _ = ConfinedLoader(template_dirs(override)).get_source(environment(override), "office.toml")
        data = tomllib.loads(source)
    except jinja2.TemplateNotFound as error:
        raise RenderError(f"模板目录中找不到发文单位设置 office.toml：{error}") from None
    except tomllib.TOMLDecodeError as error:
        raise RenderError(f"发文单位设置 office.toml 格式错误：{error}") from None
    values: dict[str, str] = {}
    for key, label in _OFFICE_FIELDS.items():
        value = data.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise RenderError(f"发文单位设置 office.toml 的 {key}（{label}）应为 1–200 字的文字")
        values[key] = value.strip()
    for key, label in _OPTIONAL_FIELDS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise RenderError(f"发文单位设置 office.toml 的 {key}（{label}）应为 1–200 字的文字")
        values[key] = value.strip()
    known = {**_OFFICE_FIELDS, **_OPTIONAL_FIELDS}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise RenderError(f"发文单位设置 office.toml 中有未知的设置项：{'、'.join(unknown)}（可用：{'、'.join(known)}）")
    return Office(**values)


def render_template(templates: Path | None, name: str, context: dict[str, Any]) -> str:
    """Render one template (opinions, packets, notices, reports); an office's broken override is a
    clear error, not a traceback."""
    try:
        return environment(templates).get_template(name).render(**context)
    except jinja2.TemplateError as error:
        where = f"{error.filename}:{error.lineno}" if isinstance(error, jinja2.TemplateSyntaxError) else name
        if isinstance(error, jinja2.exceptions.SecurityError):
            raise RenderError(f"模板错误（{where}）：模板试图访问不允许的内部属性，已拒绝：{error}") from None
        if isinstance(error, jinja2.TemplateNotFound):
            raise RenderError(f"模板错误（{where}）：找不到模板 {error.message or error}") from None
        raise RenderError(f"模板错误（{where}）：{error.message or error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RenderError(f"模板错误（{name}）：无法读取模板：{error}") from None


# GB/T 9704 公文 put no space between Chinese and digits or Latin letters; justified text would
# stretch such a space into a visible gap. Templates and wording are written readably, with spaces,
# and every document is typeset once here, so no template or message has to remember it.
_HAN = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_GAP = re.compile(rf"(?<=[{_HAN}])[ \t\r\n]+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z%])[ \t\r\n]+(?=[{_HAN}])")
# A whole <style> or <script> element, or one tag (kept as it is); else a run of text (typeset).
_RAW_OR_TEXT = re.compile(r"(<(style|script)\b.*?</\2>|<[^>]*>)|[^<]+", re.DOTALL | re.IGNORECASE)


def chinese_spacing(html: str) -> str:
    """``html`` with the spaces between Chinese and digits or Latin letters removed from its text;
    tags, attributes, styles and scripts are left as they are."""
    return _RAW_OR_TEXT.sub(lambda m: m.group(1) or _GAP.sub("", m.group()), html)


def render_document(templates: Path | None, name: str, context: dict[str, Any]) -> str:
    """Render a document a reader signs (opinion, packet, notice, 通报), typeset as 公文."""
    return chinese_spacing(render_template(templates, name, context))
