"""What supervision shows a person: the terminal lines, the 督办通知 and the 考核 documents (公文),
and the workbooks. Every figure is taken from the computed results; nothing is recomputed here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from admission.dates import date_zh
from admission.documents.sheets import RATE_FORMAT, Sheet, Value, xlsx_bytes
from admission.documents.templating import Office, office_settings, render_document
from admission.ledger.history import Record, Snapshot
from admission.ledger.supervision import RoundItem
from admission.numbers import grouped, percent, trimmed
from admission.supervision.chase import round_item
from admission.vocabulary import CITY, DIRECTIONS, LIGHTS, NOTE_FIELDS

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


def _day(text: str) -> str:
    return date_zh(date.fromisoformat(text))


def figure_text(value: Any, proportion: bool, indicator: str = "") -> str:
    """A target's or an actual value as documents print it: 70.0% for shares and rates, amounts
    in 亿元 with two decimals and separators, counts whole."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if proportion:
        return percent(number, 1)
    if indicator.endswith("_yi"):
        return grouped(number)
    return trimmed(number)


def completion_text(row: dict[str, Any]) -> str:
    return percent(Decimal(str(row["completion"])), 1)


def ahead_text(row: dict[str, Any]) -> str:
    """快于序时进度 3.2 个百分点 / 慢于 … / 与序时进度持平 (for shares: 高于目标 …)."""
    points = Decimal(str(row["ahead_points"]))
    if row["proportion"]:
        return "达到目标" if points >= 0 else f"低于目标 {-points:.1f} 个百分点"
    if points == 0:
        return "与序时进度持平"
    return f"{'快于' if points > 0 else '慢于'}序时进度 {abs(points):.1f} 个百分点"


def target_cells(row: dict[str, Any]) -> dict[str, Any]:
    proportion, code = row["proportion"], row["indicator"]
    return {**row, "direction_sign": DIRECTIONS[row["direction"]], "target_text": figure_text(row["target"], proportion, code),
            "actual_text": figure_text(row["actual"], proportion, code), "completion_text": completion_text(row),
            "ahead_text": ahead_text(row), "light_label": LIGHTS[row["light"]],
            "weight_text": trimmed(Decimal(str(row["weight"]))) if row["weight"] is not None else "—",
            "score_text": f"{Decimal(str(row['score'])):.2f}" if row["score"] is not None else "—"}  # fmt: skip


def monthly_target_text(row: dict[str, Any]) -> str:
    """One target in the 月通报's running text: 评审项目数完成 12（目标 20，60.0%，慢于序时进度 31.7 个百分点，红灯）."""
    cells = target_cells(row)
    return (f"{cells['label']}完成 {cells['actual_text']}（目标 {cells['direction_sign']} {cells['target_text']}，"
            f"{cells['completion_text']}，{cells['ahead_text']}，{cells['light_label']}）")  # fmt: skip


# --- the terminal -----------------------------------------------------------------------------------


def targets_lines(report: dict[str, Any]) -> list[str]:
    schedule = percent(Decimal(str(report["schedule"])), 1)
    lines = [f"{report['year']} 年{report['region']}目标任务完成情况（截至 {report['as_of']}，序时进度 {schedule}）"]
    if not report["targets"]:
        lines.append(f"台账中没有 {report['year']} 年{report['region']}的目标任务（用 admit targets set 或台账工作簿的“目标任务”表录入）。")
        return lines
    for row in map(target_cells, report["targets"]):
        score = f"，权重 {row['weight_text']}，得分 {row['score_text']}" if row["weight"] is not None else ""
        goal = f"目标 {row['direction_sign']} {row['target_text']}，完成 {row['actual_text']}"
        lines.append(f"  [{row['light_label']}] {row['label']}：{goal}，完成率 {row['completion_text']}，{row['ahead_text']}{score}")
        if row["reason"]:
            lines.append(f"      未达标原因：{row['reason']}")
    if any(r["weight"] is not None for r in report["targets"]):
        lines.append(f"  自评总分 {Decimal(str(report['total_score'])):.2f}（权重合计 {trimmed(Decimal(str(report['total_weight'])))}）")
    return lines


def assessment_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"{result['year']} 年度各区域招商引资工作考核（截至 {result['as_of']}）"]
    for d in result["districts"]:
        lines.append(f"  第 {d['rank']} 名  {d['district']}  {Decimal(str(d['score'])):.2f} 分")
    if result["unassessed"]:
        lines.append(f"  未设定计分目标、未参加考核：{'、'.join(result['unassessed'])}")
    lines.append(f"通报表扬（前 {result['praise_top']} 名）：{'、'.join(result['praise']) or '无'}")
    lines.append(f"约谈（低于 {result['interview_score']} 分）：{'、'.join(result['interview']) or '无'}")
    return lines


