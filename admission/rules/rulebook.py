"""The rule book (规则库): versions, tiers, rule sets and the 一事一议 clause, kept as TOML data.

One TOML file per version under ``rules/``. Loading validates everything an office could get
wrong while editing (unknown keys, unknown indicators, thresholds that do not cover every tier,
overlapping dates) and reports each problem with its file and key, so a broken rule book never
reaches the engine.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError
from pydantic_core import ErrorDetails

from admission.contract.application import message_zh
from admission.dates import date_zh
from admission.errors import InvalidRulebook, Problem
from admission.numbers import number_problem, on_engine_grid
from admission.resources import data_dir
from admission.rules.indicators import INDICATORS
from admission.text import excerpt
from admission.vocabulary import OTHER_TYPE, PROJECT_TYPES

MAX_THRESHOLD = Decimal("1e12")
# Far beyond any real rule set (the defaults have under ten rules); the engine splits large sets
# into parts (engine.RULES_PER_PART), and this bound keeps compiling them quick.
MAX_RULES_PER_SET = 1000
MAX_VALUES_PER_RULE = 64


def _toml_number(value: Any) -> Any:
    # TOML integers arrive as int and floats as Decimal (parse_float); a string or a boolean
    # where a number belongs is an editing mistake and must be rejected, not coerced.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        shown = f"'{excerpt(value)}'" if isinstance(value, str) else excerpt(value)
        raise ValueError(f"应为数字，实际为 {shown}")
    number = Decimal(value)
    problem = number_problem(number)  # bounded before anything computes with it
    if problem is not None:
        raise ValueError(problem)
    return number


Number = Annotated[Decimal, BeforeValidator(_toml_number)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Tier(_Strict):
    level: Annotated[int, Field(ge=1)]
    label: Annotated[str, Field(min_length=1)]
    districts: Annotated[list[str], Field(min_length=1)]


class Rule(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Annotated[str, Field(min_length=1)]
    indicator: str
    operator: Literal[">=", "<=", "in"]
    thresholds: dict[str, Number] | None = None
    values: list[str] | None = None
    unit: str
    severity: Literal["mandatory", "advisory"]
    source: Annotated[str, Field(min_length=1)]

    def threshold(self, tier: int) -> Decimal:
        assert self.thresholds is not None
        return self.thresholds[str(tier)]


class RuleSet(_Strict):
    label: Annotated[str, Field(min_length=1)]
    rules: Annotated[list[Rule], Field(min_length=1)]


class SpecialReview(_Strict):
    """一事一议: major projects whose mandatory failures all lie within the tolerance."""

    major_total_investment: Number
    major_chain_total_investment: Number
    tolerance: Number
    key_chains: list[str]
    source: Annotated[str, Field(min_length=1)]


class Bounds(_Strict):
    """A plausible range of one indicator (either end may be open)."""

    min: Number | None = None
    max: Number | None = None
    # The ends as Fractions, made once: comparing a Fraction with a Decimal converts the Decimal
    # every time, which made plausibility a tenth of the cost of screening.
    _low: Fraction = PrivateAttr(default=Fraction(0))
    _high: Fraction | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        self._low = Fraction(self.min) if self.min is not None else Fraction(0)
        self._high = Fraction(self.max) if self.max is not None else None

    def contains(self, value: Fraction) -> bool:
        return self.contains_ratio(value.numerator, value.denominator)

    def contains_ratio(self, numerator: int, denominator: int) -> bool:
        """Whether numerator / denominator (denominator > 0) lies in range, in integers only."""
        low, high = self._low, self._high
        if self.min is not None and numerator * low.denominator < low.numerator * denominator:
            return False
        return high is None or numerator * high.denominator <= high.numerator * denominator

    def lower(self) -> Fraction:
        return self._low

    def upper(self) -> Fraction:
        return self._high if self._high is not None else Fraction(10**30)

    def text(self, unit: str) -> str:
        suffix = f" {unit}" if unit else ""
        if self.min is not None and self.max is not None:
            return f"{self.min:f}–{self.max:f}{suffix}"
        if self.max is not None:
            return f"不超过 {self.max:f}{suffix}"
        return f"不低于 {self.min:f}{suffix}" if self.min is not None else "不限"


class Plausibility(_Strict):
    """Figures outside these ranges cannot describe a real project (疑似填报错误): invalid input.

    The defaults are the contract's; a version file may set its own under ``[plausibility]``.
    """

    land_mu: Bounds = Bounds(min=Decimal("0.1"), max=Decimal(20000))
    plot_ratio: Bounds = Bounds(min=Decimal("0.05"), max=Decimal(20))
    investment_intensity: Bounds = Bounds(min=Decimal(1), max=Decimal(20000))
    tax_per_mu: Bounds = Bounds(max=Decimal(2000))


class MonitoringTerms(_Strict):
    """履约 terms: what a land contract and its 监管协议 let the city claim (monitoring contract).

    Versioned with the admission rules: a project is held to the terms of the version that
    decided its passed resolution. The defaults are the national texts' (see ``source_*``).
    """

    late_start_rate: Number = Decimal("0.001")  # of the land price, per day late (延期开工违约金)
    late_completion_rate: Number = Decimal("0.001")  # per day (延期竣工违约金)
    idle_land_share: Number = Decimal("0.2")  # of the land price (闲置土地费)
    idle_land_days: Annotated[int, Field(ge=1, le=100000)] = 365
    reclaim_days: Annotated[int, Field(ge=1, le=100000)] = 730
    # The late-start and late-completion amounts of one project together never exceed this share
    # of the land price; a project that never started is not also charged for late completion.
    penalty_cap_share: Number = Decimal("1")
    notice_days: Annotated[int, Field(ge=1, le=365)] = 30  # 履约核查通知书: days to answer or pay
    max_extension_days: Annotated[int, Field(ge=0, le=3650)] = 365  # 企业申请 extensions, in all (示范文本: 不得超过一年)
    completion_before_start: bool = False
    # 月通报: a passed 新增供地 project not yet 挂网 this many months after its meeting is to be chased.
    listing_due_months: Annotated[int, Field(ge=1, le=120)] = 6
    source_late: Annotated[str, Field(min_length=1)] = "国有建设用地使用权出让合同示范文本：延期开工、延期竣工违约金"
    source_idle: Annotated[str, Field(min_length=1)] = "《闲置土地处置办法》（国土资源部令第 53 号）第十四条：征缴土地闲置费、无偿收回"
    source_investment: Annotated[str, Field(min_length=1)] = (
        "国有建设用地使用权出让合同示范文本：按实际差额部分占约定投资总额和投资强度指标的比例支付违约金"
    )
    source_tax: Annotated[str, Field(min_length=1)] = "标准地出让监管协议：达产后年度税收未达承诺的，差额补缴"
    source_cap: Annotated[str, Field(min_length=1)] = "出让合同：延期开工、延期竣工违约金合计不超过出让价款"
    source_delay: Annotated[str, Field(min_length=1)] = "《闲置土地处置办法》第八条：因政府原因未按约定交地造成的延迟不计入企业责任"


Months = Annotated[int, Field(ge=0, le=120)]


class Deadlines(_Strict):
    """督办 deadlines in calendar months, each from its anchor (supervision contract). 未挂网 uses
    ``monitoring.listing_due_months`` (one number for the 月通报 and the 督办), 未交地 the land
    contract's 约定交地日期 when there is one, 未开工 and 未竣工 the agreed dates (extensions honoured)."""

    unsigned: Months = 3  # 未签约: months after the passing meeting
    unregistered: Months = 3  # 未注册: after 签约
    unsupplied: Months = 3  # 未供地: after 挂网
    undelivered: Months = 1  # 未交地: after 供地, when the contract names no 约定交地日期
    unstarted: Months = 6  # 未开工: after 交地, when no agreed start is recorded
    not_in_production: Months = 6  # 未投产: after 竣工


