"""Rule-book tooling for the office that owns the rules: list, show, diff, test, impact."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from admission.contract.application import RawApplication, parse_json_text
from admission.errors import InvalidInput, Problem, UsageError
from admission.intake.batch import try_decide
from admission.intake.sources import collect
from admission.numbers import json_number, percent, plain
from admission.review.decision import Decision, decide
from admission.review.validation import prepare
from admission.review.wording import FindingCells, format_value
from admission.rules.indicators import INDICATORS
from admission.rules.rulebook import MonitoringTerms, Rule, Rulebook, SelectedRuleSet, SupervisionTerms, Version, load_rulebook
from admission.vocabulary import VERDICTS


def requirement(rule: Rule, tier: int) -> str:
    """A threshold in symbols, as ``rules list`` and ``rules diff`` show it: ≥ 25, ≤ 15%."""
    if rule.operator == "in":
        return "属于 " + "、".join(rule.values or [])
    return ("≥ " if rule.operator == ">=" else "≤ ") + format_value(rule.indicator, rule.threshold(tier))


def rule_requirement(rule: Rule, tier: int) -> str:
    """The threshold with its unit: ≥ 25 万元/亩·年."""
    unit = f" {rule.unit}" if rule.unit and rule.operator != "in" else ""
    return requirement(rule, tier) + unit


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "label": rule.label,
        "indicator": rule.indicator,
        "operator": rule.operator,
        "thresholds": {k: json_number(v) for k, v in (rule.thresholds or {}).items()},
        "values": rule.values,
        "unit": rule.unit,
        "severity": rule.severity,
        "source": rule.source,
    }


def in_force(rulebook: Rulebook, on: date, project_type: str | None) -> list[SelectedRuleSet]:
    selected = [rulebook.select(t, on) for t in rulebook.types if project_type in (None, t)]
    return [s for s in selected if s is not None]


def listing_json(rulebook: Rulebook, on: date, project_type: str | None) -> dict[str, Any]:
    return {
        "as_of": on.isoformat(),
        "versions": [
            {
                "version": v.version,
                "title": v.title,
                "effective_from": v.effective_from.isoformat(),
                "effective_to": v.effective_to.isoformat() if v.effective_to else None,
                "types": list(v.rulesets),
                "special_review": v.special_review is not None,
                "monitoring": v.monitoring.model_dump(mode="json"),
                "supervision": v.supervision.model_dump(mode="json"),
            }
            for v in rulebook.versions
        ],
        "in_force": [
            {
                "version": s.version.version,
                "type": s.type,
                "digest": s.digest,
                "tiers": {str(t.level): t.label for t in s.version.tiers},
                "rules": [rule_json(r) for r in s.ruleset.rules],
            }
            for s in in_force(rulebook, on, project_type)
        ],
    }


def project_type_code(rulebook: Rulebook, name: str) -> str:
    """A project type as a person names it (工业项目) or by its code (industrial)."""
    labels = {rs.label: t for v in rulebook.versions for t, rs in v.rulesets.items()}
    if name in rulebook.types:
        return name
    if name in labels:
        return labels[name]
    raise UsageError(f"未知的项目类型 {name}；可选：{'、'.join(labels)}")


def find_rule(rulebook: Rulebook, rule_id: str, version: str | None) -> list[tuple[Version, str, Rule]]:
    """Every (version, type, rule) named by its id or its Chinese label (亩均税收); UsageError
    with a suggestion if there is none."""
    if version is not None and rulebook.version(version) is None:
        raise UsageError(f"规则库中没有版本 {version}；可选：{'、'.join(v.version for v in rulebook.versions)}")
    found = [
        (v, t, r)
        for v in rulebook.versions
        if version in (None, v.version)
        for t, rs in v.rulesets.items()
        for r in rs.rules
        if rule_id in (r.id, r.label)
    ]
    if not found:
        rules = [r for v in rulebook.versions for rs in v.rulesets.values() for r in rs.rules]
        names = list(dict.fromkeys([*(r.label for r in rules), *(r.id for r in rules)]))
        close = difflib.get_close_matches(rule_id, names, n=1)
        hint = f"；是否应为 {close[0]}？" if close else f"；可选：{'、'.join(dict.fromkeys(r.label for r in rules))}"
        raise UsageError(f"没有名为 {rule_id} 的规则{hint}")
    return found


def indicator_formula(rule: Rule) -> str:
    indicator = INDICATORS[rule.indicator]
    rounding = f"，四舍五入保留 {indicator.places} 位小数" if indicator.places is not None else "（按填报值，不取舍）"
    return f"{indicator.label} = {indicator.formula}{rounding}"


# --- diff ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One difference a reader acts on: a rule for some districts, or another section's term."""

    section: str  # 规则 区域分类 一事一议 疑似填报错误 履约条款 项目类型
    type: str  # the project type's code ("" for a section that holds for every type)
    rule: str  # rule id or the term's key
    label: str
    districts: str  # 蓬江区、江海区 (or "—" when it does not depend on the district)
    old: str
    new: str
    kind: str  # 提高 降低 新增 删除 修改

    def to_json(self) -> dict[str, str]:
        return {
            "section": self.section, "type": self.type, "rule": self.rule, "label": self.label, "districts": self.districts,
            "old": self.old, "new": self.new, "change": self.kind,
        }  # fmt: skip


