"""``admit rules …``: the rule book viewed, validated, compared, tested and its impact measured."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_of_option_saying, json_option, uses_admit
from admission.cli.shell import AdmitGroup, emit_json, reports_errors, terminal_style
from admission.dates import date_zh
from admission.errors import UsageError
from admission.intake.workbook import source_label
from admission.numbers import percent
from admission.rules.rulebook import default_rules_dir, load_rulebook
from admission.rules.tools import (
    diff,
    find_rule,
    impact,
    in_force,
    indicator_formula,
    listing_json,
    project_type_code,
    resolve_side,
    rule_requirement,
    ruleset_table,
    run_cases,
    supervision_lines,
    term_lines,
    verdict_text,
)
from admission.text import format_table, pad, safe
from admission.vocabulary import SEVERITIES, type_label


@click.group(cls=AdmitGroup)
def rules() -> None:
    """规则库工具：查看、校验、比较、回归测试与影响分析。"""


@rules.command("list")
@click.option("--type", "project_type", metavar="项目类型", default=None, help="只列出这一项目类型：工业项目、工业地产项目、物流项目。")
@json_option()
@as_of_option_saying("列出这一天生效的规则（默认今天）。")
@uses_admit()
@reports_errors
def rules_list(admit: Admit, project_type: str | None, as_json: bool, as_of: date | None) -> None:
    """列出规则版本与规则集，并逐条列出审查日期当日生效的规则（各区域分类的门槛及其所辖区域）。

    \b
    示例：
      admit rules list
      admit rules list --as-of 2020-01-01 --type 工业项目
      admit rules list --json
    """

    rulebook = admit.rulebook
    on = as_of or date.today()
    if project_type is not None:
        project_type = project_type_code(rulebook, project_type)
    if as_json:
        emit_json(listing_json(rulebook, on, project_type))
        return
    click.echo(terminal_style("规则版本", "title"))
    for version in rulebook.versions:
        mark = "（审查日期当日生效）" if version.in_force(on) else ""
        types = "、".join(rs.label for rs in version.rulesets.values())
        click.echo(f"  {version.version}  {version.period_text()}  {types}{mark}")
        click.echo(f"      {version.title}")
    shown_terms: set[str] = set()
    for selected in in_force(rulebook, on, project_type):
        if selected.version.version not in shown_terms:
            shown_terms.add(selected.version.version)
            click.echo("")
            click.echo(terminal_style(f"履约条款 · {selected.version.version}（追偿违约责任，见 admit monitor）", "title"))
            for label, text in term_lines(selected.version.monitoring):
                click.echo(f"  {pad(label, 36)}{text}")
            click.echo("")
            click.echo(terminal_style(f"督办与考核 · {selected.version.version}（见 admit supervise、admit report targets）", "title"))
            for label, text in supervision_lines(selected.version.supervision):
                click.echo(f"  {pad(label, 36)}{text}")
        tiers = selected.version.tiers
        click.echo("")
        click.echo(terminal_style(f"{selected.ruleset.label} · {selected.version.version} · {date_zh(on)} 适用", "title"))
        for tier in tiers:
            click.echo(f"  {tier.label}：{'、'.join(tier.districts)}")
        for line in format_table(ruleset_table(selected)):
            click.echo("  " + line)
    if not in_force(rulebook, on, project_type):
        click.echo(f"\n{date_zh(on)} 没有生效的规则集。")


@rules.command("show")
@click.argument("rule_id", metavar="规则")
@click.option("--version", "version_name", default=None, help="只看这一版本。")
@uses_admit()
@reports_errors
def rules_show(admit: Admit, rule_id: str, version_name: str | None) -> None:
    """查看一条规则：各版本、各区域分类的门槛，依据，以及所用指标的计算公式。

    规则可写中文名称（亩均税收）或规则编号（tax_per_mu）；写“履约条款”（或 monitoring）时查看履约条款，
    写“督办与考核”（或 supervision）时查看督办期限、亮灯和考核计分的参数。

    \b
    示例：
      admit rules show 亩均税收
      admit rules show 履约条款
      admit rules show 督办与考核
      admit rules show 容积率 --version JM-2022
    """

    rulebook = admit.rulebook
    if rule_id in ("supervision", "督办与考核"):
        for version in rulebook.versions:
            if version_name in (None, version.version):
                click.echo(terminal_style(f"督办与考核 · {version.version}（{version.period_text()}）", "title"))
                for label, text in supervision_lines(version.supervision):
                    click.echo(f"  {pad(label, 36)}{text}")
        return
    if rule_id in ("monitoring", "履约条款"):
        for version in rulebook.versions:
            if version_name not in (None, version.version):
                continue
            click.echo(terminal_style(f"履约条款 · {version.version}（{version.period_text()}）", "title"))
            for label, text in term_lines(version.monitoring):
                click.echo(f"  {pad(label, 36)}{text}")
            terms = version.monitoring
            sources = (
                terms.source_late,
                terms.source_idle,
                terms.source_investment,
                terms.source_tax,
                terms.source_cap,
                terms.source_delay,
            )
            for source in dict.fromkeys(sources):
                click.echo(f"  依据：{source}")
        return
    found = find_rule(rulebook, rule_id, version_name)
    first = found[0][2]
    click.echo(terminal_style(f"{first.label}（规则编号 {first.id}）", "title"))
    click.echo(f"计算公式：{indicator_formula(first)}")
    for version, project_type, rule in found:
        click.echo("")
        label = version.rulesets[project_type].label
        click.echo(terminal_style(f"{version.version}（{version.period_text()}）· {label} · {SEVERITIES[rule.severity]}", "title"))
        for tier in version.tiers:
            click.echo(f"  {tier.label}（{'、'.join(tier.districts)}）：{rule_requirement(rule, tier.level)}")
        if version.special_review is not None and rule.severity == "mandatory" and rule.operator != "in":
            click.echo(f"  一事一议：重大项目未达标时，差距在标准的 {percent(version.special_review.tolerance)} 以内可提请联席会议一事一议")
        click.echo(f"  依据：{rule.source}")


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@reports_errors
def rules_validate(directory: Path | None) -> None:
    """校验规则库（不审查任何申请）：结构、单位、版本日期重叠或间断、区域遗漏、未知指标、门槛类型。

    退出码：0 有效，2 有问题（逐条列出文件与键）。

    \b
    示例：
      admit rules validate
      admit rules validate ./proposed-rules
    """

    rulebook = load_rulebook(directory or default_rules_dir())
    rulesets = sum(len(v.rulesets) for v in rulebook.versions)
    count = sum(len(rs.rules) for v in rulebook.versions for rs in v.rulesets.values())
    click.echo(f"规则库有效：{rulebook.directory}，{len(rulebook.versions)} 个版本，{rulesets} 个规则集，{count} 条规则。")


@rules.command("diff")
@click.argument("old", metavar="原版本")
@click.argument("new", metavar="新版本")
@json_option()
@as_of_option_saying("比较规则库目录时，各项目类型取这一天生效的版本（默认取最新版本）。")
@uses_admit()
@reports_errors
def rules_diff(admit: Admit, old: str, new: str, as_json: bool, as_of: date | None) -> None:
    """比较两个规则版本或两份规则库：逐个区域、逐条规则列出门槛的提高、降低、新增与删除，以及区域分类、一事一议条款、疑似填报错误界限和履约条款的变化。

    原版本、新版本为版本号（取自 --rules 或默认规则库）、规则库目录（各类型取最新版本，或 --as-of 当日生效的版本），或“目录:版本号”。

    \b
    示例：
      admit rules diff JM-2014 JM-2022
      admit rules diff rules/ ./proposed-rules
    """

    rulebook = admit.rulebook
    old_label, old_sets = resolve_side(old, rulebook, as_of)
    new_label, new_sets = resolve_side(new, rulebook, as_of)
    changes = diff(old_sets, new_sets)
    if as_json:
        emit_json({"old": old_label, "new": new_label, "changes": [c.to_json() for c in changes]})
        return
    click.echo(terminal_style(f"规则比较：{old_label} → {new_label}", "title"))
    if not changes:
        click.echo("没有差异。")
        return

    for section in dict.fromkeys(c.section for c in changes):
        shown = [c for c in changes if c.section == section]
        click.echo("")
        click.echo(terminal_style(section, "title"))
        if section == "规则":
            rows = [["项目类型", "指标", "区域", "原要求", "新要求", "变化"]]
            rows += [[type_label(c.type), c.label, c.districts, c.old, c.new, c.kind] for c in shown]
        elif section == "区域分类":
            rows = [["区域", "原分类", "新分类", "变化"], *([c.districts, c.old, c.new, c.kind] for c in shown)]
        else:
            long = [c for c in shown if max(len(c.old), len(c.new)) > 24]  # a list (重点产业链) gets lines of its own
            rows = [["项目", "原规定", "新规定", "变化"], *([c.label, c.old, c.new, c.kind] for c in shown if c not in long)]
            for change in long:
                click.echo(f"  {change.label}（{change.kind}）：原 {change.old}；新 {change.new}")
        for line in format_table(rows) if len(rows) > 1 else []:
            click.echo("  " + line)
    click.echo(f"\n共 {len(changes)} 处变化。")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@reports_errors
def rules_test(directory: Path | None) -> None:
    """运行规则库自带的回归案例（DIR/cases/*.json：申请材料、审查日期、应得结论与未达标规则）。

    退出码：0 全部符合，1 有不符，2 规则库无效。

    \b
    示例：
      admit rules test
      admit rules test ./proposed-rules
    """

    rules_dir = directory or default_rules_dir()
    rulebook = load_rulebook(rules_dir)
    results = run_cases(rulebook, rules_dir / "cases")
    if not results:
        raise UsageError(f"{rules_dir / 'cases'} 中没有回归案例（*.json）")
    failures = [r for r in results if not r.ok]
    for result in failures:
        click.echo(terminal_style(f"不符：{result.name}", "fail"))
        click.echo(f"  应为：{result.expected_verdict}，未达标 {result.expected_failed}")
        click.echo(f"  实得：{result.verdict}，未达标 {result.failed}")
        for problem in result.problems:
            click.echo(f"  {problem.path}：{problem.message}")
    passed = len(results) - len(failures)
    click.echo(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


@rules.command("impact")
@click.argument("new_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option()
@as_of_option_saying("重新审查所用的审查日期；申请未填受理日期时据此选择两套规则中的版本（默认今天）。")
@uses_admit()
@reports_errors
def rules_impact(admit: Admit, new_dir: Path, paths: tuple[Path, ...], as_json: bool, as_of: date | None) -> None:
    """用拟议的规则库重新审查一批申请，列出结论会改变的项目（如 建议准入 → 不予准入）。

    \b
    示例：
      admit rules impact ./proposed-rules samples/
      admit rules impact ./proposed-rules 往期申请/ intake.xlsx --json
    """

    current = admit.rulebook
    proposed = load_rulebook(new_dir)

    report = impact(current, proposed, list(paths), as_of or date.today())
    if as_json:
        invalid = [{"source": source, "problems": problems} for source, problems in report.invalid]
        emit_json({"evaluated": report.evaluated, "invalid": invalid, "changed": [c.to_json() for c in report.changed]})
        return
    total = report.evaluated + len(report.invalid)
    head = f"影响分析：共 {total} 份申请，可审查 {report.evaluated} 份，其中 {len(report.changed)} 份结论将改变"
    if report.invalid:
        head += f"；另有 {len(report.invalid)} 份在两套规则下均为无效材料，未纳入比较"
    click.echo(terminal_style(head, "title"))
    for change in report.changed:
        flip = f"{verdict_text(change.before)} → {verdict_text(change.after)}"
        click.echo(f"  {safe(change.case_id)}  {safe(change.name)}：{flip}  （{safe(source_label(change.source))}）")
        for rule in change.rules:
            click.echo(f"      {safe(rule)}")
    for source, problems in report.invalid:
        click.echo(
            f"  [无效] {safe(source_label(source))}：{safe(problems[0]['message'])}"
            + (f" 等 {len(problems)} 个问题" if len(problems) > 1 else "")
        )


# The ledger's and the monitor's commands live in their own modules; importing them registers
# them on ``main``.
