"""Review opinions (审查意见) and meeting packets (会议材料) as HTML, from decisions.

Templates are data (``templates/``, overridable by name with ``--templates DIR``). They get
view objects whose every field is already-formatted text, with autoescaping on and
``StrictUndefined``, so an office can reword them without knowing the engine, a missing field
fails loudly, and no application text ever reaches the HTML unescaped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from . import __version__
from .application import application_digest, canonical_json
from .errors import RenderError
from .exact import plain, yi
from .indicators import display_value
from .intake import TYPE_LABELS
from .remedies import remedy_lines
from .resources import data_dir
from .review import VERDICT_LABELS, Decision, Finding, FindingCells
from .text import safe

DEFAULT_PACKET_TITLE = "江门市招商引资工作联席会议项目审查材料"
VERDICT_ORDER = {"approve": 0, "conditional": 1, "reject": 2}


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
    return SandboxedEnvironment(
        loader=ConfinedLoader(template_dirs(override)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def input_digest(decision: Decision) -> str:
    """SHA-256 of the application as canonical JSON (numbers as written), whatever its format."""
    return application_digest(canonical_json(decision.application))


@dataclass(frozen=True)
class RowView:
    label: str
    requirement: str
    actual: str
    result: str
    css_class: str


def _row(finding: Finding) -> RowView:
    cells = FindingCells.of(finding)
    css = ("failed" if finding.mandatory else "advisory-failed") if finding.failed else ""
    return RowView(cells.label, cells.requirement, cells.actual, cells.result, css)


def _number(value: Decimal | None) -> str:
    return plain(value) if value is not None else ""


def _indicator(decision: Decision, name: str) -> str:
    value = decision.indicators.get(name)
    return plain(display_value(name, value)) if isinstance(value, Decimal) else "—"


@dataclass(frozen=True)
class OpinionView:
    anchor: str
    case_id: str
    name: str
    applicant: str
    credit_code: str
    type_label: str
    ruleset_type: str
    ruleset_label: str
    district: str
    tier_label: str
    industry_code: str
    chain: str
    land_mu: str
    total_investment: str
    total_yi: str
    fixed_assets: str
    annual_tax: str
    annual_output: str
    submitted_on: str
    major: str
    version: str
    version_title: str
    period: str
    rows: list[RowView]
    verdict_code: str
    verdict_label: str
    reasons: list[str]
    concerns: list[str]
    remedies: list[str]
    plot_ratio: str
    investment_intensity: str
    tax_per_mu: str
    rulebook_digest: str
    input_digest: str
    review_date: str
    tool_version: str

    @classmethod
    def of(cls, decision: Decision, anchor: str, review_date: date) -> OpinionView:
        app = decision.application
        selected = decision.selected
        version = selected.version
        total = app.investment.total_wan
        major = "是" if decision.major_project else "否"
        if version.special_review is None:
            major = "不适用（该版本未设一事一议条款）"
        return cls(
            anchor=anchor,
            case_id=app.id,
            name=app.name,
            applicant=app.applicant.name,
            credit_code=app.applicant.credit_code or "",
            type_label=TYPE_LABELS.get(app.type, app.type),
            ruleset_type=selected.type,
            ruleset_label=selected.ruleset.label,
            district=app.district,
            tier_label=decision.prepared.tier.label,
            industry_code=app.industry.code,
            chain=app.industry.chain or "",
            land_mu=_indicator(decision, "land_mu"),
            total_investment=plain(total),
            total_yi=yi(total),
            fixed_assets=plain(app.investment.fixed_assets_wan),
            annual_tax=plain(app.commitments.annual_tax_wan),
            annual_output=_number(app.commitments.annual_output_wan),
            submitted_on=app.submitted_on or f"未填写（按审查日期 {review_date.isoformat()}）",
            major=major,
            version=version.version,
            version_title=version.title,
            period=version.period_text(),
            rows=[_row(f) for f in decision.findings],
            verdict_code=decision.verdict,
            verdict_label=VERDICT_LABELS[decision.verdict],
            reasons=list(decision.reasons),
            concerns=list(decision.concerns),
            remedies=remedy_lines(decision),
            plot_ratio=_indicator(decision, "plot_ratio"),
            investment_intensity=_indicator(decision, "investment_intensity"),
            tax_per_mu=_indicator(decision, "tax_per_mu"),
            rulebook_digest=selected.digest,
            input_digest=input_digest(decision),
            review_date=review_date.isoformat(),
            tool_version=__version__,
        )


def _render(templates: Path | None, name: str, context: dict[str, Any]) -> str:
    """Render one template; an office's broken override is a clear error, not a traceback."""
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


def render_template(templates: Path | None, name: str, context: dict[str, Any]) -> str:
    """Any document template (monitor notices, reports) through the one sandboxed environment."""
    return _render(templates, name, context)


def render_opinion_html(decision: Decision, review_date: date, templates: Path | None = None) -> str:
    view = OpinionView.of(decision, "opinion-1", review_date)
    return _render(templates, "opinion.html.j2", {"opinion": view, "running_title": f"项目准入审查意见 · {view.case_id}"})


