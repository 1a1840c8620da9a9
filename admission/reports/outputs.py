"""What the 通报 show: the paragraph in the office's words, tables, charts, workbook and PDF.

Every number here is taken from the figures the report computed; nothing is recomputed. Text
may show fewer digits than the JSON (约 2.1, 65.1%), never different ones.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from admission.dates import date_zh
from admission.documents.sheets import AMOUNT_FORMAT, COUNT_FORMAT, RATE_FORMAT, Formatted, Sheet, Value, workbook_bytes, xlsx_bytes
from admission.documents.templating import office_settings, render_document
from admission.numbers import grouped, percent, trimmed
from admission.supervision.outputs import monthly_target_text, target_cells
from admission.vocabulary import LIGHTS

CJK_FONT = "Noto Sans CJK SC"
STEPS = (("listed", "挂网"), ("land_supplied", "供地"), ("land_delivered", "交地"), ("started", "开工"))


def _n(value: Any) -> str:
    """A figure in running text without trailing zeros: 1071, 1289.3, 2.1 (the figures' JSON
    numbers, exact); from five digits on thousands separated (GB/T 15835: 四位数可不分节)."""
    number = Decimal(str(value))
    return grouped(number, None) if number.copy_abs() >= 10000 else trimmed(number)


def _yi(value: Any) -> str:
    """An amount in 亿元 as documents print it (an approximate one, 约, is written with _n): 1,071.00 (the figure's JSON value, exact)."""
    return grouped(Decimal(str(value)))


def _ratio(value: Any) -> str:
    """容积率 with at least one decimal, as the office writes it: 2.1, 4.0."""
    number = Decimal(str(value)).normalize()
    return f"{number:.1f}" if number == number.to_integral_value() else f"{number:f}"


def _pct(value: Any) -> str:
    return percent(Decimal(str(value)), 1)


def annual_paragraph(f: dict[str, Any]) -> str:
    year = f["year"]
    if not f["meetings"] and not f["attraction"]["count"]:
        return f"截至{date_zh(date.fromisoformat(f['as_of']))}，台账中没有 {year} 年的联席会议和签约项目记录，各项指标均为零。"
    avg, top, rates, funnel = f["averages"], f["maxima"], f["rates"], f["funnel"]
    text = f"{year} 年，全年召开市招商引资工作联席会议 {f['meetings']} 场，评审过会项目 {f['passed']} 个，"
    text += f"计划投资约 {_n(f['passed_investment_yi'])} 亿元"
    if f["passed"]:
        text += (
            f"，平均容积率约 {_ratio(avg['plot_ratio'])}，最高达 {_ratio(top['plot_ratio'])}；"
            f"平均投资强度 {_n(avg['investment_intensity'])} 万元/亩，"
            f"企业承诺平均税收约 {_n(avg['tax_per_mu'])} 万元/亩，最高 {_n(top['tax_per_mu'])} 万元/亩。"
            f"过会项目中新增供地项目 {f['land_cohort']} 个，已挂网 {funnel['listed']} 个，挂网率 {_pct(rates['listed'])}；"
            f"供地 {funnel['land_supplied']} 个，供地率 {_pct(rates['land_supplied'])}；交地 {funnel['land_delivered']} 个；"
            f"动工 {funnel['started']} 个，动工率约 {_pct(rates['started'])}。"
        )
    else:
        text += "。"
    a = f["attraction"]
    if a["count"]:
        text += (
            f"{f.get('district') or '全市'}引进投资 1 亿元以上（含）项目 {a['count']} 个，投资额 {_yi(a['investment_yi'])} 亿元；"
            f"其中制造业项目 {a['manufacturing']['count']} 个，"
            f"计划投资额 {_yi(a['manufacturing']['investment_yi'])} 亿元；重点产业链项目 {a['key_chain']['count']} 个，计划投资额 "
            f"{_yi(a['key_chain']['investment_yi'])} 亿元，占总投资额的 {_pct(a['key_chain_share'])}；投资 10 亿元以上项目 "
            f"{a['over_10yi']['count']} 个，计划投资额 {_yi(a['over_10yi']['investment_yi'])} 亿元；"
            f"投资 50 亿元以上项目 {a['over_50yi']['count']} 个，"
            f"计划投资额 {_yi(a['over_50yi']['investment_yi'])} 亿元。已动工项目 {a['started']} 个，落地率 {_pct(a['landing_rate'])}。"
        )
    if f["deviations"]:
        text += f"联席会议审议结果与审查结论不一致的 {f['deviations']} 个，已列明。"
    return text + later_corrections_text(f)


def later_corrections_text(f: dict[str, Any]) -> str:
    """期后更正: how many corrections recorded after the period changed what it shows."""
    count = f.get("later_corrections")
    return f"本通报数据含期后更正 {count} 项。" if count else ""


# --- charts ---------------------------------------------------------------------------------------


def _svg(draw: Any) -> str:
    """A matplotlib drawing as an SVG data URL: vector, text kept as text in the CJK font,
    no date or random ids in it, so the same figures give the same bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "admit", "font.family": [CJK_FONT, "sans-serif"], "font.size": 9,
         "axes.spines.top": False, "axes.spines.right": False}
    ):  # fmt: skip
        figure, axes = plt.subplots(figsize=(6.2, 2.6))
        try:
            draw(axes)
            figure.tight_layout()
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue().encode("utf-8")).decode("ascii")


def _bars(labels: Sequence[str], values: Sequence[float], unit: str, colour: str, label: Any = _n) -> Any:
    """Bars with their values written above, as the tables print them (``label``)."""

    def draw(axes: Any) -> None:
        positions = range(len(labels))
        bars = axes.bar(positions, values, color=colour, width=0.6)
        axes.set_xticks(list(positions), list(labels))
        axes.set_ylabel(unit)
        for bar, value in zip(bars, values, strict=True):
            axes.annotate(label(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)

    return draw


def annual_charts(f: dict[str, Any]) -> dict[str, str]:
    funnel = [("过会", f["passed"]), ("新增供地", f["land_cohort"])] + [(label, f["funnel"][key]) for key, label in STEPS]
    districts = [d for d in f["by_district"]]
    return {
        "funnel": _svg(_bars([k for k, _ in funnel], [v for _, v in funnel], "项目数（个）", "#4472c4")),
        "districts": _svg(
            _bars(
                [d["district"] for d in districts],
                [float(d["passed_investment_yi"]) for d in districts],
                "计划投资（亿元）",
                "#ed7d31",
                label=_yi,
            )
        ),
        "types": _svg(_bars([t["label"] for t in f["by_type"]], [t["passed"] for t in f["by_type"]], "过会项目（个）", "#70ad47")),
    }


# --- documents ------------------------------------------------------------------------------------


ATTRACTION_ROWS = (("全部签约项目", None), ("其中：制造业项目", "manufacturing"), ("重点产业链项目", "key_chain"),
                   ("投资 10 亿元以上项目", "over_10yi"), ("投资 50 亿元以上项目", "over_50yi"))  # fmt: skip


def _district_cells(d: dict[str, Any]) -> dict[str, Any]:
    attraction = d["attraction"]
    return {**d, "investment": _yi(d["passed_investment_yi"]), "attraction_investment": _yi(attraction["investment_yi"]),
            "landing_rate": _pct(attraction["landing_rate"])}  # fmt: skip


def _amount_text(value: Any) -> str:
    return grouped(Decimal(str(value))) if value is not None else "—"


def annual_html(f: dict[str, Any], templates: Path | None, issued: date) -> str:
    """The annual 通报 as a 公文: masthead, 主送, the paragraph, the tables of both halves, 落款."""
    office = office_settings(templates)
    a = f["attraction"]
    attraction = [{"label": label, "count": (a[key] if key else a)["count"], "investment": _yi((a[key] if key else a)["investment_yi"])}
                  for label, key in ATTRACTION_ROWS]  # fmt: skip
    context = {
        "title": f"关于{f['year']}年度过会项目总体情况的通报" + (f"（{f['district']}）" if f.get("district") else ""),
        "office": office,
        "number": office.number_for(issued, office.report_number),
        "issued_zh": date_zh(issued),
        "as_of_zh": date_zh(date.fromisoformat(f["as_of"])),
        "paragraph": annual_paragraph(f),
        "f": f,
        "charts": annual_charts(f) if f["passed"] or a["count"] else {},
        "rates": {k: _pct(v) for k, v in f["rates"].items()},
        "attraction": attraction,
        "attraction_rates": {"landing_rate": _pct(a["landing_rate"]), "key_chain_share": _pct(a["key_chain_share"])},
        "districts": [_district_cells(d) for d in f["by_district"]],
        "totals": {
            "investment": _yi(f["passed_investment_yi"]),
            "listed": sum(d["listed"] for d in f["by_district"]),
            "started": sum(d["started"] for d in f["by_district"]),
        },
        "types": [{**t, "investment": _yi(t["passed_investment_yi"])} for t in f["by_type"]],
        "deviations": [{**d, "date_zh": date_zh(date.fromisoformat(d["date"]))} for d in f["deviation_list"]],
    }
    return render_document(templates, "annual.html.j2", context)


def annual_xlsx(f: dict[str, Any]) -> bytes:
    """The report's tables as numbers (formats set, header frozen) with native Excel charts."""
    from openpyxl.chart import BarChart, Reference

    a = f["attraction"]

    def count(value: int) -> Formatted:
        return Formatted(value, COUNT_FORMAT)

    def amount(value: Any) -> Formatted:
        return Formatted(Decimal(str(value)), AMOUNT_FORMAT)

    def share(value: Any) -> Formatted:
        return Formatted(Decimal(str(value)), RATE_FORMAT)

    overview: list[list[Value]] = [
        ["联席会议（场）", count(f["meetings"])], ["评审项目（个）", count(f["reviewed"])], ["过会项目（个）", count(f["passed"])],
        ["过会项目计划投资（亿元）", amount(f["passed_investment_yi"])],
        ["平均容积率", amount(f["averages"]["plot_ratio"])],
        ["平均投资强度（万元/亩）", amount(f["averages"]["investment_intensity"])],
        ["平均亩均税收（万元/亩）", amount(f["averages"]["tax_per_mu"])], ["新增供地过会项目（个）", count(f["land_cohort"])],
        ["挂网（个）", count(f["funnel"]["listed"])], ["挂网率", share(f["rates"]["listed"])],
        ["供地（个）", count(f["funnel"]["land_supplied"])], ["供地率", share(f["rates"]["land_supplied"])],
        ["交地（个）", count(f["funnel"]["land_delivered"])], ["交地率", share(f["rates"]["land_delivered"])],
        ["开工（个）", count(f["funnel"]["started"])], ["动工率", share(f["rates"]["started"])],
        ["引进 1 亿元以上项目（个）", count(a["count"])], ["投资额（亿元）", amount(a["investment_yi"])],
        ["制造业项目（个）", count(a["manufacturing"]["count"])], ["制造业投资额（亿元）", amount(a["manufacturing"]["investment_yi"])],
        ["重点产业链项目（个）", count(a["key_chain"]["count"])], ["产业链投资额（亿元）", amount(a["key_chain"]["investment_yi"])],
        ["产业链投资占比", share(a["key_chain_share"])], ["10 亿元以上项目（个）", count(a["over_10yi"]["count"])],
        ["10 亿元以上投资额（亿元）", amount(a["over_10yi"]["investment_yi"])], ["50 亿元以上项目（个）", count(a["over_50yi"]["count"])],
        ["50 亿元以上投资额（亿元）", amount(a["over_50yi"]["investment_yi"])], ["已动工项目（个）", count(a["started"])],
        ["落地率", share(a["landing_rate"])], ["与审查结论不一致（个）", count(f["deviations"])],
    ]  # fmt: skip
    funnel_rows: list[list[Value]] = [["过会", f["passed"]], ["新增供地", f["land_cohort"]]] + [
        [label, f["funnel"][key]] for key, label in STEPS
    ]
    district_rows: list[list[Value]] = [
        [d["district"], d["passed"], Decimal(str(d["passed_investment_yi"])), d["listed"], d["started"],
         d["attraction"]["count"], Decimal(str(d["attraction"]["investment_yi"])), d["attraction"]["manufacturing"]["count"],
         d["attraction"]["key_chain"]["count"], d["attraction"]["over_10yi"]["count"], d["attraction"]["started"],
         Decimal(str(d["attraction"]["landing_rate"]))]
        for d in f["by_district"]
    ]  # fmt: skip
    deviation_rows: list[list[Value]] = [
        [d["project"], d["name"], d["district"], d["meeting"], date.fromisoformat(d["date"]), d["result"], d["verdict_label"]]
        for d in f["deviation_list"]
    ]
    type_rows: list[list[Value]] = [[t["label"], t["passed"], Decimal(str(t["passed_investment_yi"]))] for t in f["by_type"]]
    data = xlsx_bytes([
        Sheet("总体情况", ("指标", "数值"), overview),
        Sheet("过会与供地", ("环节", "项目数"), funnel_rows),
        Sheet("分区域", ("区域", "过会项目", "计划投资（亿元）", "挂网", "开工", "签约项目", "签约投资（亿元）", "制造业", "产业链",
                         "10 亿元以上", "已动工", "落地率"), district_rows,
              number_formats={2: AMOUNT_FORMAT, 6: AMOUNT_FORMAT, 11: RATE_FORMAT}),
        Sheet("分类型", ("项目类型", "过会项目", "计划投资（亿元）"), type_rows, number_formats={2: AMOUNT_FORMAT}),
        Sheet("审议偏离", ("案件编号", "项目名称", "区域", "会议", "会议日期", "审议结果", "审查结论"), deviation_rows),
    ])  # fmt: skip
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    charts = (("过会与供地", 2, "过会 → 挂网 → 供地 → 交地 → 开工", "D2"), ("分区域", 3, "过会项目计划投资（亿元）", "N2"),
              ("分类型", 2, "过会项目（个）", "E2"))  # fmt: skip
    for sheet_name, column, title, anchor in charts:
        sheet = workbook[sheet_name]
        chart = BarChart()
        chart.title = title
        chart.legend = None
        rows = sheet.max_row
        chart.add_data(Reference(sheet, min_col=column, min_row=1, max_row=rows), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows))
        chart.width, chart.height = 16, 8
        sheet.add_chart(chart, anchor)
    return workbook_bytes(workbook)


