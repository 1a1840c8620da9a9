"""From an application to a decision: contract checks that need the rule book, then the engine.

``prepare`` finds every problem a file has (shape, cross-field, rule book) and refuses to go on
if there is one; ``decide`` asks the engine and turns its outcomes into the verdict of
``rulebook.md``; ``Decision.to_json`` is the ``--json`` object of ``decision.md``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from .application import ROOT, Application, RawApplication, validate_shape
from .dates import parse_iso_date
from .engine import FAIL, FAIL_BEYOND, FAIL_WITHIN, MISSING, RuleEngine, shared_engine
from .errors import EngineError, InvalidInput, Problem
from .exact import json_number, number_problem, plain, round_half_up
from .indicators import INDICATORS, MU_PER_M2, compute_indicators, display_value, land_mu, percent_text
from .rulebook import Bounds, Plausibility, Rule, Rulebook, SelectedRuleSet, Tier

if TYPE_CHECKING:
    from .remedies import Remedy

Verdict = Literal["approve", "conditional", "reject"]
VERDICT_LABELS: dict[str, str] = {"approve": "建议准入", "conditional": "提请联席会议一事一议", "reject": "不予准入"}
VERDICT_EXIT_CODES: dict[str, int] = {"approve": 0, "reject": 1, "conditional": 3}
REAL_ESTATE_TYPE = "industrial_real_estate"


@dataclass(frozen=True)
class PreparedApplication:
    """An application that passed every check, with the rule set and tier it is judged by."""

    source: str
    application: Application
    selected: SelectedRuleSet
    tier: Tier
    key_chain: bool


_ABSENT = object()


def _raw_at(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def _number_at(data: dict[str, Any], path: str) -> Decimal | None:
    value = _raw_at(data, path)
    return value if isinstance(value, Decimal) and number_problem(value) is None else None


def _text_at(data: dict[str, Any], path: str) -> str | None:
    value = _raw_at(data, path)
    return value if isinstance(value, str) else None


def _selection_date(data: dict[str, Any], as_of: date) -> date | None:
    submitted = _raw_at(data, "submitted_on")
    if submitted is _ABSENT or submitted is None:
        return as_of
    return parse_iso_date(submitted) if isinstance(submitted, str) else None  # else: a shape problem


def _cross_field_problems(data: dict[str, Any], rulebook: Rulebook, as_of: date, reported: list[Problem]) -> list[Problem]:
    """Checks that span fields or need the rule book; each runs on whatever fields are valid.

    ``reported`` are the problems found so far: a field already reported is not reported again.
    """
    problems: list[Problem] = []
    land = _raw_at(data, "land")
    if isinstance(land, dict):
        given = [k for k in ("area_mu", "area_m2") if land.get(k) is not None]
        if len(given) == 2:
            problems.append(Problem("land", "land.area_mu 与 land.area_m2 只能填写其一"))
        elif not given:
            problems.append(Problem("land", "须填写 land.area_mu（亩）或 land.area_m2（平方米）之一"))

    total, fixed = _number_at(data, "investment.total_wan"), _number_at(data, "investment.fixed_assets_wan")
    if total is not None and fixed is not None and fixed > total:
        problems.append(Problem("investment.fixed_assets_wan", f"固定资产投资 {plain(fixed)} 万元超过计划总投资 {plain(total)} 万元"))

    footprint = _number_at(data, "footprint_m2")
    # Only areas valid on their own: a negative area is already reported, not compared with.
    area_mu, area_m2 = (_number_at(data, p) for p in ("land.area_mu", "land.area_m2"))
    area_mu, area_m2 = (a if a is not None and a > 0 else None for a in (area_mu, area_m2))
    land_m2 = Fraction(area_m2) if area_m2 is not None else (Fraction(area_mu) / MU_PER_M2 if area_mu is not None else None)
    if footprint is not None and land_m2 is not None and (area_mu is None) != (area_m2 is None) and footprint > land_m2:
        problems.append(Problem("footprint_m2", f"建筑基底面积 {plain(footprint)} 平方米超过用地面积 {float(land_m2):.2f} 平方米"))

    project_type = _text_at(data, "type")
    if project_type is not None and project_type not in rulebook.types:
        problems.append(Problem("type", f"未知的项目类型 {project_type!r}；应为以下之一：{'、'.join(rulebook.types)}"))
        project_type = None
    if project_type is not None:
        real_estate = _raw_at(data, "real_estate")
        present = real_estate is not _ABSENT and real_estate is not None
        if project_type == REAL_ESTATE_TYPE and not present:
            problems.append(Problem("real_estate", "工业地产项目须填写 real_estate（自持比例、配套用房比例）"))
        elif project_type != REAL_ESTATE_TYPE and present:
            problems.append(Problem("real_estate", f"只有工业地产项目填写 real_estate；本项目类型为 {project_type}"))

    district = _text_at(data, "district")
    if district is not None and district not in rulebook.districts:
        names = [*rulebook.districts, *rulebook.district_aliases]
        close = difflib.get_close_matches(district, names, n=1, cutoff=0.5)
        hint = f"是否应为“{rulebook.district_aliases.get(close[0], close[0])}”？" if close else ""
        problems.append(Problem("district", f"未知的区域“{district}”；{hint}应为以下之一：{'、'.join(rulebook.districts)}"))
        district = None

    on = _selection_date(data, as_of)
    selected = rulebook.select(project_type, on) if project_type is not None and on is not None else None
    if project_type is not None and on is not None and selected is None:
        basis = "受理日期 submitted_on" if _raw_at(data, "submitted_on") not in (_ABSENT, None) else "审查日期"
        path = "submitted_on" if basis.startswith("受理") else "type"
        problems.append(Problem(path, f"{basis} {on.isoformat()} 没有适用于 {project_type} 的规则版本"))

    chain = _text_at(data, "industry.chain")
    if chain is not None:
        review = selected.version.special_review if selected else None
        chains = review.key_chains if review else rulebook.key_chains
        if chain not in chains:
            problems.append(Problem("industry.chain", f"{chain!r} 不是规则库中的重点产业链；可选：{'、'.join(chains)}"))

    if selected is not None:
        if district is not None and selected.version.tier_of(district) is None:
            problems.append(Problem("district", f"规则版本 {selected.version.version} 未给 {district} 划定区域分类"))
        for rule in selected.ruleset.rules:
            if rule.severity != "mandatory":
                continue
            for path in INDICATORS[rule.indicator].inputs:
                if path.startswith("land."):
                    continue  # land is checked above as "one of two"
                already = any(path == p.path or path.startswith(p.path + ".") for p in [*reported, *problems])
                if not already and _raw_at(data, path) in (_ABSENT, None):
                    problems.append(Problem(path, f"规则 {selected.version.version} / {rule.id}（{rule.label}）为必备指标，须填写此字段"))
    return problems


def prepare(raw: RawApplication, rulebook: Rulebook, as_of: date) -> PreparedApplication:
    """Validate one parsed application completely; raise InvalidInput listing every problem."""
    data = _as_a_clerk_meant(raw, rulebook)
    application, problems = validate_shape(data)
    problems = [*raw.problems, *problems]
    problems += _cross_field_problems(data, rulebook, as_of, problems)
    if raw.columns is not None:
        problems = [_percent_hint(p, data) for p in problems]
    if problems or application is None:
        raise InvalidInput(problems or [Problem(ROOT, "申请材料无效")], raw.source)
    on = application.submitted_date or as_of
    selected = rulebook.select(application.type, on)
    assert selected is not None  # checked above
    implausible = plausibility_problems(application, selected.version.plausibility)
    if implausible:
        raise InvalidInput(implausible, raw.source)
    tier = selected.version.tier_of(application.district)
    assert tier is not None
    review = selected.version.special_review
    key_chain = bool(review and application.industry.chain in review.key_chains)
    return PreparedApplication(raw.source, application, selected, tier, key_chain)


def _as_a_clerk_meant(raw: RawApplication, rulebook: Rulebook) -> dict[str, Any]:
    """A workbook row's district written another way (高新区) as the rule book names it.

    Only for workbook rows: the application contract keeps JSON strict.
    """
    district = raw.data.get("district")
    if raw.columns is None or not isinstance(district, str) or district not in rulebook.district_aliases:
        return raw.data
    return {**raw.data, "district": rulebook.district_aliases[district]}


_RATIO_FIELDS = ("commitments.rd_ratio", "real_estate.self_held_ratio", "real_estate.supporting_floor_ratio")


def _percent_hint(problem: Problem, data: dict[str, Any]) -> Problem:
    """A ratio cell holding 30 was almost surely meant as 30%: say so."""
    if problem.path not in _RATIO_FIELDS:
        return problem
    value = _raw_at(data, problem.path)
    if isinstance(value, Decimal) and 1 < value <= 100:
        return Problem(problem.path, f"{problem.message}；是否应为 {plain(value)}%（即 {plain(value / 100)}）？")
    return problem


# --- plausibility (疑似填报错误) ---------------------------------------------------------------


def _two(value: Fraction) -> str:
    return f"{round_half_up(value, 2):f}"


def plausibility_problems(application: Application, bounds: Plausibility, land: Fraction | None = None) -> list[Problem]:
    """Figures that cannot describe a real project: the verdict would rest on a typing slip.

    Checked on the unrounded indicators (``land`` in 亩 replaces the application's, for a
    remedy that changes it). Land comes first: when the area itself is implausible, every
    per-亩 figure is too, and one message about the area is the one that helps. Where a unit
    slip explains the figure, the message gives the value that was probably meant.
    """
    land = land if land is not None else land_mu(application)
    if not bounds.land_mu.contains(land):
        return [_implausible_land(application, land, bounds.land_mu)]
    problems: list[Problem] = []
    for name, path, field_label, figure, per_m2 in (
        ("plot_ratio", "floor_area_m2", "计容建筑面积", application.floor_area_m2, True),
        ("investment_intensity", "investment.fixed_assets_wan", "固定资产投资", application.investment.fixed_assets_wan, False),
        ("tax_per_mu", "commitments.annual_tax_wan", "达产年税收", application.commitments.annual_tax_wan, False),
    ):
        # value = figure (× 0.0015 for m²) / land, as one integer ratio: this runs for every application.
        figure_n, figure_d = figure.as_integer_ratio()
        if per_m2:
            figure_n, figure_d = figure_n * MU_PER_M2.numerator, figure_d * MU_PER_M2.denominator
        range_: Bounds = getattr(bounds, name)
        if range_.contains_ratio(figure_n * land.denominator, figure_d * land.numerator):
            continue
        value = Fraction(figure) * (MU_PER_M2 if per_m2 else 1) / land
        problems.append(Problem(path, _implausible_message(name, field_label, figure, value, range_)))
    return problems


def _implausible_land(application: Application, land: Fraction, range_: Bounds) -> Problem:
    in_mu = application.land.area_mu is not None
    written = application.land.area_mu if in_mu else application.land.area_m2
    assert written is not None  # validation: exactly one of the two
    message = f"用地面积 {_two(land)} 亩超出合理范围（{range_.text('亩')}）"
    if in_mu and land > range_.upper() and range_.contains(land * MU_PER_M2):
        message = f"用地面积 {plain(written)} 亩 疑似按平方米填写（折合 {_two(land * MU_PER_M2)} 亩）"
    elif not in_mu and land < range_.lower() and range_.contains(land / MU_PER_M2):
        message = f"用地面积 {plain(written)} 平方米（{_two(land)} 亩）疑似按亩填写（若为亩，应填入 land.area_mu）"
    return Problem("land.area_mu" if in_mu else "land.area_m2", message)


def _implausible_message(name: str, field_label: str, figure: Decimal, value: Fraction, range_: Bounds) -> str:
    indicator = INDICATORS[name]
    shown_unit = f" {indicator.unit}" if indicator.unit else ""
    actual = f"{indicator.label} {_two(value)}{shown_unit}"
    if indicator.unit.startswith("万元"):
        for factor, said in ((Fraction(1, 10000), "元"), (Fraction(10000), "亿元")):
            if range_.contains(value * factor):
                meant = _two(Fraction(figure) * factor)
                return f"{field_label} {plain(figure)} 万元 疑似按{said}填写（折合 {meant} 万元），{actual}"
    return f"{actual} 超出合理范围（{range_.text(indicator.unit)}），请核对{field_label}与用地面积"


# --- decisions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    rule: Rule
    outcome: str  # one of engine.OUTCOMES
    actual: Decimal | str | None
    threshold: Decimal | None
    has_clause: bool
    failed: bool = field(init=False)
    mandatory: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "failed", self.outcome in (FAIL, FAIL_WITHIN, FAIL_BEYOND))
        object.__setattr__(self, "mandatory", self.rule.severity == "mandatory")

    @property
    def contract_outcome(self) -> str:
        return "fail" if self.failed else self.outcome

    @property
    def within_tolerance(self) -> bool | None:
        if self.failed and self.mandatory and self.has_clause:
            return self.outcome == FAIL_WITHIN
        return None

    def to_json(self) -> dict[str, Any]:
        indicator = INDICATORS[self.rule.indicator]
        threshold: Any = list(self.rule.values or []) if self.rule.operator == "in" else json_number(self.threshold or Decimal(0))
        actual: Any
        if self.actual is None or isinstance(self.actual, str):
            actual = self.actual
        else:
            actual = float(self.actual) if indicator.places is not None else json_number(self.actual)
        return {
            "rule": self.rule.id,
            "label": self.rule.label,
            "operator": self.rule.operator,
            "threshold": threshold,
            "actual": actual,
            "unit": self.rule.unit,
            "severity": self.rule.severity,
            "outcome": self.contract_outcome,
            "within_tolerance": self.within_tolerance,
            "source": self.rule.source,
        }


@dataclass(frozen=True)
class Decision:
    prepared: PreparedApplication
    indicators: dict[str, Decimal | str]
    findings: tuple[Finding, ...]
    major_project: bool
    verdict: Verdict

    @cached_property
    def reasons(self) -> tuple[str, ...]:
        """The verdict in words, drawn from the findings (made when first shown)."""
        return tuple(_reasons(self.prepared, self.findings, self.major_project, self.verdict))

    @cached_property
    def conclusion(self) -> str:
        return conclusion_text(self.prepared, self.findings, self.verdict)

    @cached_property
    def concerns(self) -> tuple[str, ...]:
        """关注事项: advisory shortfalls, which never change the verdict."""
        tier = self.prepared.tier
        return tuple(f"{shortfall_text(f, tier)}（参考指标，不影响结论）。" for f in self.findings if not f.mandatory and f.failed)

    @cached_property
    def remedies(self) -> list[Remedy]:
        """For each failed rule, the smallest single-input changes that would meet it (达标所需)."""
        from .remedies import remedies_for  # remedies builds on Decision: imported late

        return remedies_for(self)

    @property
    def application(self) -> Application:
        return self.prepared.application

    @property
    def selected(self) -> SelectedRuleSet:
        return self.prepared.selected

    @property
    def exit_code(self) -> int:
        return VERDICT_EXIT_CODES[self.verdict]

    def indicators_json(self) -> dict[str, int | float]:
        shown: dict[str, int | float] = {}
        for name, value in self.indicators.items():
            if isinstance(value, str):
                continue  # categorical values are reported by their rule, not as indicators
            spec = INDICATORS[name]
            value = display_value(name, value)
            shown[name] = float(value) if spec.display_places is not None else json_number(value)
        return shown

    def to_json(self) -> dict[str, Any]:
        app = self.application
        return {
            "application": {"id": app.id, "name": app.name, "type": app.type, "district": app.district},
            "verdict": self.verdict,
            "rulebook": {
                "version": self.selected.version.version,
                "type": self.selected.type,
                "effective_from": self.selected.version.effective_from.isoformat(),
                "digest": self.selected.digest,
            },
            "tier": self.prepared.tier.level,
            "major_project": self.major_project,
            "indicators": self.indicators_json(),
            "findings": [f.to_json() for f in self.findings],
            # decision.md has one list: the concerns follow the verdict's reasons, marked as such.
            "reasons": [*self.reasons, *(f"关注事项：{c}" for c in self.concerns)],
            "remedies": [r.to_json() for r in self.remedies],
        }


def decide(prepared: PreparedApplication, engine: RuleEngine | None = None) -> Decision:
    """Evaluate a prepared application through the rule engine and make the verdict."""
    engine = engine or shared_engine()
    selected = prepared.selected
    indicators = compute_indicators(prepared.application)
    result = engine.evaluate(selected, indicators, prepared.tier.level, prepared.key_chain)
    has_clause = selected.version.special_review is not None
    findings = tuple(
        Finding(
            rule,
            result.outcomes[rule.id],
            indicators.get(rule.indicator),
            rule.threshold(prepared.tier.level) if rule.operator != "in" else None,
            has_clause,
        )
        for rule in selected.ruleset.rules
    )
    if any(f.mandatory and f.outcome == MISSING for f in findings):
        raise EngineError("必备指标缺少数据，却未在输入检查中发现")  # prepare() rules this out
    verdict = _verdict(findings, result.major_project, has_clause)
    return Decision(prepared, indicators, findings, result.major_project, verdict)


def _verdict(findings: tuple[Finding, ...], major: bool, has_clause: bool) -> Verdict:
    """rulebook.md, "Verdict": the three steps, in order."""
    failed = [f for f in findings if f.mandatory and f.failed]
    if not failed:
        return "approve"
    if has_clause and major and all(f.outcome == FAIL_WITHIN for f in failed):
        return "conditional"
    return "reject"


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
        return percent_text(value)
    return plain(display_value(indicator, value))


def with_unit(rule: Rule, value: Decimal | str | None) -> str:
    text = format_value(rule.indicator, value)
    return f"{text} {rule.unit}" if rule.unit and value is not None and rule.operator != "in" else text


def requirement_text(rule: Rule, threshold: Decimal | None) -> str:
    if rule.operator == "in":
        return f"属于 {'、'.join(rule.values or [])} 门类"
    word = "不低于" if rule.operator == ">=" else "不高于"
    return f"{word} {with_unit(rule, threshold or Decimal(0))}"


def shortfall_text(finding: Finding, tier: Tier) -> str:
    """One failed rule in the office's words: 低于 … 的要求, or 超过 … 的上限 for a ``<=`` rule."""
    rule = finding.rule
    if rule.operator == "in":
        return f"{rule.label}：行业代码门类 {format_value(rule.indicator, finding.actual)} 不属于 {'、'.join(rule.values or [])}"
    actual, threshold = with_unit(rule, finding.actual), with_unit(rule, finding.threshold or Decimal(0))
    standard = "" if finding.mandatory else "参考"
    if rule.operator == ">=":
        return f"{rule.label}为 {actual}，低于{tier.label} {threshold} 的{standard}要求"
    return f"{rule.label}为 {actual}，超过{tier.label} {threshold} 的{standard}上限"