class SupervisionTerms(_Strict):
    """月通报、季督促、年考核: the bands of the lights, the scoring, the 督办 deadlines. Versioned with
    the rest of the book (the version in force on a report's as-of date applies); they decide no
    verdict, so they are left out of the rule sets' digests."""

    yellow_points: Number = Decimal(10)  # a target this many percentage points behind 序时进度 turns yellow
    red_points: Number = Decimal(30)  # … and this many, red
    score_cap: Number = Decimal(1)  # a target beaten scores min(完成率, score_cap) × its weight
    praise_top: Annotated[int, Field(ge=0, le=100)] = 3  # 通报表扬: the districts ranked 1 to this
    interview_score: Number = Decimal(60)  # 约谈: a district whose total is below this
    red_after_months: Months = 3  # a project overdue longer than this is red
    reply_days: Annotated[int, Field(ge=1, le=365)] = 10  # a 督办 round's reply deadline, in days
    deadlines: Deadlines = Deadlines()


class Version(_Strict):
    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    title: str
    effective_from: date
    effective_to: date | None = None
    basis: Annotated[str, Field(min_length=1)]
    sources: Annotated[list[str], Field(min_length=1)]
    tiers: Annotated[list[Tier], Field(min_length=1)]
    # Other names clerks write for a district in an intake workbook (高新区 -> 江门高新区). They
    # decide nothing, so they are left out of the digest; JSON applications never use them.
    district_aliases: dict[str, str] = {}
    special_review: SpecialReview | None = None
    plausibility: Plausibility = Plausibility()
    monitoring: MonitoringTerms = MonitoringTerms()
    supervision: SupervisionTerms = SupervisionTerms()
    rulesets: Annotated[dict[str, RuleSet], Field(min_length=1)]

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def tier_of(self, district: str) -> Tier | None:
        return next((t for t in self.tiers if district in t.districts), None)

    def period_text(self) -> str:
        """自2022年1月1日起施行, or 2014年7月1日至2021年12月31日施行: as documents write them (no spaces)."""
        if self.effective_to is None:
            return f"自{date_zh(self.effective_from)}起施行"
        return f"{date_zh(self.effective_from)}至{date_zh(self.effective_to)}施行"