def chase_lines(result: dict[str, Any]) -> list[str]:
    counts = result["counts"]
    where = result["district"] or CITY
    lines = [f"{where}督办项目（截至 {result['as_of']}）：红灯 {counts['red']} 个，黄灯 {counts['yellow']} 个，绿灯 {counts['green']} 个"]
    for p in result["projects"]:
        lines.append(f"  [{p['light_label']}] {p['district']}  {p['project']}  {p['name']}")
        for i in p["items"]:
            rounds = f"，已督办 {len(i['rounds'])} 次" if i["rounds"] else ""
            lines.append(f"      {i['label']}：应于 {i['due']} 前完成，逾期 {i['overdue_days']} 天［{LIGHTS[i['light']]}］{rounds}")
        if p["note"] and p["note"]["progress"]:
            lines.append(f"      目前进展（{p['note']['on']}）：{p['note']['progress']}")
    for r in result["rounds"]:
        lines.append(f"督办通知 {r['notice']}（{r['number']}，{r['issued_on']} 发{r['district']}，{r['reply_due']} 前反馈）：")
        for i in r["items"]:
            lines.append(f"  {i['position']}. {i['project']}  {i['name']}  {i['label']}［{i['state_label']}］")
    return lines


# --- 督办通知 ----------------------------------------------------------------------------------------


def issue_items(result: dict[str, Any]) -> list[RoundItem]:
    """The items a new 督办 round lists: every overdue item of the chased projects, with the latest note."""
    items = []
    for p in result["projects"]:
        note = p["note"]
        text = "；".join(f"{label}：{note[key]}" for key, label in NOTE_FIELDS[:3] if note and note[key]) or None
        for i in p["items"]:
            items.append(RoundItem(p["project"], i["item"], date.fromisoformat(i["due"]), i["light"], text))
    return items


def notice_view(snapshot: Snapshot, notice: Record, as_of: date | None = None) -> dict[str, Any]:
    """A recorded 督办 round as its notice shows it: the items as issued, their states and replies
    as of ``as_of`` (default: its issue day, as the document printed them)."""
    items = []
    for item in notice["items"]:
        shown = round_item(snapshot, notice, item, as_of or notice.issued_on)
        overdue = (notice.issued_on - item.due_on).days
        items.append({**shown, "overdue_days": overdue, "note": item.note, "light_label": LIGHTS[item.light]})
    return {"notice": int(notice.id), "number": notice.number, "issued_on": notice.issued_on.isoformat(), "district": notice.district,
            "reply_due": notice.reply_due.isoformat(), "items": items}  # fmt: skip


def notice_html(notice: dict[str, Any], templates: Path | None, office: Office) -> str:
    """The 督办通知: a 公文 to the district's government, its items in a table, the reply deadline."""
    district = notice["district"]
    labels = list(dict.fromkeys(i["label"] for i in notice["items"]))
    context = {
        "title": f"关于督促{district}加快推进招商引资项目的通知",
        "office": office,
        "number": notice["number"],
        "addressee": f"{district}人民政府：",
        "you": "你市" if district.endswith("市") else "你区",
        "issued_zh": _day(notice["issued_on"]),
        "reply_due_zh": _day(notice["reply_due"]),
        "project_count": len({i["project"] for i in notice["items"]}),
        "labels": "、".join(labels),
        "items": [{**i, "due_zh": _day(i["due"])} for i in notice["items"]],
        "copy_to": office.supervision_copy_to_for(district),
    }
    return render_document(templates, "supervision_notice.html.j2", context)


# --- 绩效自评表 and 年考核 -----------------------------------------------------------------------------


def targets_html(report: dict[str, Any], templates: Path | None, issued: date) -> str:
    office = office_settings(templates)
    rows = [target_cells(r) for r in report["targets"]]
    context = {
        "title": f"{report['year']}年度{'' if report['region'] == CITY else report['region']}招商引资工作目标任务完成情况自评表",
        "office": office,
        "number": office.number_for(issued, office.report_number),
        "issued_zh": date_zh(issued),
        "as_of_zh": _day(report["as_of"]),
        "schedule_text": percent(Decimal(str(report["schedule"])), 1),
        "report": report,
        "rows": rows,
        "scored": any(r["weight"] is not None for r in rows),
        "total_score": f"{Decimal(str(report['total_score'])):.2f}",
        "total_weight": trimmed(Decimal(str(report["total_weight"]))),
    }
    return render_document(templates, "targets.html.j2", context)