def resolve_side(spec: str, rulebook: Rulebook, on: date | None) -> tuple[str, dict[str, SelectedRuleSet]]:
    """``VERSION`` of the current book, or a rule-book ``DIR`` (each type's latest version, or the
    one in force on ``on``), or ``DIR:VERSION``."""
    path_text, _, version_name = spec.partition(":") if ":" in spec and Path(spec.partition(":")[0]).is_dir() else (spec, "", "")
    if Path(path_text).is_dir():
        book = load_rulebook(Path(path_text))
        if version_name:
            return spec, _version_sets(book, version_name)
        chosen: dict[str, SelectedRuleSet] = {}
        for project_type in book.types:
            candidates = [v for v in book.versions if project_type in v.rulesets and (on is None or v.in_force(on))]
            if candidates:
                latest = max(candidates, key=lambda v: v.effective_from)
                chosen[project_type] = SelectedRuleSet(latest, project_type, latest.rulesets[project_type])
        label = f"{path_text}（{'、'.join(sorted({s.version.version for s in chosen.values()}))}）"
        return label, chosen
    return spec, _version_sets(rulebook, spec)


def _version_sets(book: Rulebook, name: str) -> dict[str, SelectedRuleSet]:
    version = book.version(name)
    if version is None:
        raise UsageError(f"找不到规则版本或规则库目录 {name}；可选版本：{'、'.join(v.version for v in book.versions)}")
    return {t: SelectedRuleSet(version, t, rs) for t, rs in version.rulesets.items()}


TERM_LABELS = {
    "late_start_rate": "延期开工违约金（每日，占出让价款）",
    "late_completion_rate": "延期竣工违约金（每日，占出让价款）",
    "idle_land_share": "土地闲置费（占出让价款）",
    "idle_land_days": "征缴闲置费的未开工天数",
    "reclaim_days": "建议无偿收回的未开工天数",
    "penalty_cap_share": "违约金上限（延期开工、竣工合计，占出让价款）",
    "completion_before_start": "未开工时另计延期竣工违约金",
    "max_extension_days": "企业申请延期合计上限",
    "notice_days": "履约核查通知书答复期限",
}


SUPERVISION_LABELS = {
    "yellow_points": ("目标落后序时进度（黄灯，百分点）", "个百分点"),
    "red_points": ("目标落后序时进度（红灯，百分点）", "个百分点"),
    "score_cap": ("自评得分上限（完成率封顶）", ""),
    "praise_top": ("年考核通报表扬名次", "名"),
    "interview_score": ("年考核约谈分数线（低于）", "分"),
    "red_after_months": ("项目逾期转红灯", "个月"),
    "reply_days": ("督办通知反馈期限", "日"),
}
DEADLINE_LABELS = {
    "unsigned": "未签约：过会后", "unregistered": "未注册：签约后", "unsupplied": "未供地：挂网后",
    "undelivered": "未交地：供地后（未约定时）", "unstarted": "未开工：交地后（未约定时）",
    "not_in_production": "未投产：竣工后",
}  # fmt: skip


def supervision_lines(terms: SupervisionTerms) -> list[tuple[str, str]]:
    """The 督办 and 考核 terms of a version as (label, value), for ``rules list``, ``show`` and ``diff``."""
    lines = [(label, f"{plain(Decimal(getattr(terms, key)))} {unit}".rstrip()) for key, (label, unit) in SUPERVISION_LABELS.items()]
    lines += [(f"督办期限 {label}", f"{getattr(terms.deadlines, key)} 个月") for key, label in DEADLINE_LABELS.items()]
    return lines


def _share_text(value: Decimal) -> str:
    permille = value * 1000
    if permille == permille.to_integral_value() and 0 < permille < 10:
        return f"{plain(value)}（千分之{'一二三四五六七八九'[int(permille) - 1]}）"
    return f"{plain(value)}（{percent(value)}）"