@dataclass(frozen=True)
class SelectedRuleSet:
    """The rule set of one type in one version: what a decision is made with."""

    version: Version
    type: str
    ruleset: RuleSet

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the rule data that decides: the version's shared parts and this rule set."""
        shared = self.version.model_dump(mode="json", exclude={"rulesets", "district_aliases", "supervision"})
        payload = {"version": shared, "type": self.type, "ruleset": self.ruleset.model_dump(mode="json")}
        canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Rulebook:
    directory: Path
    versions: tuple[Version, ...]

    @property
    def types(self) -> list[str]:
        seen: dict[str, None] = {}
        for version in self.versions:
            seen.update(dict.fromkeys(version.rulesets))
        return list(seen)

    @cached_property
    def type_labels(self) -> dict[str, str]:
        """Each project type's Chinese name, as its rule sets give it (the latest version's last)."""
        labels: dict[str, str] = {}
        for version in self.versions:
            labels.update({code: ruleset.label for code, ruleset in version.rulesets.items()})
        return labels

    @cached_property
    def districts(self) -> list[str]:
        seen: dict[str, None] = {}
        for version in self.versions:
            for tier in version.tiers:
                seen.update(dict.fromkeys(tier.districts))
        return list(seen)

    @cached_property
    def district_aliases(self) -> dict[str, str]:
        aliases: dict[str, str] = {}
        for version in self.versions:
            aliases.update(version.district_aliases)
        return aliases

    @property
    def key_chains(self) -> list[str]:
        seen: dict[str, None] = {}
        for version in self.versions:
            if version.special_review:
                seen.update(dict.fromkeys(version.special_review.key_chains))
        return list(seen)

    @cached_property
    def _selected(self) -> dict[tuple[str, str], SelectedRuleSet]:
        # One object per (version, type), so its digest is computed once per process.
        return {(v.version, t): SelectedRuleSet(v, t, rs) for v in self.versions for t, rs in v.rulesets.items()}

    def select(self, project_type: str, on: date) -> SelectedRuleSet | None:
        for version in self.versions:
            if project_type in version.rulesets and version.in_force(on):
                return self._selected[(version.version, project_type)]
        return None

    def version(self, name: str) -> Version | None:
        return next((v for v in self.versions if v.version == name), None)

    def version_on(self, day: date) -> Version:
        """The version whose terms apply on ``day`` for what is not one project's (supervision):
        the latest that took effect by then, else the earliest."""
        started = [v for v in self.versions if v.effective_from <= day]
        return started[-1] if started else self.versions[0]