def _district_cells(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "score_text": f"{Decimal(str(d['score'])):.2f}", "targets": [target_cells(t) for t in d["targets"]]}


def _verdict(result: dict[str, Any], district: str) -> str:
    return "通报表扬" if district in result["praise"] else "约谈" if district in result["interview"] else ""


def assessment_html(result: dict[str, Any], templates: Path | None, issued: date) -> str:
    office = office_settings(templates)
    context = {
        "title": f"关于{result['year']}年度各县（市、区）招商引资工作考核结果的通报",
        "office": office,
        "number": office.number_for(issued, office.report_number),
        "issued_zh": date_zh(issued),
        "as_of_zh": _day(result["as_of"]),
        "result": result,
        "districts": [_district_cells(d) for d in result["districts"]],
    }
    return render_document(templates, "assessment.html.j2", context)


def _figure(value: Any) -> Value:
    return None if value is None else Decimal(str(value))


def _target_sheet_rows(rows: list[dict[str, Any]]) -> list[list[Value]]:
    return [
        [r["region"], r["label"], DIRECTIONS[r["direction"]], _figure(r["target"]), _figure(r["actual"]),
         Decimal(str(r["completion"])), Decimal(str(r["ahead_points"])), LIGHTS[r["light"]],
         None if r["weight"] is None else Decimal(str(r["weight"])), None if r["score"] is None else Decimal(str(r["score"])), r["reason"]]
        for r in rows
    ]  # fmt: skip


TARGET_HEADERS = ("区域", "指标", "方向", "预期值", "实现值", "完成率", "快于序时进度（百分点）", "灯号", "权重", "自评分数", "未达标原因")


def _light_fill(column: int) -> Any:
    by_label = {label: LIGHT_FILLS[code] for code, label in LIGHTS.items()}
    return lambda row: (column, by_label[str(row[column])]) if str(row[column]) in by_label else None


def targets_xlsx(report: dict[str, Any]) -> bytes:
    return xlsx_bytes([Sheet("目标任务完成情况", TARGET_HEADERS, _target_sheet_rows(report["targets"]),
                             number_formats={5: RATE_FORMAT, 8: "0.00", 9: "0.00"}, fill=_light_fill(7))])  # fmt: skip


def assessment_xlsx(result: dict[str, Any]) -> bytes:
    ranking: list[list[Value]] = [[d["rank"], d["district"], Decimal(str(d["score"])), _verdict(result, d["district"])]
                                  for d in result["districts"]]  # fmt: skip
    details = _target_sheet_rows([t for d in result["districts"] for t in d["targets"]])
    return xlsx_bytes([
        Sheet("考核排名", ("排名", "区域", "总分", "结果"), ranking, number_formats={2: "0.00"}),
        Sheet("计分明细", TARGET_HEADERS, details, number_formats={5: RATE_FORMAT, 8: "0.00", 9: "0.00"}, fill=_light_fill(7)),
    ])  # fmt: skip


CHASE_HEADERS = ("区域", "案件编号", "项目名称", "项目灯号", "督办事项", "应完成日期", "逾期天数", "事项灯号", "已督办次数", "目前进展",
                 "存在问题")  # fmt: skip
ROUND_HEADERS = ("通知", "文号", "发出日期", "区域", "反馈期限", "序号", "案件编号", "项目名称", "督办事项", "办理情况", "反馈内容")


def chase_xlsx(result: dict[str, Any]) -> bytes:
    rows: list[list[Value]] = []
    for p in result["projects"]:
        note = p["note"] or {}
        for i in p["items"]:
            rows.append([p["district"], p["project"], p["name"], LIGHTS[p["light"]], i["label"], date.fromisoformat(i["due"]),
                         i["overdue_days"], LIGHTS[i["light"]], len(i["rounds"]), note.get("progress"), note.get("problems")])  # fmt: skip
    rounds: list[list[Value]] = [
        [r["notice"], r["number"], date.fromisoformat(r["issued_on"]), r["district"], date.fromisoformat(r["reply_due"]), i["position"],
         i["project"], i["name"], i["label"], i["state_label"], "；".join(a["text"] or "" for a in i["actions"] if a["kind"] == "reply")]
        for r in result["rounds"] for i in r["items"]
    ]  # fmt: skip
    return xlsx_bytes([Sheet("督办项目", CHASE_HEADERS, rows, fill=_light_fill(3)), Sheet("督办通知", ROUND_HEADERS, rounds)])

