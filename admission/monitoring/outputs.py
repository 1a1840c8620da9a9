"""What the monitor shows: terminal lines, the district workbook, and the PDF's HTML."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from admission.dates import date_zh
from admission.documents.sheets import Sheet, Value, xlsx_bytes
from admission.documents.templating import office_settings, render_document
from admission.numbers import grouped
from admission.text import safe
from admission.vocabulary import FINDING_KINDS

FINDING_HEADERS = ("区域", "案件编号", "项目名称", "核查结果", "年度", "逾期天数", "金额（万元）", "处理情况", "计算说明", "依据")


def _amount(value: Any) -> str:
    return grouped(Decimal(str(value))) if value is not None else "—"


def empty_text(result: dict[str, Any], as_of: date) -> str:
    summary = result["summary"]
    if not summary["projects_checked"] and not summary.get("projects_not_checked"):
        return f"截至{date_zh(as_of)}，台账中没有过会项目，无需核查。"
    if summary.get("projects_not_checked"):  # never an all-clear while a passed project was not checked
        return not_checked_text(result)
    return f"截至{date_zh(as_of)}，所核查项目均未发现违约情形（约定日期未届满或已按约履行）。"


def not_checked_text(result: dict[str, Any]) -> str:
    """The passed projects whose land checks could not be made, counted and named."""
    names = {f["project"]: f["name"] for f in result["findings"] if f["addressee"] == "internal"}
    listed = "、".join(f"{pid} {safe(name)}" for pid, name in list(names.items())[:SHOWN_NAMES])
    more = " 等（全部见 --xlsx、--pdf 的内部处理事项）" if len(names) > SHOWN_NAMES else ""
    return f"{len(names)} 个过会项目未交地或未录入土地出让合同，未核查：{listed}{more}"


SHOWN_NAMES = 20


def summary_lines(result: dict[str, Any], as_of: date) -> Iterator[tuple[str, str]]:
    summary = result["summary"]
    checked, with_findings = summary["projects_checked"], summary["projects_with_findings"]
    totals = f"可追偿合计 {_amount(summary['total_amount_wan'])} 万元（未结 {_amount(summary['open_amount_wan'])} 万元）"
    yield f"履约核查（截至{date_zh(as_of)}）：核查过会项目 {checked} 个，{with_findings} 个有核查结果，{totals}", "title"
    if summary.get("referral_amount_wan"):
        yield f"移送自然资源主管部门（土地闲置费等）{_amount(summary['referral_amount_wan'])} 万元，不计入可追偿金额", "plain"
    if summary.get("projects_not_checked"):
        yield not_checked_text(result), "warn"
    if not [f for f in result["findings"] if f["addressee"] != "internal"]:
        yield empty_text(result, as_of) if not summary.get("projects_not_checked") else "其余过会项目未发现违约情形。", "plain"
        return
    kinds = [f"{FINDING_KINDS[k]} {v['count']} 项 {_amount(v['amount_wan'])} 万元" for k, v in summary["by_kind"].items()]
    yield "按类型：" + "；".join(kinds), "plain"
    district = project = None
    for finding in result["findings"]:
        if finding["district"] != district:
            district = finding["district"]
            yield f"【{district}】", "title"
        if finding["project"] != project:
            project = finding["project"]
            yield f"  {safe(finding['project'])}  {safe(finding['name'])}", "plain"
        year = f"（{finding['year']} 年）" if finding["year"] else ""
        role = "warn" if finding["open"] else "plain"
        yield f"    {finding['kind_label']}{year}：{_amount(finding['amount_wan'])} 万元  [{finding['status_label']}]", role
        yield f"      {safe(finding['explanation'])}", "plain"


def findings_xlsx(result: dict[str, Any]) -> bytes:
    rows: list[list[Value]] = [
        [f["district"], f["project"], f["name"], f["kind_label"], f["year"], f["days"],
         Decimal(str(f["amount_wan"])) if f["amount_wan"] is not None else None, f["status_label"], f["explanation"], f["basis"]]
        for f in result["findings"]
    ]  # fmt: skip
    totals: dict[tuple[str, str], list[Decimal]] = {}
    for f in result["findings"]:
        entry = totals.setdefault((f["district"], f["kind_label"]), [Decimal(0), Decimal(0)])
        entry[0] += 1
        entry[1] += Decimal(str(f["amount_wan"] or 0))
    summary_rows: list[list[Value]] = [[d, k, int(c), a] for (d, k), (c, a) in sorted(totals.items())]
    return xlsx_bytes([
        Sheet("核查结果", FINDING_HEADERS, rows, number_formats={6: "#,##0.00"}),
        Sheet("按区域汇总", ("区域", "核查结果", "项数", "金额（万元）"), summary_rows, number_formats={3: "#,##0.00"}),
    ])  # fmt: skip


def findings_html(result: dict[str, Any], as_of: date, templates: Path | None, notice_days: int = 30) -> str:
    """The office's summary (every finding, the referrals and internal items apart), then one
    履约核查通知书 per enterprise: its findings only, as a 公文 addressed to it by name."""
    office = office_settings(templates)
    findings = [{**f, "amount_text": _amount(f["amount_wan"]), "open_text": _amount(f["open_amount_wan"])} for f in result["findings"]]
    notices: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f["addressee"] != "enterprise":
            continue
        notice = notices.setdefault(
            f["enterprise"] or f["name"],
            {"enterprise": f["enterprise"] or f["name"], "district": f["district"], "projects": {}, "findings": []},
        )
        notice["projects"][f["project"]] = f["name"]
        notice["findings"].append(f)
    deadline = date_zh(as_of + timedelta(days=notice_days))
    for notice in notices.values():
        owed = sum((Decimal(str(f["open_amount_wan"] or 0)) for f in notice["findings"]), Decimal(0))
        notice["total"] = _amount(owed)
        notice["asks_payment"] = owed > 0
        notice["projects_text"] = "、".join(f"{name}（案件编号{pid}）" for pid, name in notice["projects"].items())
        notice["copy_to"] = office.copy_to_for(notice["district"])
    context = {
        "title": "江门市招商引资项目履约核查情况",
        "as_of_zh": date_zh(as_of),
        "summary": result["summary"],
        "total": _amount(result["summary"]["total_amount_wan"]),
        "open_total": _amount(result["summary"]["open_amount_wan"]),
        "referral_total": _amount(result["summary"].get("referral_amount_wan", 0)),
        "findings": [f for f in findings if f["addressee"] == "enterprise"],
        "referrals": [f for f in findings if f["addressee"] == "referral"],
        "internal": [f for f in findings if f["addressee"] == "internal"],
        "notices": list(notices.values()),
        "empty_text": empty_text(result, as_of),
        "office": office.name,
        "notice_number": office.number_for(as_of, office.notice_number),
        "deadline": deadline,
    }
    return render_document(templates, "monitor.html.j2", context)
