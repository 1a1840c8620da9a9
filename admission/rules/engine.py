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
- a catch-all rule, so no fact is ever unhandled (unhandled + ``delete_state`` can segfault): the
  major-project rules where the version has 一事一议 (they partition every fact), else its own;
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

from admission.errors import EngineError
from admission.interrupts import held_signals
from admission.numbers import scaled_ceil, scaled_floor
from admission.rules.indicators import INDICATORS
from admission.rules.rulebook import Rule, SelectedRuleSet, SpecialReview

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


# durable_rules' C engine has fixed tables: a ruleset compiled from more than about 250 of our
# rules fails in ``set_rulesets`` with "error code: 108" (measured: 250 works, 260 fails, with or
# without 一事一议). Larger rule sets are split into parts of this many rules, each its own
# durable_rules ruleset with its own catch-all; the usual rule set (under 10 rules) is one part.
RULES_PER_PART = 100


def compile_ruleset(selected: SelectedRuleSet, tier: int) -> list[dict[str, Any]]:
    """The durable_rules definitions of one rule set in one tier: every rule and outcome as a rule.

    One ruleset per tier, rather than a tier condition on every rule, keeps the network a third
    of the size and makes each evaluation about a tenth faster.
    """
    review = selected.version.special_review
    rules = selected.ruleset.rules
    parts: list[dict[str, Any]] = []
    for start in range(0, len(rules), RULES_PER_PART):
        definition: dict[str, Any] = {}

        def add(name: str, condition: dict[str, Any], key: str, value: Any, definition: dict[str, Any] = definition) -> None:
            definition[name] = {"all": [{"m": condition}], "run": _setter(key, value)}

        for rule in rules[start : start + RULES_PER_PART]:
            _compile_rule(add, rule, tier, review)
        if review is not None and start == 0:
            # Exactly one of these three fires for every fact (they partition it), so together they
            # are also the catch-all rule: one action fewer per evaluation than a separate one.
            total = "total_investment__lo"
            major = scaled_floor(review.major_total_investment)
            chain_major = scaled_floor(review.major_chain_total_investment)
            add("major__by_investment", {"$gte": {total: major}}, _MAJOR_KEY, 1)
            by_chain = {"$and": [{"key_chain": 1}, {"$lt": {total: major}}, {"$gte": {total: chain_major}}]}
            add("major__by_chain", by_chain, _MAJOR_KEY, 1)
            not_major = {"$and": [{"$lt": {total: major}}, {"$or": [{"key_chain": 0}, {"$lt": {total: chain_major}}]}]}
            add("major__not", not_major, _MAJOR_KEY, 0)
        else:
            add("catch_all", {"admit__fact": 1}, _HANDLED_KEY, 1)
        parts.append(definition)
    return parts


def _compile_rule(add: Callable[[str, dict[str, Any], str, Any], None], rule: Rule, tier: int, review: SpecialReview | None) -> None:
    result_key = _RESULT_PREFIX + rule.id
    has_tolerance = review is not None and rule.severity == "mandatory"
    fail_outcome = FAIL_BEYOND if has_tolerance else FAIL
    add(f"{rule.id}__missing", _known(rule.indicator, 0), result_key, MISSING)
    if rule.operator == "in":
        assert rule.values is not None
        field = rule.indicator
        add(f"{rule.id}__pass", {"$and": [_known(field, 1), {"$or": [{field: v} for v in rule.values]}]}, result_key, PASS)
        add(f"{rule.id}__fail", {"$and": [_known(field, 1), *({"$neq": {field: v}} for v in rule.values)]}, result_key, fail_outcome)
        return
    _compile_threshold(add, rule, tier, result_key, review.tolerance if has_tolerance and review else None)


def _compile_threshold(
    add: Callable[[str, dict[str, Any], str, Any], None],
    rule: Rule,
    tier: int,
    result_key: str,
    tolerance: Decimal | None,
) -> None:
    threshold = rule.threshold(tier)
    known = _known(rule.indicator, 1)
    name = rule.id
    if rule.operator == ">=":
        # Floored values keep ">= T" exact for values finer than the fixed-point grid.
        field, meets, misses = f"{rule.indicator}__lo", "$gte", "$lt"
        bound = threshold * (1 - tolerance) if tolerance is not None else None
    else:
        # Ceiled values keep "<= T" exact likewise.
        field, meets, misses = f"{rule.indicator}__hi", "$lte", "$gt"
        bound = threshold * (1 + tolerance) if tolerance is not None else None
    limit = scaled_floor(threshold)
    add(f"{name}__pass", {"$and": [known, {meets: {field: limit}}]}, result_key, PASS)
    if bound is None:
        add(f"{name}__fail", {"$and": [known, {misses: {field: limit}}]}, result_key, FAIL)
        return
    edge = scaled_floor(bound)
    add(f"{name}__within", {"$and": [known, {misses: {field: limit}}, {meets: {field: edge}}]}, result_key, FAIL_WITHIN)
    add(f"{name}__beyond", {"$and": [known, {misses: {field: edge}}]}, result_key, FAIL_BEYOND)


def fields_tested(definition: dict[str, Any]) -> frozenset[str]:
    """Every fact field some rule of a compiled definition tests.

    durable_rules re-encodes the whole fact as JSON for every action it runs, so a fact carries
    only these fields: it roughly halves the cost of an evaluation.
    """
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("$"):
                    walk(value)
                else:
                    found.add(key)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for rule in definition.values():
        for condition in rule["all"]:
            walk(condition["m"])
    return frozenset(found)


