"""Validation that needs the rule book: from a parsed application to one that may be decided.

``prepare`` finds every problem a file has (shape, cross-field, rule book, plausibility) and
refuses to go on if there is one; the workbook's clerk-typed forms (高新区, 30 for 30%) are read
as meant, with a hint when they are not.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from admission.contract.application import ROOT, Application, RawApplication, validate_shape
from admission.contract.fields import SHARE_PATHS, field_name
from admission.dates import parse_iso_date
from admission.errors import InvalidInput, Problem
from admission.numbers import fixed as fixed_places
from admission.numbers import number_problem, plain
from admission.rules.indicators import INDICATORS, MU_PER_M2, land_mu
from admission.rules.rulebook import Bounds, Plausibility, Rulebook, SelectedRuleSet, Tier
from admission.text import excerpt
from admission.vocabulary import project_type_code

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


def unknown_type_message(text: str, rulebook: Rulebook, in_workbook: bool) -> str:
    """A project type the rule book has no rule set for, said with what would be right: the Chinese
    names in a workbook (which the clerk types), the codes with their names in JSON."""
    labels = rulebook.type_labels
    if in_workbook:
        return f"未知的项目类型“{excerpt(text)}”；应为以下之一：{'、'.join(labels[t] for t in rulebook.types)}"
    named = project_type_code(text, labels)
    hint = f"；“{excerpt(text)}”应写作 {named}" if named is not None and named != text else ""
    return f"未知的项目类型 {text!r}；应为以下之一：{'、'.join(f'{t}（{labels[t]}）' for t in rulebook.types)}{hint}"


def _cross_field_problems(
    data: dict[str, Any], rulebook: Rulebook, as_of: date, reported: list[Problem], in_workbook: bool = False
) -> list[Problem]:
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
        problems.append(Problem("footprint_m2", f"建筑基底面积 {plain(footprint)} 平方米超过用地面积 {fixed_places(land_m2, 2)} 平方米"))

    project_type = _text_at(data, "type")
    if project_type is not None and project_type not in rulebook.types:
        problems.append(Problem("type", unknown_type_message(project_type, rulebook, in_workbook)))
        project_type = None
    if project_type is not None:
        real_estate = _raw_at(data, "real_estate")
        present = real_estate is not _ABSENT and real_estate is not None
        if project_type == REAL_ESTATE_TYPE and not present:
            problems.append(Problem("real_estate", "工业地产项目须填写 real_estate（自持比例、配套用房比例）"))
        elif project_type != REAL_ESTATE_TYPE and present:
            problems.append(Problem("real_estate", f"只有工业地产项目填写 real_estate；本项目类型为{rulebook.type_labels[project_type]}"))

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
    problems += _cross_field_problems(data, rulebook, as_of, problems, in_workbook=raw.columns is not None)
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


_RATIO_FIELDS = SHARE_PATHS


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
    return fixed_places(value, 2)


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
        ("plot_ratio", "floor_area_m2", field_name("floor_area_m2"), application.floor_area_m2, True),
        (
            "investment_intensity",
            "investment.fixed_assets_wan",
            field_name("investment.fixed_assets_wan"),
            application.investment.fixed_assets_wan,
            False,
        ),
        (
            "tax_per_mu",
            "commitments.annual_tax_wan",
            field_name("commitments.annual_tax_wan"),
            application.commitments.annual_tax_wan,
            False,
        ),
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