def term_lines(terms: MonitoringTerms) -> list[tuple[str, str]]:
    """The 履约 terms of a version as (label, value) for ``rules list`` and ``rules diff``."""
    lines = []
    for key, label in TERM_LABELS.items():
        value = getattr(terms, key)
        if isinstance(value, bool):
            lines.append((label, "是" if value else "否"))
        else:
            lines.append((label, f"{value} 日" if isinstance(value, int) else _share_text(value)))
    return lines


def _term_changes(old: Version, new: Version) -> list[Change]:
    changes = []
    for (label, old_text), (_, new_text) in zip(term_lines(old.monitoring), term_lines(new.monitoring), strict=True):
        if old_text != new_text:
            key = next(k for k, v in TERM_LABELS.items() if v == label)
            direction = (
                "改变"
                if isinstance(getattr(new.monitoring, key), bool)
                else ("提高" if getattr(new.monitoring, key) > getattr(old.monitoring, key) else "降低")
            )
            changes.append(Change("履约条款", "", f"monitoring.{key}", label, "—", old_text, new_text, direction))
    return changes


def _supervision_changes(old: Version, new: Version) -> list[Change]:
    changes = []
    for (label, old_text), (_, new_text) in zip(supervision_lines(old.supervision), supervision_lines(new.supervision), strict=True):
        if old_text != new_text:
            changes.append(Change("督办与考核", "", "supervision", label, "—", old_text, new_text, "调整"))
    return changes


def _tier_changes(old: Version, new: Version) -> list[Change]:
    """Districts that moved between tiers (蓬江区 二类地区 → 一类地区): every threshold moves with them."""
    changes = []
    for district in dict.fromkeys([*(d for t in new.tiers for d in t.districts), *(d for t in old.tiers for d in t.districts)]):
        before, after = old.tier_of(district), new.tier_of(district)
        before_text, after_text = (before.label if before else "—"), (after.label if after else "—")
        if before_text != after_text:
            kind = "新增" if before is None else "删除" if after is None else "调整"
            changes.append(Change("区域分类", "", "tiers", "区域分类", district, before_text, after_text, kind))
    return changes


def _special_review_changes(old: Version, new: Version) -> list[Change]:
    def terms(version: Version) -> dict[str, str]:
        review = version.special_review
        if review is None:
            return {"条款": "未设一事一议条款"}
        return {
            "条款": "设一事一议条款",
            "重大项目：计划总投资": f"≥ {plain(review.major_total_investment)} 万元",
            "重大项目：重点产业链项目计划总投资": f"≥ {plain(review.major_chain_total_investment)} 万元",
            "允许差距（容差）": percent(review.tolerance),
            "重点产业链": "、".join(review.key_chains),
        }

    before, after = terms(old), terms(new)
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old_text, new_text = before.get(key, "—"), after.get(key, "—")
        if old_text != new_text:
            kind = "新增" if old_text in ("—", "未设一事一议条款") else "删除" if new_text in ("—", "未设一事一议条款") else "修改"
            if key == "重点产业链" and old_text != "—" and new_text != "—":
                added = [c for c in new_text.split("、") if c not in old_text.split("、")]
                removed = [c for c in old_text.split("、") if c not in new_text.split("、")]
                old_text, new_text = "、".join(removed) or "—", "、".join(added) or "—"
                kind = "增删"
            changes.append(Change("一事一议", "", "special_review", key, "—", old_text, new_text, kind))
    return changes


def _plausibility_changes(old: Version, new: Version) -> list[Change]:
    changes = []
    for name in type(old.plausibility).model_fields:
        before, after = getattr(old.plausibility, name), getattr(new.plausibility, name)
        unit = INDICATORS[name].unit
        if before.text(unit) != after.text(unit):
            label = INDICATORS[name].label
            changes.append(Change("疑似填报错误", "", f"plausibility.{name}", label, "—", before.text(unit), after.text(unit), "修改"))
    return changes


