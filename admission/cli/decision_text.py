"""The human report of ``admit check``: Chinese, aligned for a terminal, colour left to the caller."""

from __future__ import annotations

from collections.abc import Callable

from admission.review.decision import Decision
from admission.review.remedies import remedy_lines, scope_line
from admission.review.wording import FindingCells
from admission.text import format_table, pad, safe
from admission.vocabulary import VERDICTS

# A style function: (text, role) -> text. Roles: "pass", "fail", "warn", "title". The CLI passes
# one that adds ANSI colour; tests and pipes get plain text.
Style = Callable[[str, str], str]


def plain_style(text: str, role: str) -> str:
    return text


def render_decision(decision: Decision, style: Style = plain_style) -> str:
    app = decision.application
    selected = decision.selected
    version = selected.version
    tier = decision.prepared.tier
    lines = [style("项目准入审查结果", "title"), ""]
    facts = [
        ("案件编号", safe(app.id)),
        ("项目名称", safe(app.name)),
        ("投资主体", safe(app.applicant.name)),
        ("项目类型", selected.ruleset.label),
        ("所在区域", f"{safe(app.district)}（{tier.label}）"),
        ("规则版本", f"{version.version}，{version.period_text()}"),
        ("规则摘要", selected.digest),
    ]
    if version.special_review is not None:
        facts.append(("重大项目", "是" if decision.major_project else "否"))
    lines += [f"{pad(k, 10)}{v}" for k, v in facts]
    lines.append("")

    cells = [FindingCells.of(f) for f in decision.findings]
    table = format_table([["指标", "要求", "实际值", "结果"], *([c.label, c.requirement, c.actual, c.result] for c in cells)])
    lines.append(style(table[0], "title"))
    for finding, line in zip(decision.findings, table[1:], strict=True):
        lines.append(style(line, ("fail" if finding.mandatory else "warn") if finding.failed else "plain"))
    lines.append("")
    role = {"approve": "pass", "conditional": "warn", "reject": "fail"}[decision.verdict]
    lines.append(style(f"结论：{VERDICTS[decision.verdict]}", role))
    lines.append(decision.conclusion)
    lines.append("理由：")
    lines += [f"  {number}. {reason}" for number, reason in enumerate(decision.reasons, 1)]
    if decision.concerns:
        lines.append("关注事项：")
        lines += [f"  {number}. {concern}" for number, concern in enumerate(decision.concerns, 1)]
    scope = scope_line(decision)
    if scope:
        lines.append(f"准入范围：{scope}")
    if decision.remedies:
        lines.append("达标所需（单项调整，其他条件不变）：")
        lines += [f"  - {line}" for line in remedy_lines(decision)]
    return "\n".join(lines)