# --- the monthly report ----------------------------------------------------------------------------


def _capped(items: list[str], limit: int | None, where: str) -> list[str]:
    """A section's item lines: all of them, or the first ``limit`` and how many more are listed
    where (the web page of a city-wide month; the CLI and the documents list every item)."""
    if limit is None or len(items) <= limit:
        return items
    indent = items[0][: len(items[0]) - len(items[0].lstrip())]  # as deep as the items it stands for
    return [*items[:limit], f"{indent}……另有 {len(items) - limit} 项，{where}"]


def monthly_lines(m: dict[str, Any], limit: int | None = None) -> list[str]:
    """The 月通报 as text lines; ``limit`` caps each list of projects (see ``_capped``)."""
    year, month = m["month"].split("-")
    where = f"（{m['district']}）" if m["district"] else ""
    lines = [f"{int(year)} 年 {int(month)} 月招商引资项目月通报{where}（截至{date_zh(date.fromisoformat(m['as_of']))}）"]
    if later_corrections_text(m):
        lines.append(later_corrections_text(m))
    apps = m["applications"]
    verdicts = "，".join(f"{label} {count} 个" for label, count in apps["by_verdict"].items())
    lines.append(f"一、受理申请 {apps['count']} 份：{verdicts}。")
    received = [f"    {item['district']}  {item['project']}  {item['name']}：{item['verdict_label'] or '未审查'}" for item in apps["items"]]
    lines += _capped(received, limit, "见项目台账")
    lines.append(f"二、召开联席会议 {len(m['meetings'])} 场。")
    for meeting in m["meetings"]:
        lines.append(f"    第 {meeting['number']} 次（{meeting['date']}）：审议 {len(meeting['resolutions'])} 个项目")
        resolved = [f"      {r['district']}  {r['project']}  {r['name']}：{r['result']}{'（与审查结论不一致）' if r['deviation'] else ''}"
                    for r in meeting["resolutions"]]  # fmt: skip
        lines += _capped(resolved, limit, "见该次会议")
    lines.append("三、本月各区域项目进度（个）：")
    for row in m["milestones"]:
        reached = "，".join(f"{k} {v}" for k, v in row.items() if k != "district" and v)
        lines.append(f"    {row['district']}：{reached or '无'}")
    chase = m["to_chase"]
    lines.append(f"四、督办事项：履约核查结果 {len(chase['monitor'])} 项，过会满期未挂网项目 {len(chase['not_listed'])} 个。")
    found = []
    for f in chase["monitor"]:
        year_text = f"（{f['year']} 年）" if f["year"] else ""
        amount = f"，{grouped(Decimal(str(f['amount_wan'])))} 万元" if f["amount_wan"] is not None else ""
        found.append(f"    {f['district']}  {f['project']}  {f['name']}：{f['kind_label']}{year_text}{amount}［{f['status_label']}］")
    lines += _capped(found, limit, "见履约核查")
    overdue = [f"    {p['district']}  {p['project']}  {p['name']}：{p['meeting_date']} 过会，满 {p['months']} 个月（{p['due']}）仍未挂网"
               for p in chase["not_listed"]]  # fmt: skip
    lines += _capped(overdue, limit, "见督办")
    return lines + supervision_lines(m, limit)


