"""Review opinions (审查意见) and meeting packets (会议材料) as HTML, from decisions.

The templates (``documents.templating``) get view objects whose every field is already-formatted
text, so an office can reword them without knowing the engine; the Word export lays out the same
views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from html import escape
from pathlib import Path
from typing import Any

from admission import __version__
from admission.contract.application import canonical_json
from admission.contract.digest import application_digest
from admission.contract.fields import field_name
from admission.dates import date_zh
from admission.documents.pdf import character_names, missing_characters
from admission.documents.templating import Office, office_settings, render_document, render_template, template_dirs
from admission.errors import Problem, RenderError
from admission.intake.batch import about_decision, error_result
from admission.intake.workbook import column_of, source_label
from admission.numbers import fixed, grouped, plain, yi
from admission.review.decision import Decision, Finding
from admission.review.remedies import remedy_lines, scope_line
from admission.review.wording import FindingCells
from admission.rules.indicators import display_value, land_mu
from admission.text import safe
from admission.vocabulary import VERDICT_ORDER, VERDICTS

DEFAULT_PACKET_TITLE = "江门市招商引资工作联席会议项目审查材料"


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
    opening: str
    conclusion: str
    reasons: list[str]
    concerns: list[str]
    remedies: list[str]
    scope_note: str
    plot_ratio: str
    investment_intensity: str
    tax_per_mu: str
    rulebook_digest: str
    input_digest: str
    review_date: str
    tool_version: str
    office: str
    document_number: str
    seal_line: str

    @classmethod
    def of(cls, decision: Decision, anchor: str, review_date: date, office: Office) -> OpinionView:
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
            credit_code=app.applicant.credit_code or "未提供",
            type_label=decision.selected.ruleset.label,
            ruleset_label=selected.ruleset.label,
            district=app.district,
            tier_label=decision.prepared.tier.label,
            industry_code=app.industry.code,
            chain=app.industry.chain or "",
            land_mu=_indicator(decision, "land_mu"),
            total_investment=grouped(total),
            total_yi=yi(total),
            fixed_assets=grouped(app.investment.fixed_assets_wan),
            annual_tax=grouped(app.commitments.annual_tax_wan),
            annual_output=grouped(app.commitments.annual_output_wan) if app.commitments.annual_output_wan is not None else "",
            submitted_on=date_zh(app.submitted_date) if app.submitted_date else f"未填写（按审查日期 {date_zh(review_date)} 适用规则）",
            major=major,
            version=version.version,
            version_title=version.title,
            period=version.period_text(),
            rows=[_row(f) for f in decision.findings],
            verdict_code=decision.verdict,
            verdict_label=VERDICTS[decision.verdict],
            opening=(
                f"{app.district}报送的该项目申请材料（案件编号 {app.id}）收悉。根据《{version.title}》（{version.period_text()}），"
                f"现按{selected.ruleset.label}、{decision.prepared.tier.label}标准进行准入审查，意见如下。"
            ),
            conclusion=decision.conclusion,
            reasons=list(decision.reasons),
            concerns=list(decision.concerns),
            remedies=remedy_lines(decision),
            scope_note=scope_line(decision) or "",
            plot_ratio=_indicator(decision, "plot_ratio"),
            investment_intensity=_indicator(decision, "investment_intensity"),
            tax_per_mu=_indicator(decision, "tax_per_mu"),
            rulebook_digest=selected.digest,
            input_digest=input_digest(decision),
            review_date=date_zh(review_date),
            tool_version=__version__,
            office=office.name,
            document_number=office.number_for(review_date),
            seal_line=office.seal_line,
        )


def opinion_view(decision: Decision, review_date: date, templates: Path | None = None) -> OpinionView:
    return OpinionView.of(decision, "opinion-1", review_date, office_settings(templates))


def render_opinion_html(decision: Decision, review_date: date, templates: Path | None = None) -> str:
    view = opinion_view(decision, review_date, templates)
    return render_document(templates, "opinion.html.j2", {"opinion": view, "running_title": f"项目准入审查意见 · {view.case_id}"})


@dataclass(frozen=True)
class Meeting:
    """A packet's meeting, as printed: ``number`` and ``year`` are empty for a packet of uploaded
    files that no meeting has numbered yet."""

    title: str
    number: str
    date: str
    year: str = ""  # meeting numbers restart every year, so a number alone is ambiguous: 2026年第 12 次
    in_agenda_order: bool = False  # built from a meeting's agenda: its 议题 in the meeting's order, not re-sorted


def meeting_held(title: str, held_on: date, number: int | None = None, *, in_agenda_order: bool = False) -> Meeting:
    """The meeting held on ``held_on`` as its packet prints it (a free function: inside the class,
    the field ``date`` would hide the type)."""
    year = f"{held_on.year}年" if number is not None else ""
    return Meeting(title, "" if number is None else str(number), date_zh(held_on), year, in_agenda_order)


def packet_review_date(as_of: date | None, meeting_date: date | None, today: date) -> tuple[date, str | None]:
    """The 审查日期 a packet's opinions carry, and a word to the clerk when it is odd.

    A packet is the material for its meeting: made again after the meeting (a reprint, a
    corrected copy), its opinions keep the meeting's date rather than today's. A date asked for
    that is after the meeting is used as asked, with a word about it.
    """
    if as_of is None:
        return (min(today, meeting_date) if meeting_date is not None else today), None
    if meeting_date is not None and as_of > meeting_date:
        return as_of, (f"审查日期 {date_zh(as_of)} 晚于会议日期 {date_zh(meeting_date)}：各审查意见将注明会后的日期；"
                       "会前材料请指定会前的审查日期")  # fmt: skip
    return as_of, None


@dataclass(frozen=True)
class InvalidView:
    title: str  # 案件编号 项目名称, as far as they could be read
    where: str  # the file, or the workbook and row
    district: str  # whom the material goes back to, when it could be read
    problems: list[dict[str, str]]  # {"place": the column or field in Chinese, "message"}

    @classmethod
    def of(cls, result: dict[str, Any]) -> InvalidView:
        about = result.get("application", {})
        problems = [{"place": safe(_place(p)), "message": safe(p["message"])} for p in result["error"]["problems"]]
        title = " ".join(filter(None, (about.get("id"), about.get("name"))))
        return cls(safe(title), safe(source_label(result["source"])), safe(about.get("district", "")), problems)


def _place(problem: dict[str, str]) -> str:
    """Where a problem is, in Chinese: the column header, or the field a JSON path names."""
    return problem.get("column") or ("整份材料" if problem["path"] == "$" else column_of(problem["path"], {}))


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
    return sorted(decisions, key=lambda d: (VERDICT_ORDER.index(d.verdict), -d.application.investment.total_wan, d.application.id))


def render_packet_html(context: dict[str, Any], templates: Path | None = None) -> str:
    """The whole packet's HTML from its ``packet_context`` (the HTML and Word formats)."""
    return render_document(templates, "packet.html.j2", context)