@dataclass(frozen=True)
class FactLayout:
    """Which fields a compiled ruleset's facts carry, worked out once per ruleset."""

    categorical: tuple[str, ...]
    numeric: tuple[tuple[str, bool, bool], ...]  # (indicator, floored "__lo"?, ceiled "__hi"?)

    @classmethod
    def of(cls, fields: frozenset[str]) -> FactLayout:
        # An indicator is carried when a rule tests it, or when the major-project rules need it
        # (a rule set with 一事一议 but no total_investment rule still tests total_investment__lo).
        tested = [(name, spec) for name, spec in INDICATORS.items() if {f"{name}__known", f"{name}__lo", f"{name}__hi"} & fields]
        return cls(
            tuple(name for name, spec in tested if spec.categorical),
            tuple((name, f"{name}__lo" in fields, f"{name}__hi" in fields) for name, spec in tested if not spec.categorical),
        )


def build_fact(indicators: dict[str, Decimal | str], key_chain: bool, layout: FactLayout) -> dict[str, Any]:
    fact: dict[str, Any] = {"sid": _SESSION_ID, "id": _FACT_ID, "admit__fact": 1, "key_chain": int(key_chain)}
    for name in layout.categorical:
        value = indicators.get(name)
        fact[f"{name}__known"] = int(value is not None)
        if value is not None:
            fact[name] = value
    for name, floored, ceiled in layout.numeric:
        value = indicators.get(name)
        fact[f"{name}__known"] = int(value is not None)
        if value is None:
            continue
        assert isinstance(value, Decimal)
        if floored:
            fact[f"{name}__lo"] = scaled_floor(value)
        if ceiled:
            fact[f"{name}__hi"] = scaled_ceil(value)
    return fact


class RuleEngine:
    """The one durable_rules host of a process, with its lock and its compiled rule sets."""

    def __init__(self) -> None:
        self._host = _TimerlessHost()
        self._lock = threading.Lock()
        self._compiled: dict[tuple[str, int], list[tuple[str, FactLayout]]] = {}

    def _compiled_ruleset(self, selected: SelectedRuleSet, tier: int) -> list[tuple[str, FactLayout]]:
        """Each registered part's name and the fields its facts need; compiled on first use."""
        compiled = self._compiled.get((selected.digest, tier))
        if compiled is None:
            safe = re.sub(r"[^A-Za-z0-9_]", "_", f"{selected.version.version}_{selected.type}_t{tier}")
            base = f"admit_{safe}_{selected.digest.removeprefix('sha256:')[:16]}"
            compiled = []
            for index, definition in enumerate(compile_ruleset(selected, tier)):
                name = base if index == 0 else f"{base}_p{index}"
                self._host.set_rulesets({name: definition})
                compiled.append((name, FactLayout.of(fields_tested(definition))))
            self._compiled[(selected.digest, tier)] = compiled
        return compiled

    def evaluate(self, selected: SelectedRuleSet, indicators: dict[str, Decimal | str], tier: int, key_chain: bool) -> EngineResult:
        state: dict[str, Any] = {}
        # Held signals: a Ctrl-C raised inside a durable_rules action is caught and printed by
        # durable_rules itself (a traceback, and a bogus engine error), not by us.
        with self._lock, held_signals():
            for name, layout in self._compiled_ruleset(selected, tier):
                part = self._assert(name, build_fact(indicators, key_chain, layout))
                if not isinstance(part, dict) or not ({_MAJOR_KEY, _HANDLED_KEY} & part.keys()):
                    raise EngineError(f"规则引擎返回了无效的状态：{part!r}"[:300])
                if "exception" in part:  # durable_rules swallows exceptions raised in actions
                    raise EngineError(f"规则引擎动作出错：{part['exception']}")
                state.update(part)
        return self._read_state(selected, state)

    def _assert(self, name: str, fact: dict[str, Any]) -> Any:
        try:
            state = self._host.assert_fact(name, fact)
            self._host.retract_fact(name, fact)
        except durable_engine.MessageNotHandledException as error:  # the catch-all makes this a bug
            raise EngineError(f"规则引擎未处理事实：{error}") from error
        finally:
            self._host.delete_state(name, _SESSION_ID)
        return state

    @staticmethod
    def _read_state(selected: SelectedRuleSet, state: dict[str, Any]) -> EngineResult:
        has_clause = selected.version.special_review is not None
        if has_clause and _MAJOR_KEY not in state:
            raise EngineError("规则引擎没有给出重大项目判断")
        outcomes: dict[str, str] = {}
        for rule in selected.ruleset.rules:
            outcome = state.get(_RESULT_PREFIX + rule.id)
            if outcome not in OUTCOMES:
                raise EngineError(f"规则引擎没有给出规则 {rule.id} 的结果")
            outcomes[rule.id] = outcome
        return EngineResult(outcomes, has_clause and state[_MAJOR_KEY] == 1)


_engine: RuleEngine | None = None
_engine_lock = threading.Lock()


def shared_engine() -> RuleEngine:
    """The process-wide engine (durable_rules keeps global state; one host per process is enough)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = RuleEngine()
        return _engine
