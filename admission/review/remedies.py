"""What-if for a reviewer (达标所需): the smallest change of one input that meets a failed rule.

For a per-亩 or ratio indicator ``round_half_up(numerator / land, p)`` compared with ``T``, the
remedy makes the *exact* quotient meet ``T*`` (``T`` on the rounding grid), so it never leans
on the half-up rounding margin: 25 万元/亩 on 600 亩 asks for 15000.00 万元, not the 14997.00
that rounding would let pass (a reviewer reads that as an error, and a company would commit to
it). Solving ``quotient >= T*`` for one input, with the other inputs as they are, gives the
bound; the remedy is that bound taken to 0.01 of the input's unit, on the side that meets the
rule. Everything is exact (Fractions), like the verdict itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from admission.contract.fields import SHARE_PATHS, field_name
from admission.numbers import grouped, json_number, percent, plain
from admission.review.validation import plausibility_problems
from admission.rules.indicators import INDICATORS, MU_PER_M2, land_mu

if TYPE_CHECKING:
    from admission.review.decision import Decision, Finding

GRANULARITY = Fraction(1, 100)  # remedies are given to 0.01 万元 / m² / 亩

# indicator -> (input path, the input's unit, factor turning the input into the numerator)
NUMERATORS: dict[str, tuple[str, str, Fraction]] = {
    "plot_ratio": ("floor_area_m2", "平方米", MU_PER_M2),
    "investment_intensity": ("investment.fixed_assets_wan", "万元", Fraction(1)),
    "tax_per_mu": ("commitments.annual_tax_wan", "万元", Fraction(1)),
    "output_per_mu": ("commitments.annual_output_wan", "万元", Fraction(1)),
    "building_coverage": ("footprint_m2", "平方米", MU_PER_M2),
}
# as-given indicators: the input itself is compared
DIRECT: dict[str, str] = {
    "total_investment": "investment.total_wan",
    "rd_intensity": "commitments.rd_ratio",
    "self_held_ratio": "real_estate.self_held_ratio",
    "supporting_floor_ratio": "real_estate.supporting_floor_ratio",
}
SHARES = SHARE_PATHS


@dataclass(frozen=True)
class Remedy:
    rule: str
    field: str
    current: Decimal
    required: Decimal
    unit: str
    note: str = ""

    @property
    def change(self) -> str:
        return "raise" if self.required > self.current else "lower"

    def text(self) -> str:
        verb = "提高到不低于" if self.change == "raise" else "调减到不高于"
        unit = f" {self.unit}" if self.unit else ""
        # Amounts and areas as documents print them (8,000.00 万元); shares as percentages.
        shown = percent if self.field in SHARES else (plain if self.unit == "亩" else grouped)
        line = f"{field_name(self.field)}由 {shown(self.current)}{unit}{verb} {shown(self.required)}{unit}"
        return line + (f"（{self.note}）" if self.note else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "field": self.field,
            "change": self.change,
            "current": json_number(self.current),
            "required": json_number(self.required),
            "unit": self.unit,
            "note": self.note,
        }


def _to_grid(value: Fraction, up: bool) -> Decimal:
    steps = math.ceil(value / GRANULARITY) if up else math.floor(value / GRANULARITY)
    return Decimal(steps).scaleb(-2)


def _plausible_with_land(decision: Decision, key: str, area: Decimal) -> bool:
    """A land remedy is offered only if the changed application would still be plausible."""
    land = Fraction(area) * (MU_PER_M2 if key == "area_m2" else 1)
    return not plausibility_problems(decision.application, decision.selected.version.plausibility, land)


def _meets_bounds(finding: Finding, places: int) -> tuple[Fraction, bool]:
    """The exact quotient bound that meets the rule without rounding's help, and whether the
    quotient must be at least it (``>=``) or at most it (``<=``)."""
    step = Fraction(1, 10**places)
    threshold = Fraction(finding.threshold or 0)
    if finding.rule.operator == ">=":
        return math.ceil(threshold / step) * step, True
    return math.floor(threshold / step) * step, False


def _outside_scope(decision: Decision) -> list[Finding]:
    """Failed mandatory category rules (行业代码门类): a 批发 firm typed 工业项目 is outside the rule
    set altogether, and no change of its figures can make it admissible."""
    return [f for f in decision.findings if f.failed and f.mandatory and f.rule.operator == "in"]


def scope_line(decision: Decision) -> str | None:
    """What to tell a project outside the rule set's scope, instead of figures to change."""
    outside = _outside_scope(decision)
    if not outside:
        return None
    finding = outside[0]
    rule = finding.rule
    return (f"该项目行业代码门类为 {finding.actual}，不属于{decision.selected.ruleset.label}准入范围（须为 "
            f"{'、'.join(rule.values or [])} 门类，即{rule.label}），"
            "调整投资、税收等指标不能使其符合准入条件；如项目类型填报有误，请按实际类型重新申报。")  # fmt: skip


