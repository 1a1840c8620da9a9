"""From a prepared application to a decision: the engine's outcomes turned into the verdict of
``rulebook.md``; ``Decision.to_json`` is the ``--json`` object of ``decision.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from admission.contract.application import Application
from admission.errors import EngineError
from admission.numbers import json_number
from admission.review.remedies import Remedy, remedies_for
from admission.review.validation import PreparedApplication
from admission.review.wording import conclusion_text, reasons_text, shortfall_text
from admission.rules.engine import FAIL, FAIL_BEYOND, FAIL_WITHIN, MISSING, RuleEngine, shared_engine
from admission.rules.indicators import INDICATORS, compute_indicators, display_value
from admission.rules.rulebook import Rule, SelectedRuleSet

Verdict = Literal["approve", "conditional", "reject"]
VERDICT_EXIT_CODES: dict[str, int] = {"approve": 0, "reject": 1, "conditional": 3}


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
        return tuple(reasons_text(self.prepared, self.findings, self.major_project, self.verdict))

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