def diff(old: dict[str, SelectedRuleSet], new: dict[str, SelectedRuleSet]) -> list[Change]:
    """Every difference between two rule books, rule by rule and district by district.

    Thresholds are compared for each district, not each tier label: a district that moved from
    二类地区 to 一类地区 really went from the old tier-2 threshold to the new tier-1 one. The
    versions' other sections (tiers, the 一事一议 clause, plausibility, 履约 terms) are compared too.
    """
    changes: list[Change] = []
    pairs = {(old[t].version.version, new[t].version.version): (old[t].version, new[t].version) for t in old if t in new}
    for before, after in pairs.values():
        changes += _tier_changes(before, after)
        changes += _special_review_changes(before, after)
        changes += _plausibility_changes(before, after)
        changes += _term_changes(before, after)
        changes += _supervision_changes(before, after)
    for project_type in list(dict.fromkeys([*old, *new])):
        if project_type not in old or project_type not in new:
            present = new if project_type in new else old
            label = present[project_type].ruleset.label
            kind = "新增" if project_type in new else "删除"
            text = f"{label}（{len(present[project_type].ruleset.rules)} 条规则）"
            changes.append(Change("项目类型", project_type, project_type, label, "—", "—" if kind == "新增" else text,
                                  text if kind == "新增" else "—", kind))  # fmt: skip
            continue
        before_rules = {r.id: r for r in old[project_type].ruleset.rules}
        after_rules = {r.id: r for r in new[project_type].ruleset.rules}
        for rule_id in list(dict.fromkeys([*before_rules, *after_rules])):
            changes.extend(
                _rule_changes(project_type, before_rules.get(rule_id), after_rules.get(rule_id), old[project_type].version,
                              new[project_type].version)
            )  # fmt: skip
    return changes


def _requirement_in(rule: Rule | None, version: Version, district: str) -> str:
    if rule is None:
        return "—"
    tier = version.tier_of(district)
    if tier is None:
        return "—"
    if rule.operator != "in" and str(tier.level) not in (rule.thresholds or {}):
        return "—"
    text = rule_requirement(rule, tier.level)
    severity = "" if rule.severity == "mandatory" else "（参考）"
    return f"{tier.label} {text}{severity}"


def _rule_changes(project_type: str, old: Rule | None, new: Rule | None, old_version: Version, new_version: Version) -> list[Change]:
    either = new or old
    assert either is not None  # the id came from one of the two sides
    districts = list(
        dict.fromkeys([*(d for t in new_version.tiers for d in t.districts), *(d for t in old_version.tiers for d in t.districts)])
    )
    # Districts with the same change form one line; the tier label is kept when they share it.
    grouped: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for district in districts:
        before, after = _requirement_in(old, old_version, district), _requirement_in(new, new_version, district)
        if _bare(before) == _bare(after):
            continue
        kind = "新增" if before == "—" else "删除" if after == "—" else _direction(old, new, old_version, new_version, district)
        grouped.setdefault((_bare(before), _bare(after), kind), []).append((district, before, after))
    changes = []
    for (bare_before, bare_after, kind), places in grouped.items():
        befores, afters = {b for _, b, _ in places}, {a for _, _, a in places}
        before = befores.pop() if len(befores) == 1 else bare_before
        after = afters.pop() if len(afters) == 1 else bare_after
        where = "全部区域" if len(places) == len(districts) else "、".join(d for d, _, _ in places)
        changes.append(Change("规则", project_type, either.id, either.label, where, before, after, kind))
    return changes


def _bare(text: str) -> str:
    """A requirement without its tier label: a tier renamed with the same threshold is no change."""
    return text.split(" ", 1)[1] if " " in text and text != "—" else text


def _direction(old: Rule | None, new: Rule | None, old_version: Version, new_version: Version, district: str) -> str:
    if old is None or new is None or old.operator != new.operator or old.operator == "in" or old.severity != new.severity:
        return "修改"
    old_tier, new_tier = old_version.tier_of(district), new_version.tier_of(district)
    if old_tier is None or new_tier is None:
        return "修改"
    before, after = old.threshold(old_tier.level), new.threshold(new_tier.level)
    if before == after:
        return "修改"
    stricter = after > before if new.operator == ">=" else after < before
    return "提高" if stricter else "降低"


# --- regression cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseResult:
    name: str
    expected_verdict: str
    expected_failed: list[str]
    verdict: str
    failed: list[str]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems and self.verdict == self.expected_verdict and self.failed == self.expected_failed


def run_cases(rulebook: Rulebook, cases_dir: Path) -> list[CaseResult]:
    results = []
    for path in sorted(cases_dir.glob("*.json")):
        results.append(run_case(rulebook, path))
    return results


def run_case(rulebook: Rulebook, path: Path) -> CaseResult:
    expected_verdict, expected_failed = "?", []
    try:
        case, problems = parse_json_text(path.read_bytes())
        expect = case.get("expect", {})
        expected_verdict = str(expect.get("verdict", "?"))
        expected_failed = [str(x) for x in expect.get("failed", [])]
        application = case.get("application")
        if not isinstance(application, dict) or not isinstance(case.get("as_of"), str):
            raise InvalidInput([Problem("$", "案例须含 application 对象与 as_of 日期")])
        decision = decide(prepare(RawApplication(str(path), application, tuple(problems)), rulebook, date.fromisoformat(case["as_of"])))
    except InvalidInput as error:
        return CaseResult(path.name, expected_verdict, expected_failed, "invalid", [], error.problems)
    except (OSError, ValueError) as error:
        return CaseResult(path.name, expected_verdict, expected_failed, "invalid", [], [Problem("$", str(error))])
    failed = [f.rule.id for f in decision.findings if f.failed]
    return CaseResult(path.name, expected_verdict, expected_failed, decision.verdict, failed, [])