def supervision_lines(m: dict[str, Any], limit: int | None = None) -> list[str]:
    """五、目标任务 against 序时进度 and 六、红黄灯项目: the supervision contract's additions."""
    lines = []
    if m.get("targets"):
        schedule = percent(Decimal(str(m["targets"][0]["schedule"])), 1)
        lines.append(f"五、目标任务完成情况（序时进度 {schedule}）：")
        for report in m["targets"]:
            lines.append(f"    {report['region']}：" + "；".join(monthly_target_text(row) for row in report["targets"]))
    lights = m["to_chase"].get("lights")
    if lights:
        counts = lights["counts"]
        lines.append(f"六、红黄灯项目：红灯 {counts['red']} 个，黄灯 {counts['yellow']} 个。")
        lit = [f"    [{p['light_label']}] {p['district']}  {p['project']}  {p['name']}：" +
               "、".join(f"{i['label']}逾期 {i['overdue_days']} 天" for i in p["items"]) for p in lights["projects"]]  # fmt: skip
        lines += _capped(lit, limit, "见督办")
    return lines


def _day(text: str) -> str:
    return date_zh(date.fromisoformat(text))


def monthly_html(m: dict[str, Any], templates: Path | None, issued: date) -> str:
    """The 月通报 as a 公文: masthead, 主送, the month's tables, 落款."""
    office = office_settings(templates)
    year, month = m["month"].split("-")
    context = {
        "title": f"{int(year)} 年 {int(month)} 月招商引资项目月通报" + (f"（{m['district']}）" if m["district"] else ""),
        "office": office,
        "number": office.number_for(issued, office.report_number),
        "issued_zh": date_zh(issued),
        "as_of_zh": _day(m["as_of"]),
        "m": m,
        "applications": [{**i, "date_zh": _day(i["date"]) if i["date"] else ""} for i in m["applications"]["items"]],
        "meetings": [{**mt, "date_zh": _day(mt["date"])} for mt in m["meetings"]],
        "milestone_names": [k for k in m["milestones"][0] if k != "district"] if m["milestones"] else [],
        "findings": [{**f, "amount_text": _amount_text(f["amount_wan"])} for f in m["to_chase"]["monitor"]],
        "not_listed": [{**p, "meeting_date_zh": _day(p["meeting_date"])} for p in m["to_chase"]["not_listed"]],
        "targets": monthly_targets(m),
        "schedule_text": percent(Decimal(str(m["targets"][0]["schedule"])), 1) if m.get("targets") else "",
        "lights": m["to_chase"].get("lights") or {"counts": {}, "projects": []},
    }
    return render_document(templates, "monthly.html.j2", context)