def remedy_lines(decision: Decision) -> list[str]:
    """One line per failed rule: its single-input remedies, joined with 或 (none for a project
    outside the rule set's scope: see ``scope_line``)."""
    labels = {f.rule.id: f.rule.label for f in decision.findings}
    rules = dict.fromkeys(r.rule for r in decision.remedies)
    return [f"{labels[rule]}：" + "；或".join(r.text() for r in decision.remedies if r.rule == rule) for rule in rules]


def remedies_for(decision: Decision) -> list[Remedy]:
    found: list[Remedy] = []
    if _outside_scope(decision):
        return found
    for finding in decision.findings:
        if finding.failed:
            found.extend(_remedies(decision, finding))
    return found


def _input(decision: Decision, path: str) -> Decimal | None:
    value: Any = decision.application
    for part in path.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, Decimal) else None


def _remedies(decision: Decision, finding: Finding) -> list[Remedy]:
    rule = finding.rule
    if rule.indicator in DIRECT:
        path = DIRECT[rule.indicator]
        current = _input(decision, path)
        if current is None or finding.threshold is None:
            return []
        return [Remedy(rule.id, path, current, finding.threshold, INDICATORS[rule.indicator].unit)]
    if rule.indicator not in NUMERATORS:
        return []  # categorical rules (制造业) have no numeric remedy
    path, unit, factor = NUMERATORS[rule.indicator]
    current = _input(decision, path)
    places = INDICATORS[rule.indicator].places
    if current is None or places is None:
        return []
    bound, at_least = _meets_bounds(finding, places)
    land = land_mu(decision.application)
    app = decision.application
    remedies: list[Remedy] = []

    # 1. The numerator input: at least bound × land / factor (at most, for "<=").
    limit = bound * land / factor
    required = _to_grid(limit, up=at_least)
    note = ""
    if path == "investment.fixed_assets_wan" and required > app.investment.total_wan:
        note = "计划总投资须同时不低于该值"
    if required >= 0:
        remedies.append(Remedy(rule.id, path, current, required, unit, note))

    # 2. The land area, in the unit the application used: at most numerator / bound (at least, for "<=").
    if bound > 0:
        land_limit = Fraction(current) * factor / bound
        by_m2 = app.land.area_m2 is not None
        if by_m2:
            land_limit /= MU_PER_M2
        land_current = app.land.area_m2 if by_m2 else app.land.area_mu
        assert land_current is not None
        land_required = _to_grid(land_limit, up=not at_least)
        land_m2 = Fraction(land_required) if by_m2 else Fraction(land_required) / MU_PER_M2
        footprint_fits = app.footprint_m2 is None or app.footprint_m2 <= land_m2
        if land_required > 0 and footprint_fits and _plausible_with_land(decision, "area_m2" if by_m2 else "area_mu", land_required):
            remedies.append(
                Remedy(rule.id, "land.area_m2" if by_m2 else "land.area_mu", land_current, land_required, "平方米" if by_m2 else "亩")
            )
    return remedies