def render_packet_pdf(context: dict[str, Any], templates: Path | None = None) -> bytes:
    """The packet's PDF from its ``packet_context``, laid out in parts (``documents.parts``)."""
    from admission.documents.parts import Part
    from admission.documents.parts import render_packet_pdf as laid_out_in_parts

    def part_html(part: Part | None) -> str:
        return render_packet_html({**context, "part": part}, templates)

    # The blocks packet.html.j2 lays out, each beginning a page, by their anchors.
    opinions = [opinion.anchor for opinion in context["opinions"]]
    anchors = ["summary", *opinions, *(["invalid"] if context["invalid"] else []), "appendix"]
    return laid_out_in_parts(part_html, anchors, template_dirs(templates))[0]


def packet_context(
    decisions: Sequence[Decision], invalid: Sequence[dict[str, Any]], meeting: Meeting, review_date: date, templates: Path | None
) -> dict[str, Any]:
    """Everything a packet shows, already formatted: the HTML template and the Word export
    lay out the same views."""
    ordered = list(decisions) if meeting.in_agenda_order else packet_order(decisions)
    office = office_settings(templates)
    opinions = [OpinionView.of(d, f"opinion-{i}", review_date, office) for i, d in enumerate(ordered, 1)]
    versions: dict[str, VersionView] = {}
    for d in ordered:
        s = d.selected
        versions.setdefault(
            s.digest,
            VersionView(
                s.version.version,
                s.version.title,
                s.ruleset.label,
                s.version.period_text(),
                s.digest,
                s.version.basis.strip(),
            ),
        )
    counts = {v: sum(d.verdict == v for d in ordered) for v in VERDICT_ORDER}
    return {
        "part": None,  # the whole packet (documents.parts lays the PDF out in parts)
        "meeting": meeting,
        "opinions": opinions,
        "invalid": [InvalidView.of(result) for result in invalid],
        "versions": sorted(versions.values(), key=lambda v: (v.version, v.type_label)),
        "counts": counts,
        "office": office,
        "totals": {
            "total_yi": yi(sum((d.application.investment.total_wan for d in ordered), Decimal(0))),
            "land_mu": fixed(sum((land_mu(d.application) for d in ordered), Fraction(0)), 2),
        },
    }