def _short(finding: Finding) -> str:
    """A failed rule in a few words, for the conclusion sentence."""
    if finding.rule.operator == "in":
        return f"不属于{'、'.join(finding.rule.values or [])}门类"
    return finding.rule.label + ("未达到要求" if finding.rule.operator == ">=" else "超过上限")


def conclusion_text(prepared: PreparedApplication, findings: tuple[Finding, ...], verdict: Verdict) -> str:
    """The opinion's conclusion as the office states it: 经审查，该项目……，建议准入。"""
    selected = prepared.selected
    standard = f"《{selected.version.title}》{selected.ruleset.label}{prepared.tier.label}准入标准"
    failed = [f for f in findings if f.mandatory and f.failed]
    if verdict == "approve":
        return f"经审查，该项目各项必备指标均符合{standard}，建议准入。"
    shortfalls = "，".join(_short(f) for f in failed)
    if verdict == "conditional":
        review = selected.version.special_review
        share = _percent(review.tolerance) if review else ""
        return (
            f"经审查，该项目{shortfalls}，不完全符合{standard}；鉴于该项目属重大项目，且未达标指标与标准的差距均在 {share} 以内，"
            "建议提请联席会议一事一议。"
        )
    return f"经审查，该项目{shortfalls}，不符合{standard}，建议不予准入。"