# --- loading and checking ----------------------------------------------------------------------


def load_rulebook(directory: Path) -> Rulebook:
    """Load and check every ``*.toml`` version file in ``directory``; raise InvalidRulebook."""
    if not directory.is_dir():
        raise InvalidRulebook([Problem(str(directory), "规则库目录不存在")])
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise InvalidRulebook([Problem(str(directory), "规则库目录中没有 *.toml 版本文件")])
    problems: list[Problem] = []
    versions: list[tuple[Path, Version]] = []
    for file in files:
        version, file_problems = _load_version(file)
        problems.extend(file_problems)
        if version is not None:
            versions.append((file, version))
    problems.extend(_cross_version_problems(versions))
    if problems:
        raise InvalidRulebook(problems)
    ordered = sorted((v for _, v in versions), key=lambda v: v.effective_from)
    return Rulebook(directory, tuple(ordered))


def _load_version(file: Path) -> tuple[Version | None, list[Problem]]:
    name = file.name
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(name, f"无法读取：{error}")]
    except tomllib.TOMLDecodeError as error:
        return None, [Problem(name, f"不是有效的 TOML：{error}")]
    except ValueError:  # an integer of thousands of digits: Python refuses to convert it
        return None, [Problem(name, "不是有效的规则文件：含有位数过多的整数")]
    try:
        version = Version.model_validate(data)
    except ValidationError as error:
        return None, [Problem(f"{name}: {'.'.join(str(p) for p in e['loc'])}", _rule_error_zh(e)) for e in error.errors(include_url=False)]
    return version, [Problem(f"{name}: {key}", message) for key, message in _version_problems(version)]