@dataclass(frozen=True)
class Meeting:
    title: str
    number: str
    date: str


@dataclass(frozen=True)
class InvalidView:
    source: str
    problems: list[dict[str, str]]


@dataclass(frozen=True)
class VersionView:
    version: str
    title: str
    type_label: str
    period: str
    digest: str
    basis: str


def packet_order(decisions: Sequence[Decision]) -> list[Decision]:
    """By verdict (准入, 一事一议, 不予准入), then by planned investment, largest first."""
    return sorted(decisions, key=lambda d: (VERDICT_ORDER[d.verdict], -d.application.investment.total_wan, d.application.id))


def render_packet_html(
    decisions: Sequence[Decision],
    invalid: Sequence[tuple[str, list[dict[str, str]]]],
    meeting: Meeting,
    review_date: date,
    templates: Path | None = None,
) -> str:
    ordered = packet_order(decisions)
    opinions = [OpinionView.of(d, f"opinion-{i}", review_date) for i, d in enumerate(ordered, 1)]
    versions: dict[str, VersionView] = {}
    for d in ordered:
        s = d.selected
        versions.setdefault(
            s.digest,
            VersionView(
                s.version.version,
                s.version.title,
                TYPE_LABELS.get(s.type, s.type),
                s.version.period_text(),
                s.digest,
                s.version.basis.strip(),
            ),
        )
    counts = {v: sum(d.verdict == v for d in ordered) for v in VERDICT_ORDER}
    context: dict[str, Any] = {
        "meeting": meeting,
        "opinions": opinions,
        "invalid": [InvalidView(safe(source), [{**p, "message": safe(p["message"])} for p in problems]) for source, problems in invalid],
        "versions": sorted(versions.values(), key=lambda v: (v.version, v.type_label)),
        "counts": counts,
    }
    return _render(templates, "packet.html.j2", context)


# --- characters no font can draw -------------------------------------------------------------

_TEXT_FIELDS = (
    ("id", "案件编号"),
    ("name", "项目名称"),
    ("applicant.name", "投资主体"),
    ("applicant.credit_code", "统一社会信用代码"),
    ("industry.chain", "重点产业链"),
)


def _field_text(decision: Decision, path: str) -> str:
    value: Any = decision.application
    for part in path.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, str) else ""


def _probe_html(texts: Sequence[str], templates: Path | None) -> str:
    """The texts in the body face and the bold heading face, with the templates' style sheet."""
    from html import escape

    css = _render(templates, "style.css", {})
    body = "".join(f"<p>{escape(t)}</p><h3>{escape(t)}</h3>" for t in texts)
    return f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


def _missing(texts: Sequence[str], templates: Path | None) -> set[str]:
    from .pdf import missing_characters

    shown = sorted({t for t in texts if any(ord(c) > 0x7E for c in t)})
    return missing_characters(_probe_html(shown, templates), template_dirs(templates)) if shown else set()


def _undrawable_problems(decision: Decision, missing: set[str]) -> list[dict[str, str]]:
    from .pdf import character_names

    problems = []
    for path, label in _TEXT_FIELDS:
        bad = "".join(dict.fromkeys(c for c in _field_text(decision, path) if c in missing))
        if bad:
            problems.append({"path": path, "message": f"{label}含有已安装字体无法显示的字符 {character_names(bad)}，请改用常规汉字或删去"})
    return problems


def _shown_plainly(text: str, missing: set[str]) -> str:
    return "".join(f"U+{ord(c):04X}" if c in missing else c for c in text)


def set_aside_undrawable(
    decisions: Sequence[Decision], invalid: Sequence[tuple[str, list[dict[str, str]]]], templates: Path | None
) -> tuple[list[Decision], list[tuple[str, list[dict[str, str]]]]]:
    """Before a packet is laid out: applications whose text no font draws join the invalid list,
    named with the character; the invalid list's own texts show such characters as ``U+XXXX``."""
    texts = [_field_text(d, path) for d in decisions for path, _ in _TEXT_FIELDS]
    texts += [text for source, problems in invalid for text in (source, *(p["message"] for p in problems))]
    missing = _missing(texts, templates)
    if not missing:
        return list(decisions), list(invalid)
    kept: list[Decision] = []
    refused: list[tuple[str, list[dict[str, str]]]] = []
    for decision in decisions:
        problems = _undrawable_problems(decision, missing)
        if problems:
            refused.append((decision.prepared.source, problems))
        else:
            kept.append(decision)
    cleaned = [
        (_shown_plainly(source, missing), [{**p, "message": _shown_plainly(p["message"], missing)} for p in problems])
        for source, problems in [*invalid, *refused]
    ]
    return kept, cleaned


def refuse_undrawable(decision: Decision, templates: Path | None) -> None:
    """Before an opinion is laid out: a clear error naming the application and the characters."""
    problems = _undrawable_problems(decision, _missing([_field_text(decision, p) for p, _ in _TEXT_FIELDS], templates))
    if problems:
        details = "；".join(p["message"] for p in problems)
        raise RenderError(f"案件 {decision.application.id} 无法生成 PDF：{details}")
