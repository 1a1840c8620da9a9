"""The decision in words, as the office writes it (经审查，该项目……): reasons, shortfalls, the
conclusion sentence, and the four cells of every rule table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from admission.numbers import grouped, percent, plain, yi_exact
from admission.rules.engine import FAIL, FAIL_BEYOND, FAIL_WITHIN, MISSING
from admission.rules.indicators import INDICATORS, display_value
from admission.rules.rulebook import Rule, Tier

if TYPE_CHECKING:
    from admission.review.decision import Finding, Verdict
    from admission.review.validation import PreparedApplication

# --- reasons in words ----------------------------------------------------------------------


# Plain words, not jargon: "容差" is the rule book's term; a document says how far off it is.
OUTCOME_WORDS = {
    MISSING: "未提供",
    FAIL_WITHIN: "未达标（差距在允许范围内）",
    FAIL_BEYOND: "未达标（差距超出允许范围）",
    FAIL: "未达标",
}


@dataclass(frozen=True)
class FindingCells:
    """A finding as the four cells every rule table shows (指标, 要求, 实际值, 结果)."""

    label: str
    requirement: str
    actual: str
    result: str

    @classmethod
    def of(cls, finding: Finding) -> FindingCells:
        rule = finding.rule
        return cls(
            rule.label + ("（参考）" if not finding.mandatory else ""),
            requirement_text(rule, finding.threshold),
            with_unit(rule, finding.actual),
            OUTCOME_WORDS.get(finding.outcome, "达标"),
        )


def format_value(indicator: str, value: Decimal | str | None) -> str:
    """A value as people read it: shares as percentages, land to 0.01 亩, the rest as compared."""
    if value is None:
        return "未提供"
    if isinstance(value, str):
        return value
    if INDICATORS[indicator].percent:
        return percent(value)
    return plain(display_value(indicator, value))


def with_unit(rule: Rule, value: Decimal | str | None, threshold: bool = False) -> str:
    """A value with its unit. A sum in 万元 is printed as amounts are (8,000.00 万元), a rule's
    threshold as the rule book words it, thousands separated (不低于 5,000 万元)."""
    if rule.unit == "万元" and isinstance(value, Decimal):
        text = grouped(value, None if threshold else 2)
    else:
        text = format_value(rule.indicator, value)
    return f"{text} {rule.unit}" if rule.unit and value is not None and rule.operator != "in" else text


def requirement_text(rule: Rule, threshold: Decimal | None) -> str:
    if rule.operator == "in":
        return f"属于 {'、'.join(rule.values or [])} 门类"
    word = "不低于" if rule.operator == ">=" else "不高于"
    return f"{word} {with_unit(rule, threshold or Decimal(0), threshold=True)}"


def shortfall_text(finding: Finding, tier: Tier) -> str:
    """One failed rule in the office's words: 低于 … 的要求, or 超过 … 的上限 for a ``<=`` rule."""
    rule = finding.rule
    if rule.operator == "in":
        return f"{rule.label}：行业代码门类 {format_value(rule.indicator, finding.actual)} 不属于 {'、'.join(rule.values or [])}"
    actual, threshold = with_unit(rule, finding.actual), with_unit(rule, finding.threshold or Decimal(0), threshold=True)
    standard = "" if finding.mandatory else "参考"
    if rule.operator == ">=":
        return f"{rule.label}为 {actual}，低于{tier.label} {threshold}的{standard}要求"
    return f"{rule.label}为 {actual}，超过{tier.label} {threshold}的{standard}上限"


def _shortfalls(failed: list[Finding]) -> str:
    """The failed rules in a few words, for the conclusion sentence, each kind of shortfall once:
    投资强度、亩均税收未达到要求，容积率超过上限."""
    groups: dict[str, list[str]] = {}
    for finding in failed:
        if finding.rule.operator == "in":
            groups.setdefault(f"不属于{'、'.join(finding.rule.values or [])}门类", [])
        else:
            groups.setdefault("未达到要求" if finding.rule.operator == ">=" else "超过上限", []).append(finding.rule.label)
    return "，".join(("、".join(labels) + words) if labels else words for words, labels in groups.items())


def conclusion_text(prepared: PreparedApplication, findings: tuple[Finding, ...], verdict: Verdict) -> str:
    """The opinion's conclusion as the office states it: 经审查，该项目……，建议准入。"""
    selected = prepared.selected
    standard = f"《{selected.version.title}》{selected.ruleset.label}{prepared.tier.label}准入标准"
    failed = [f for f in findings if f.mandatory and f.failed]
    if verdict == "approve":
        return f"经审查，该项目各项必备指标均符合{standard}，建议准入。"
    shortfalls = _shortfalls(failed)
    if verdict == "conditional":
        review = selected.version.special_review
        share = percent(review.tolerance) if review else ""
        return (
            f"经审查，该项目{shortfalls}，不完全符合{standard}；鉴于该项目属重大项目，且未达标指标与标准的差距均在 {share} 以内，"
            "建议提请联席会议一事一议。"
        )
    return f"经审查，该项目{shortfalls}，不符合{standard}，建议不予准入。"


def reasons_text(prepared: PreparedApplication, findings: tuple[Finding, ...], major: bool, verdict: Verdict) -> list[str]:
    review = prepared.selected.version.special_review
    failed = [f for f in findings if f.mandatory and f.failed]
    reasons: list[str] = []
    if verdict == "approve":
        reasons.append(f"全部 {sum(f.mandatory for f in findings)} 项必备指标均达标。")
    for finding in failed:
        text = shortfall_text(finding, prepared.tier)
        share = percent(review.tolerance if review else Decimal(0))
        if finding.within_tolerance is True:
            text += f"，差距在标准的 {share} 以内"
        elif finding.within_tolerance is False:
            text += f"，差距超过标准的 {share}" if finding.rule.operator != "in" else "，该项不适用一事一议"
        reasons.append(text + "。")
    if failed:
        if review is None:
            reasons.append(f"{prepared.selected.version.version} 版规则未设一事一议条款，必备指标未达标的项目不予准入。")
        elif not major:
            reasons.append(
                f"该项目不属重大项目（计划总投资低于 {yi_exact(review.major_total_investment)} 亿元，且不属于计划总投资"
                f"不低于 {yi_exact(review.major_chain_total_investment)} 亿元的重点产业链项目），不适用一事一议。"
            )
        elif verdict == "conditional":
            share = percent(review.tolerance)
            reasons.append(f"该项目属重大项目，未达标的必备指标与标准的差距均在 {share} 以内，可提请联席会议一事一议。")
        else:
            reasons.append(f"该项目虽属重大项目，但有必备指标与标准的差距超过 {percent(review.tolerance)}，不适用一事一议。")
    return reasons