# --- impact -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    source: str
    case_id: str
    name: str
    before: str
    after: str
    rules: tuple[str, ...]  # the rules behind the flip, in words

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "id": self.case_id, "name": self.name, "before": self.before, "after": self.after,
            "rules": list(self.rules),
        }  # fmt: skip


@dataclass(frozen=True)
class ImpactReport:
    evaluated: int  # applications judged under at least one of the rule books
    invalid: list[tuple[str, list[dict[str, str]]]]  # refused under both: not part of the comparison
    changed: list[Impact]


def verdict_text(verdict: str) -> str:
    return VERDICTS.get(verdict, "无效")


def _rules_behind(before: Decision, after: Decision) -> tuple[str, ...]:
    """Each rule whose requirement or outcome differs, as 指标：要求 → 要求（实际值，结果 → 结果）."""
    old = {f.rule.id: f for f in before.findings}
    lines = []
    for finding in after.findings:
        previous = old.get(finding.rule.id)
        now = FindingCells.of(finding)
        if previous is None:
            lines.append(f"{now.label}：新增规则，要求{now.requirement}（实际 {now.actual}，{now.result}）")
            continue
        was = FindingCells.of(previous)
        if (was.requirement, was.result) != (now.requirement, now.result) and (previous.failed or finding.failed):
            lines.append(f"{now.label}：要求由“{was.requirement}”改为“{now.requirement}”（实际 {now.actual}，{was.result} → {now.result}）")
    current_ids = {f.rule.id for f in after.findings}
    lines += [
        f"{FindingCells.of(f).label}：拟议规则删除了该项（原为{FindingCells.of(f).result}）"
        for f in before.findings
        if f.rule.id not in current_ids
    ]
    if before.major_project != after.major_project:
        lines.append("重大项目认定：" + ("是 → 否" if before.major_project else "否 → 是"))
    if before.prepared.tier.label != after.prepared.tier.label:
        lines.append(f"区域分类：{before.prepared.tier.label} → {after.prepared.tier.label}")
    return tuple(lines)


def impact(current: Rulebook, proposed: Rulebook, paths: list[Path], as_of: date) -> ImpactReport:
    """Every application judged under both rule books: the verdicts that differ, with the rules
    behind each flip. Inputs invalid under both are counted apart, never as "unchanged"."""
    changed: list[Impact] = []
    invalid: list[tuple[str, list[dict[str, str]]]] = []
    evaluated = 0
    for item in collect(paths):
        before, after = try_decide(item, current, as_of), try_decide(item, proposed, as_of)
        if not isinstance(before, Decision) and not isinstance(after, Decision):
            invalid.append((item.source, before["error"]["problems"]))
            continue
        if isinstance(before, Decision) and isinstance(after, Decision):
            evaluated += 1
            if before.verdict != after.verdict:
                app = after.application
                changed.append(Impact(item.source, app.id, app.name, before.verdict, after.verdict, _rules_behind(before, after)))
            continue
        evaluated += 1
        decided, refused = (before, after) if isinstance(before, Decision) else (after, before)
        assert isinstance(decided, Decision) and not isinstance(refused, Decision)
        reason = "；".join(p["message"] for p in refused["error"]["problems"])
        verdicts = (decided.verdict, "invalid") if decided is before else ("invalid", decided.verdict)
        app = decided.application
        changed.append(Impact(item.source, app.id, app.name, verdicts[0], verdicts[1], (f"无法审查：{reason}",)))
    return ImpactReport(evaluated, invalid, changed)


def ruleset_table(selected: Any) -> list[list[str]]:
    """A rule set in force as the office reads it: a header, then one row per rule with each
    district tier's requirement, unit, 必备/参考 and source (``rules list`` and the rules page)."""
    from admission.vocabulary import SEVERITIES

    tiers = selected.version.tiers
    rows = [["指标", *[t.label for t in tiers], "单位", "必备/参考", "依据"]]
    for rule in selected.ruleset.rules:
        rows.append([rule.label, *[requirement(rule, t.level) for t in tiers], rule.unit or "—", SEVERITIES[rule.severity], rule.source])
    return rows