def _rule_error_zh(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        return "未知的键（拼写错误？）"
    if error["type"] == "missing":
        return "缺少必填的键"
    return message_zh(error)


def _version_problems(version: Version) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if version.effective_to is not None and version.effective_to < version.effective_from:
        found.append(("effective_to", "结束日期早于生效日期"))
    levels = [t.level for t in version.tiers]
    if len(set(levels)) != len(levels):
        found.append(("tiers", "区域分类的 level 重复"))
    seen_districts: dict[str, int] = {}
    for index, tier in enumerate(version.tiers):
        for district in tier.districts:
            if district in seen_districts:
                found.append((f"tiers[{index}].districts", f"{district} 同时属于两个区域分类"))
            seen_districts[district] = tier.level
    for alias, district in version.district_aliases.items():
        if district not in seen_districts:
            found.append((f"district_aliases.{alias}", f"别名指向的 {district} 不在本版本的区域分类中"))
        if alias in seen_districts:
            found.append((f"district_aliases.{alias}", f"{alias} 本身就是区域名称，不能作为别名"))
    review = version.special_review
    if review is not None:
        if not (Decimal(0) <= review.tolerance < 1):
            found.append(("special_review.tolerance", "容差应在 0 与 1 之间"))
        for key in ("major_total_investment", "major_chain_total_investment"):
            value: Decimal = getattr(review, key)
            if not (0 < value <= MAX_THRESHOLD) or not on_engine_grid(value):
                found.append((f"special_review.{key}", "应为大于 0、不超过 1e12、最多 6 位小数的数字"))
    for name in Plausibility.model_fields:
        bounds: Bounds = getattr(version.plausibility, name)
        if bounds.min is not None and bounds.max is not None and bounds.min >= bounds.max:
            found.append((f"plausibility.{name}", "min 应小于 max"))
    terms = version.monitoring
    for key in ("late_start_rate", "late_completion_rate", "idle_land_share"):
        if not (Decimal(0) <= getattr(terms, key) < 1):
            found.append((f"monitoring.{key}", "应在 0 与 1 之间（如 0.001 即千分之一）"))
    if not (Decimal(0) < terms.penalty_cap_share <= 10):
        found.append(("monitoring.penalty_cap_share", "应大于 0、不超过 10（1 即出让价款的 100%）"))
    if terms.reclaim_days < terms.idle_land_days:
        found.append(("monitoring.reclaim_days", "建议收回的天数不应少于征缴闲置费的天数"))
    found.extend(_supervision_problems(version.supervision))
    for type_name, ruleset in version.rulesets.items():
        known = PROJECT_TYPES.get(type_name)
        if type_name == OTHER_TYPE or (known is not None and ruleset.label != known):
            found.append((f"rulesets.{type_name}.label", f"项目类型 {type_name} 的名称应为“{known}”（台账、文书按此称呼）"))
        if len(ruleset.rules) > MAX_RULES_PER_SET:
            found.append((f"rulesets.{type_name}.rules", f"规则集有 {len(ruleset.rules)} 条规则，超过上限 {MAX_RULES_PER_SET} 条"))
            continue
        ids = [r.id for r in ruleset.rules]
        for index, rule in enumerate(ruleset.rules):
            key = f"rulesets.{type_name}.rules[{index}]"
            if ids.count(rule.id) > 1:
                found.append((f"{key}.id", f"规则编号 {rule.id} 在同一规则集中重复"))
            found.extend((f"{key}.{k}", m) for k, m in _rule_problems(rule, levels, review))
    return found


def _supervision_problems(terms: SupervisionTerms) -> list[tuple[str, str]]:
    found = []
    if not (0 < terms.yellow_points < terms.red_points <= 100):
        found.append(("supervision.red_points", "应满足 0 < yellow_points < red_points ≤ 100（百分点）"))
    if not (1 <= terms.score_cap <= 2):
        found.append(("supervision.score_cap", "应在 1 与 2 之间（1 即超额完成不加分）"))
    if not (0 <= terms.interview_score <= 1000):
        found.append(("supervision.interview_score", "应在 0 与 1000 之间"))
    return found


def _rule_problems(rule: Rule, levels: list[int], review: SpecialReview | None) -> list[tuple[str, str]]:
    indicator = INDICATORS.get(rule.indicator)
    if indicator is None:
        close = difflib.get_close_matches(rule.indicator, list(INDICATORS), n=1)
        hint = f"；是否应为 {close[0]}？" if close else f"（可用指标：{'、'.join(INDICATORS)}）"
        return [("indicator", f"未知指标 {rule.indicator}{hint}")]
    if indicator.categorical:
        found = []
        if rule.operator != "in":
            found.append(("operator", f"分类指标 {rule.indicator} 只能使用 in"))
        if not rule.values:
            found.append(("values", "in 规则需要非空的 values 列表"))
        elif len(rule.values) > MAX_VALUES_PER_RULE:
            found.append(("values", f"values 最多 {MAX_VALUES_PER_RULE} 项"))
        if rule.thresholds is not None:
            found.append(("thresholds", "in 规则不使用 thresholds"))
        return found
    if rule.unit != indicator.unit:
        return [("unit", f"指标 {rule.indicator} 的单位应为“{indicator.unit or '无单位'}”，实际为“{rule.unit or '无单位'}”")]
    if rule.operator == "in":
        return [("operator", f"数值指标 {rule.indicator} 只能使用 >= 或 <=")]
    if rule.values is not None:
        return [("values", "数值规则不使用 values")]
    if rule.thresholds is None:
        return [("thresholds", "缺少各区域分类的门槛值")]
    found = []
    expected = {str(level) for level in levels}
    if set(rule.thresholds) != expected:
        missing = sorted(expected - set(rule.thresholds))
        extra = sorted(set(rule.thresholds) - expected)
        detail = "；".join(filter(None, [f"缺少 {', '.join(missing)}" if missing else "", f"多出 {', '.join(extra)}" if extra else ""]))
        found.append(("thresholds", f"门槛值应恰好覆盖区域分类 {', '.join(sorted(expected))}：{detail}"))
    for tier, threshold in rule.thresholds.items():
        if not (Decimal(0) <= threshold <= MAX_THRESHOLD):
            found.append((f"thresholds.{tier}", "门槛值应在 0 与 1e12 之间"))
        elif not on_engine_grid(threshold):
            found.append((f"thresholds.{tier}", "门槛值最多 6 位小数"))
        elif review is not None and rule.severity == "mandatory":
            factor = 1 - review.tolerance if rule.operator == ">=" else 1 + review.tolerance
            if not on_engine_grid(threshold * factor):
                found.append((f"thresholds.{tier}", "门槛值乘以容差系数后超过 6 位小数"))
    return found


def _cross_version_problems(versions: list[tuple[Path, Version]]) -> list[Problem]:
    found: list[Problem] = []
    names = [v.version for _, v in versions]
    for file, version in versions:
        if names.count(version.version) > 1:
            found.append(Problem(f"{file.name}: version", f"版本号 {version.version} 重复"))
    for index, (file_a, a) in enumerate(versions):
        for file_b, b in versions[index + 1 :]:
            shared = sorted(set(a.rulesets) & set(b.rulesets))
            if shared and _overlaps(a, b):
                found.append(
                    Problem(
                        f"{file_b.name}: effective_from",
                        f"{b.version}（{b.period_text()}）与 {file_a.name} 的 {a.version}（{a.period_text()}）"
                        f"在项目类型 {', '.join(shared)} 上的生效期重叠",
                    )
                )
    found.extend(_gap_and_coverage_problems(versions))
    return found


def _gap_and_coverage_problems(versions: list[tuple[Path, Version]]) -> list[Problem]:
    """Days without a version between two versions of a type; tiers that leave a district out."""
    found: list[Problem] = []
    by_type: dict[str, list[tuple[Path, Version]]] = {}
    for file, version in versions:
        for type_name in version.rulesets:
            by_type.setdefault(type_name, []).append((file, version))
    for type_name, entries in by_type.items():
        entries.sort(key=lambda e: e[1].effective_from)
        for (_, earlier), (file, later) in itertools.pairwise(entries):
            if earlier.effective_to is not None and (later.effective_from - earlier.effective_to).days > 1:
                found.append(
                    Problem(
                        f"{file.name}: effective_from",
                        f"项目类型 {type_name} 在 {earlier.version} 结束（{earlier.effective_to}）与 {later.version} 生效"
                        f"（{later.effective_from}）之间没有适用的版本",
                    )
                )
    districts = {d for _, v in versions for t in v.tiers for d in t.districts}
    for file, version in versions:
        missing = sorted(districts - {d for t in version.tiers for d in t.districts})
        if missing:
            found.append(Problem(f"{file.name}: tiers", f"区域分类遗漏了：{'、'.join(missing)}"))
    return found


def _overlaps(a: Version, b: Version) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def default_rules_dir() -> Path:
    return data_dir("rules")