def _reasons(prepared: PreparedApplication, findings: tuple[Finding, ...], major: bool, verdict: Verdict) -> list[str]:
    review = prepared.selected.version.special_review
    failed = [f for f in findings if f.mandatory and f.failed]
    reasons: list[str] = []
    if verdict == "approve":
        reasons.append(f"全部 {sum(f.mandatory for f in findings)} 项必备指标均达标。")
    for finding in failed:
        text = shortfall_text(finding, prepared.tier)
        share = _percent(review.tolerance if review else Decimal(0))
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
                f"该项目不属重大项目（计划总投资低于 {_yi(review.major_total_investment)} 亿元，且不属于计划总投资"
                f"不低于 {_yi(review.major_chain_total_investment)} 亿元的重点产业链项目），不适用一事一议。"
            )
        elif verdict == "conditional":
            share = _percent(review.tolerance)
            reasons.append(f"该项目属重大项目，未达标的必备指标与标准的差距均在 {share} 以内，可提请联席会议一事一议。")
        else:
            reasons.append(f"该项目虽属重大项目，但有必备指标与标准的差距超过 {_percent(review.tolerance)}，不适用一事一议。")
    return reasons


def _percent(fraction: Decimal) -> str:
    return f"{plain((fraction * 100).normalize())}%"


def _yi(wan: Decimal) -> str:
    return plain((wan / 10000).normalize())
