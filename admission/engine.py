"""Evaluation through durable_rules, behind the fence the engineering notes call for.

The rule data of one (version, type) is compiled into one durable_rules ruleset, named by its
digest (a registered ruleset cannot be replaced, so a changed rule book gets a new name). One
application becomes one fact; every rule outcome is written by an engine action into the session
state, and the verdict is made from those outcomes alone.

The fence, and why:
- no timer threads (``_TimerlessHost``): they run actions concurrently with ours and made
  ``assert_fact`` return ``None`` about twice in 100k calls;
- ``assert_fact`` (not ``post``: an event is consumed by the first rule that matches), then
  ``retract_fact`` and ``delete_state`` in ``finally``, so sessions never pile up (1024 at most)
  and memory stays flat;
- a catch-all rule, so no fact is ever unhandled (unhandled + ``delete_state`` can segfault);
- result keys (``res__…``) disjoint from fact fields, so no action re-fires a rule;
- only integers and short validated strings in facts: numbers are fixed-point integers (int64
  compares exactly; the C parser rejects exponent floats and mis-compares mixed types);
- one lock around the engine: it has no locks of its own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from durable import engine as durable_engine

from .errors import EngineError
from .exact import scaled_ceil, scaled_floor
from .indicators import INDICATORS
from .rulebook import Rule, SelectedRuleSet

PASS = "pass"
FAIL = "fail"
FAIL_WITHIN = "fail_within"
FAIL_BEYOND = "fail_beyond"
MISSING = "missing"
OUTCOMES = (PASS, FAIL, FAIL_WITHIN, FAIL_BEYOND, MISSING)

_RESULT_PREFIX = "res__"
_MAJOR_KEY = "major__project"
_HANDLED_KEY = "handled__fact"
_SESSION_ID = "admit"
_FACT_ID = "application"


class _TimerlessHost(durable_engine.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """Start no dispatch or timer threads: we never use timers, and they race our actions."""


@dataclass(frozen=True)
class EngineResult:
    outcomes: dict[str, str]
    major_project: bool


def _setter(key: str, value: Any) -> Callable[[Any], None]:
    def action(closure: Any) -> None:
        closure.s[key] = value

    return action


def _known(indicator: str, known: int) -> dict[str, Any]:
    return {f"{indicator}__known": known}


def compile_ruleset(selected: SelectedRuleSet) -> dict[str, Any]:
    """The durable_rules definition of one rule set: every rule, tier and outcome as a rule."""
    review = selected.version.special_review
    definition: dict[str, Any] = {}

    def add(name: str, condition: dict[str, Any], key: str, value: Any) -> None:
        definition[name] = {"all": [{"m": condition}], "run": _setter(key, value)}

    for rule in selected.ruleset.rules:
        result_key = _RESULT_PREFIX + rule.id
        has_tolerance = review is not None and rule.severity == "mandatory"
        fail_outcome = FAIL_BEYOND if has_tolerance else FAIL
        add(f"{rule.id}__missing", _known(rule.indicator, 0), result_key, MISSING)
        if rule.operator == "in":
            assert rule.values is not None
            field = rule.indicator
            add(f"{rule.id}__pass", {"$and": [_known(field, 1), {"$or": [{field: v} for v in rule.values]}]}, result_key, PASS)
            add(f"{rule.id}__fail", {"$and": [_known(field, 1), *({"$neq": {field: v}} for v in rule.values)]}, result_key, fail_outcome)
            continue
        for tier in selected.version.tiers:
            _compile_threshold(add, rule, tier.level, result_key, review.tolerance if has_tolerance and review else None)

    if review is not None:
        total = "total_investment__lo"
        major = scaled_floor(review.major_total_investment)
        chain_major = scaled_floor(review.major_chain_total_investment)
        add("major__by_investment", {"$gte": {total: major}}, _MAJOR_KEY, 1)
        add("major__by_chain", {"$and": [{"key_chain": 1}, {"$gte": {total: chain_major}}]}, _MAJOR_KEY, 1)
        add("major__not", {"$and": [{"$lt": {total: major}}, {"$or": [{"key_chain": 0}, {"$lt": {total: chain_major}}]}]}, _MAJOR_KEY, 0)
    add("catch_all", {"admit__fact": 1}, _HANDLED_KEY, 1)
    return definition


def _compile_threshold(
    add: Callable[[str, dict[str, Any], str, Any], None],
    rule: Rule,
    tier: int,
    result_key: str,
    tolerance: Decimal | None,
) -> None:
    threshold = rule.threshold(tier)
    known = _known(rule.indicator, 1)
    on_tier = {"tier": tier}
    name = f"{rule.id}__t{tier}"
    if rule.operator == ">=":
        # Floored values keep ">= T" exact for values finer than the fixed-point grid.
        field, meets, misses = f"{rule.indicator}__lo", "$gte", "$lt"
        bound = threshold * (1 - tolerance) if tolerance is not None else None
    else:
        # Ceiled values keep "<= T" exact likewise.
        field, meets, misses = f"{rule.indicator}__hi", "$lte", "$gt"
        bound = threshold * (1 + tolerance) if tolerance is not None else None
    limit = scaled_floor(threshold)
    add(f"{name}__pass", {"$and": [known, on_tier, {meets: {field: limit}}]}, result_key, PASS)
    if bound is None:
        add(f"{name}__fail", {"$and": [known, on_tier, {misses: {field: limit}}]}, result_key, FAIL)
        return
    edge = scaled_floor(bound)
    add(f"{name}__within", {"$and": [known, on_tier, {misses: {field: limit}}, {meets: {field: edge}}]}, result_key, FAIL_WITHIN)
    add(f"{name}__beyond", {"$and": [known, on_tier, {misses: {field: edge}}]}, result_key, FAIL_BEYOND)


def build_fact(indicators: dict[str, Decimal | str], tier: int, key_chain: bool) -> dict[str, Any]:
    fact: dict[str, Any] = {"sid": _SESSION_ID, "id": _FACT_ID, "admit__fact": 1, "tier": tier, "key_chain": int(key_chain)}
    for name, spec in INDICATORS.items():
        value = indicators.get(name)
        fact[f"{name}__known"] = int(value is not None)
        if value is None:
            continue
        if spec.categorical:
            fact[name] = value
        else:
            assert isinstance(value, Decimal)
            fact[f"{name}__lo"] = scaled_floor(value)
            fact[f"{name}__hi"] = scaled_ceil(value)
    return fact


class RuleEngine:
    """The one durable_rules host of a process, with its lock and its compiled rule sets."""

    def __init__(self) -> None:
        self._host = _TimerlessHost()
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}

    def _ruleset_name(self, selected: SelectedRuleSet) -> str:
        name = self._names.get(selected.digest)
        if name is None:
            safe = re.sub(r"[^A-Za-z0-9_]", "_", f"{selected.version.version}_{selected.type}")
            name = f"admit_{safe}_{selected.digest.removeprefix('sha256:')[:16]}"
            self._host.set_rulesets({name: compile_ruleset(selected)})
            self._names[selected.digest] = name
        return name

    def evaluate(self, selected: SelectedRuleSet, indicators: dict[str, Decimal | str], tier: int, key_chain: bool) -> EngineResult:
        fact = build_fact(indicators, tier, key_chain)
        with self._lock:
            name = self._ruleset_name(selected)
            try:
                state = self._host.assert_fact(name, fact)
                self._host.retract_fact(name, fact)
            except durable_engine.MessageNotHandledException as error:  # the catch-all makes this a bug
                raise EngineError(f"规则引擎未处理事实：{error}") from error
            finally:
                self._host.delete_state(name, _SESSION_ID)
        return self._read_state(selected, state)

    @staticmethod
    def _read_state(selected: SelectedRuleSet, state: Any) -> EngineResult:
        if not isinstance(state, dict) or state.get(_HANDLED_KEY) != 1:
            raise EngineError(f"规则引擎返回了无效的状态：{state!r}")
        if "exception" in state:  # durable_rules swallows exceptions raised in actions
            raise EngineError(f"规则引擎动作出错：{state['exception']}")
        outcomes: dict[str, str] = {}
        for rule in selected.ruleset.rules:
            outcome = state.get(_RESULT_PREFIX + rule.id)
            if outcome not in OUTCOMES:
                raise EngineError(f"规则引擎没有给出规则 {rule.id} 的结果")
            outcomes[rule.id] = outcome
        major = state.get(_MAJOR_KEY, 0) if selected.version.special_review else 0
        if selected.version.special_review and _MAJOR_KEY not in state:
            raise EngineError("规则引擎没有给出重大项目判定")
        return EngineResult(outcomes, bool(major))


_engine: RuleEngine | None = None
_engine_lock = threading.Lock()


def shared_engine() -> RuleEngine:
    """The process-wide engine (durable_rules keeps global state; one host per process is enough)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = RuleEngine()
        return _engine