# --- characters no font can draw -------------------------------------------------------------

# The application's free texts a font may fail to draw, each with its name for the message.
_TEXT_FIELDS = tuple((path, field_name(path)) for path in ("id", "name", "applicant.name", "applicant.credit_code", "industry.chain"))


def _field_text(decision: Decision, path: str) -> str:
    value: Any = decision.application
    for part in path.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, str) else ""


def _probe_html(texts: Sequence[str], templates: Path | None) -> str:
    """The texts in the body face and the bold heading face, with the templates' style sheet."""
    css = render_template(templates, "style.css", {})
    body = "".join(f"<p>{escape(t)}</p><h3>{escape(t)}</h3>" for t in texts)
    return f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


def _missing(texts: Sequence[str], templates: Path | None) -> set[str]:
    shown = sorted({t for t in texts if any(ord(c) > 0x7E for c in t)})
    return missing_characters(_probe_html(shown, templates), template_dirs(templates)) if shown else set()


def _undrawable_problems(decision: Decision, missing: set[str]) -> list[dict[str, str]]:
    problems = []
    for path, label in _TEXT_FIELDS:
        bad = "".join(dict.fromkeys(c for c in _field_text(decision, path) if c in missing))
        if bad:
            problems.append({"path": path, "message": f"{label}含有已安装字体无法显示的字符 {character_names(bad)}，请改用常规汉字或删去"})
    return problems


def _shown_plainly(text: str, missing: set[str]) -> str:
    return "".join(f"U+{ord(c):04X}" if c in missing else c for c in text)


def set_aside_undrawable(
    decisions: Sequence[Decision], invalid: Sequence[dict[str, Any]], templates: Path | None
) -> tuple[list[Decision], list[dict[str, Any]]]:
    """Before a packet is laid out: applications whose text no font draws join the invalid list,
    named with the character; the invalid list's own texts show such characters as ``U+XXXX``."""

    def texts_of(result: dict[str, Any]) -> list[str]:
        about = result.get("application", {})
        return [result["source"], *about.values(), *(p["message"] for p in result["error"]["problems"])]

    texts = [_field_text(d, path) for d in decisions for path, _ in _TEXT_FIELDS]
    texts += [text for result in invalid for text in texts_of(result)]
    missing = _missing(texts, templates)
    if not missing:
        return list(decisions), list(invalid)
    kept: list[Decision] = []
    refused: list[dict[str, Any]] = []
    for decision in decisions:
        problems = _undrawable_problems(decision, missing)
        if problems:
            refused.append(
                error_result(
                    decision.prepared.source,
                    "invalid_input",
                    [Problem(p["path"], p["message"]) for p in problems],
                    about_decision(decision),
                )
            )
        else:
            kept.append(decision)

    def cleaned(result: dict[str, Any]) -> dict[str, Any]:
        about = {key: _shown_plainly(value, missing) for key, value in result.get("application", {}).items()}
        problems = [{**p, "message": _shown_plainly(p["message"], missing)} for p in result["error"]["problems"]]
        return {
            **result,
            "source": _shown_plainly(result["source"], missing),
            "application": about,
            "error": {**result["error"], "problems": problems},
        }

    return kept, [cleaned(result) for result in [*invalid, *refused]]


def refuse_undrawable(decision: Decision, templates: Path | None) -> None:
    """Before an opinion is laid out: a clear error naming the application and the characters."""
    problems = _undrawable_problems(decision, _missing([_field_text(decision, p) for p, _ in _TEXT_FIELDS], templates))
    if problems:
        details = "；".join(p["message"] for p in problems)
        raise RenderError(f"案件 {decision.application.id} 无法生成 PDF：{details}")