def monthly_targets(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The month's target rows as the 月通报's table shows them."""
    return [{**cells, "region": report["region"]} for report in m.get("targets", []) for cells in map(target_cells, report["targets"])]


def monthly_xlsx(m: dict[str, Any]) -> bytes:
    apps: list[list[Value]] = [[i["district"], i["project"], i["name"], i["date"], i["verdict_label"]] for i in m["applications"]["items"]]
    resolutions: list[list[Value]] = [
        [f"第 {mt['number']} 次", mt["date"], r["district"], r["project"], r["name"], r["result"], "是" if r["deviation"] else ""]
        for mt in m["meetings"] for r in mt["resolutions"]
    ]  # fmt: skip
    names = [k for k in m["milestones"][0] if k != "district"] if m["milestones"] else []
    progress: list[list[Value]] = [[row["district"], *(row[k] for k in names)] for row in m["milestones"]]
    chase: list[list[Value]] = [
        [f["district"], f["project"], f["name"], f["kind_label"], f["year"],
         Decimal(str(f["amount_wan"])) if f["amount_wan"] is not None else None, f["status_label"]]
        for f in m["to_chase"]["monitor"]
    ]  # fmt: skip
    for p in m["to_chase"]["not_listed"]:
        chase.append([p["district"], p["project"], p["name"], "过会满期未挂网", None, None, f"{p['meeting_date']} 过会"])
    target_rows: list[list[Value]] = [
        [r["region"], r["label"], r["direction_sign"], Decimal(str(r["target"])), Decimal(str(r["actual"])), Decimal(str(r["completion"])),
         Decimal(str(r["ahead_points"])), r["light_label"]]
        for r in monthly_targets(m)
    ]  # fmt: skip
    light_rows: list[list[Value]] = [
        [p["district"], p["project"], p["name"], p["light_label"], i["label"], date.fromisoformat(i["due"]), i["overdue_days"],
         LIGHTS[i["light"]]]
        for p in (m["to_chase"].get("lights") or {"projects": []})["projects"] for i in p["items"]
    ]  # fmt: skip
    return xlsx_bytes([
        Sheet("受理申请", ("区域", "案件编号", "项目名称", "受理日期", "审查结论"), apps),
        Sheet("会议审议", ("会议", "日期", "区域", "案件编号", "项目名称", "审议结果", "与审查结论不一致"), resolutions),
        Sheet("项目进度", ("区域", *names), progress),
        Sheet("督办事项", ("区域", "案件编号", "项目名称", "事项", "年度", "金额（万元）", "处理情况"), chase,
              number_formats={5: AMOUNT_FORMAT}),
        Sheet("目标任务", ("区域", "指标", "方向", "目标值", "完成值", "完成率", "快于序时进度（百分点）", "灯号"), target_rows,
              number_formats={5: RATE_FORMAT}),
        Sheet("红黄灯项目", ("区域", "案件编号", "项目名称", "项目灯号", "逾期事项", "应完成日期", "逾期天数", "事项灯号"), light_rows),
    ])  # fmt: skip
