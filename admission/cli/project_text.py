"""One project of the ledger as Chinese text for a terminal (``admit ledger show``)."""

from __future__ import annotations

from typing import Any

from admission.dates import beijing_time
from admission.text import pad, safe
from admission.vocabulary import CONTRACT_DATES, DEVIATION, MILESTONES

_LABELS = {**dict(MILESTONES), **dict(CONTRACT_DATES), "land_price": "出让价款（万元）", "land_source": "用地来源", "name": "项目名称",
           "district": "所在区域", "type": "项目类型", "industry_code": "行业代码", "chain": "重点产业链",
           "total_investment": "计划总投资（万元）", "tax": "实际税收（万元）", "output": "实际产值（万元）",
           "fixed_assets": "累计固定资产投资（万元）", "result": "审议结果", "conditions": "附加条件"}  # fmt: skip


def _before_after(detail: dict[str, Any]) -> list[str]:
    """An event's changes as 标签：前 → 后, in Chinese (what the event's JSON keeps)."""
    changes = detail.get("changes", detail)
    shown = [
        f"{_LABELS.get(key, key)}：{change.get('before') or '—'} → {change.get('after') or '—'}"
        for key, change in changes.items()
        if isinstance(change, dict) and "after" in change
    ]
    before = detail.get("before")
    if isinstance(before, dict) and "result" in before:
        shown.append(f"审议结果：{before['result']} → {detail.get('result')}")
    return shown


def render_project(detail: dict[str, Any], style: Any) -> str:
    title = f"{safe(detail['id'])}  {safe(detail['name'])}"
    if detail.get("as_recorded"):
        title += f"（截至 {beijing_time(detail['as_recorded'])} 已登记的情况）"
    lines = [style(title, "title")]
    facts = [
        ("所在区域", detail["district"]),
        ("项目类型", detail["type_label"]),
        ("行业代码", detail["industry_code"] or "未提供"),
        ("重点产业链", detail["chain"] or "无"),
        ("计划总投资", f"{detail['total_investment']} 万元" if detail["total_investment"] else "未提供"),
        ("用地来源", detail["land_source"]),
        ("当前阶段", detail["stage"]),
    ]
    lines += [f"  {pad(k, 12)}{safe(str(v))}" for k, v in facts]
    lines.append(style("申请修订与审查结论", "title"))
    by_revision: dict[int, list[dict[str, Any]]] = {}
    for decision in detail["decisions"]:
        by_revision.setdefault(decision["revision"], []).append(decision)
    for revision in detail["revisions"]:
        when, who = beijing_time(revision["recorded_at"]), safe(revision["recorded_by"])
        lines.append(f"  第 {revision['number']} 版  {when}  {who}  来源 {safe(revision['source'])}")
        lines += [f"      {safe(change['text'])}" for change in revision["changes"]]
        for decision in by_revision.get(revision["number"], []):
            failed = f"，未达标：{'、'.join(decision['failed_rules'])}" if decision["failed_rules"] else ""
            lines.append(f"      {decision['verdict_label']}（{decision['rulebook_version']}，审查日期 {decision['review_date']}{failed}）")
    if detail["terminated"]:
        lines.append(style(f"已终止：{detail['terminated']['on']}，{safe(detail['terminated']['reason'])}", "fail"))
    if detail["transfers"]:
        lines.append(style("项目流转", "title"))
        for move in detail["transfers"]:
            lines.append(f"  {move['on']}  {move['from']} → {move['to']}（{safe(move['approval'])}）{safe(move['reason'] or '')}")
    if detail["refused_submissions"]:
        lines.append(style("受理登记（退回补正的材料）", "title"))
        for refused in detail["refused_submissions"]:
            first = refused["problems"][0]["message"] if refused["problems"] else ""
            lines.append(
                f"  {beijing_time(refused['recorded_at'])}  {safe(refused['source'])}：{safe(first)} 等 {len(refused['problems'])} 个问题"
            )
    lines.append(style("会议审议", "title"))
    if not detail["resolutions"]:
        lines.append("  尚无审议结果")
    for resolution in detail["resolutions"]:
        meeting = resolution["meeting"]
        flag = f"  【{DEVIATION}】" if resolution["deviation"] else ""
        conditions = f"；附加条件：{safe(resolution['conditions'])}" if resolution["conditions"] else ""
        held = f"{meeting['year']} 年第 {meeting['number']} 次会议（{meeting['date']}）"
        line = f"  {held}：{resolution['result']}{conditions}（第 {resolution['revision']} 版）{flag}"
        lines.append(style(line, "fail") if resolution["deviation"] else line)
    lines.append(style("进度节点", "title"))
    lines += [f"  {pad(label, 12)}{value or '—'}" for label, value in detail["milestones"].items()]
    lines.append(style("土地合同", "title"))
    lines += [f"  {pad(label, 18)}{value or '—'}" for label, value in detail["land_contract"].items()]
    lines.append(style("年度履约数据（万元）", "title"))
    if not detail["yearly_results"]:
        lines.append("  尚无数据")
    for result in detail["yearly_results"]:
        figures = f"实际税收 {result['tax'] or '—'}  实际产值 {result['output'] or '—'}  累计固定资产投资 {result['fixed_assets'] or '—'}"
        lines.append(f"  {result['year']} 年  {figures}")
    lines.append(style("变更记录", "title"))
    for event in detail["events"]:
        kind = event["kind_label"]
        lines.append(f"  #{event['seq']}  {beijing_time(event['at'])}  {safe(event['actor'])}  {kind}  {safe(event['source'])}")
        lines += [f"      {safe(change)}" for change in _before_after(event["detail"])]
    return "\n".join(lines)
