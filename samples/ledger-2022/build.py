"""Build the 2022 sample ledger: synthetic raw records whose report reproduces Jiangmen's published 2022 figures.

    python samples/ledger-2022/build.py        # writes 申请汇总表.xlsx, 台账.xlsx and 目标任务.xlsx beside this file

(The applications are an intake workbook, not JSON files, so that `admit screen samples/` still
means the single-application samples.)

Published (江门市 2022 年度过会项目总体情况): 32 joint meetings; 173 projects passed, 1071 亿元 planned
investment; average 容积率 2.1 (one project 4.0), 投资强度 504.5 万元/亩, committed 亩均税收 40 万元/亩 (one
over 90); of the 169 passed on new land (4 expand on their own land) 110 listed (65%), 100 supplied
(59%), 69 started (41%); 304 projects of 1 亿元 or more signed, 1830 亿元: 261 manufacturing (1454 亿元),
237 in key chains (1273 亿元, 70%), 53 of 10 亿元 or more (1289.3 亿元), 6 of 50 亿元 or more (561 亿元),
245 started (落地率 80.6%).

The records are made so that those figures follow from them and from nothing else: averages are
ratios of sums, so the per-project figures vary around them while the sums stay exact. Records
that must NOT count are included on purpose (a 2021 meeting, a project first 暂缓 then 通过, a
start in 2023, a signing in 2021, a project under 1 亿元), so the report's definitions are tested
too. Everything is deterministic: the same files every run.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
D = Decimal
DISTRICTS = ["江门高新区", "蓬江区", "江海区", "新会区", "鹤山市", "台山市", "开平市", "恩平市"]
TIER3 = ["台山市", "开平市", "恩平市"]
CHAINS = ["新能源电池", "硅能源", "新型储能", "新一代电子信息", "智能装备", "先进材料", "现代轻工纺织", "智能家电"]
MEETING_DATES = [date(2022, 1, 12) + timedelta(days=10 * k) for k in range(32)]  # 32 meetings, 2022-01-12 … 2022-11-18


def passed_figures() -> list[dict[str, Any]]:
    """173 passed projects: land, floor area, fixed assets, tax, total investment (万元, m², 亩)."""
    rows = [{"land": D(100), "floor": D(140000), "fixed": D("50450"), "tax": D(4000), "total": D(61900)} for _ in range(173)]
    rows[172]["total"] = D(61900) + (D(10710000) - D(61900) * 173)  # the last one closes Σ total to 1071 亿元
    # A project at 容积率 4.0 (land 99 亩), its neighbour at 101 亩; the floor area above 2.1 is taken
    # back evenly from projects 10–109, so Σ floor × 0.0015 / Σ land stays exactly 2.1.
    rows[5].update(land=D(99), floor=D(264000), fixed=D("49945.5"), tax=D(3960))
    rows[6].update(land=D(101), floor=D(141400), fixed=D("50954.5"), tax=D(4040))
    for i in range(10, 110):
        rows[i]["floor"] -= D(1254)
    # One project at 92.5 万元/亩 tax, taken back from projects 20–119.
    rows[8]["tax"] = D(9250)
    for i in range(20, 120):
        rows[i]["tax"] -= D("52.5")
    # One project at 1200 万元/亩 investment intensity (total raised to 13 亿元 to carry it), taken back from 30–129.
    rows[7].update(fixed=D(120000), total=D(130000))
    for i in range(30, 130):
        rows[i]["fixed"] -= D("695.5")
        rows[i]["total"] -= D(681)
    land = sum(r["land"] for r in rows)
    assert land == 17300
    assert sum(r["floor"] for r in rows) * D("0.0015") / land == D("2.1")
    assert sum(r["fixed"] for r in rows) / land == D("504.5")
    assert sum(r["tax"] for r in rows) / land == D(40)
    assert sum(r["total"] for r in rows) == D(10710000)
    assert all(r["fixed"] <= r["total"] for r in rows)
    return rows


def attraction_projects() -> list[dict[str, Any]]:
    """304 projects of 1 亿元 or more signed in 2022 (by category so every published sum is exact)."""
    groups = [  # (count, total 万元, manufacturing?, key chain?, size)
        (6, 5610000, True, True, "over50"),
        (32, 4533000, True, True, "big"),
        (5, 750000, True, False, "big"),
        (10, 2000000, False, False, "big"),
        (199, 2587000, True, True, "small"),
        (19, 1060000, True, False, "small"),
        (33, 1760000, False, False, "small"),
    ]
    made: list[dict[str, Any]] = []
    for count, total, manufacturing, chain, size in groups:
        each = (D(total) / count).quantize(D(1000)) if count > 1 else D(total)
        amounts = [each] * (count - 1) + [D(total) - each * (count - 1)]
        for amount in amounts:
            limits = {"over50": (500000, 10**7), "big": (100000, 499999), "small": (10000, 99999)}[size]
            assert limits[0] <= amount <= limits[1], (size, amount)
            made.append({"total": amount, "manufacturing": manufacturing, "chain": chain})
    assert len(made) == 304 and sum(m["total"] for m in made) == D(18300000)
    return made


def application(index: int, figures: dict[str, Any], kind: str, submitted: date) -> dict[str, Any]:
    district = TIER3[index % 3] if kind == "industrial_real_estate" else DISTRICTS[index % len(DISTRICTS)]
    app: dict[str, Any] = {
        "id": f"JM-2022-{index + 1:04d}",
        "name": f"示例{district}{['智能制造', '新材料', '电子信息', '装备制造', '新能源'][index % 5]}项目（{index + 1:03d}）",
        "applicant": {"name": f"示例产业（江门）有限公司第{index + 1}号"},
        "type": kind,
        "district": district,
        "industry": {"code": {"industrial": "C38", "industrial_real_estate": "C39", "logistics": "G59"}[kind]},
        "land": {"area_mu": figures["land"]},
        "floor_area_m2": figures["floor"],
        "investment": {"total_wan": figures["total"], "fixed_assets_wan": figures["fixed"]},
        "commitments": {"annual_tax_wan": figures["tax"]},
        "submitted_on": submitted.isoformat(),
    }
    if index % 4 == 0:
        app["industry"]["chain"] = CHAINS[index % len(CHAINS)]
    if kind == "industrial_real_estate":
        app["real_estate"] = {"self_held_ratio": D("0.5"), "supporting_floor_ratio": D("0.1")}
    return app


def _cell(value: Any) -> Any:
    return (int(value) if value == value.to_integral_value() else float(value)) if isinstance(value, Decimal) else value


def write_intake(path: Path, apps: list[dict[str, Any]]) -> None:
    """The applications as an intake workbook (申请汇总表), one row each, in admit's layout."""
    from openpyxl import Workbook

    from admission.intake.workbook import COLUMNS, application_to_row

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "申请汇总表"
    sheet.append([c.header for c in COLUMNS])
    for app in apps:
        sheet.append([_cell(value) for value in application_to_row(app)])
    workbook.save(path)


def build(target: Path = HERE) -> None:
    from openpyxl import Workbook

    figures = passed_figures()
    apps: list[dict[str, Any]] = []
    kinds = ["industrial"] * 150 + ["industrial_real_estate"] * 10 + ["logistics"] * 13
    reviewed: list[tuple[str, int, str]] = []  # (id, meeting index, result)
    project_rows: list[dict[str, Any]] = []
    for index in range(180):
        if index < 173:
            data, kind = figures[index], kinds[index]
        else:  # reviewed, not passed: 173–176 暂缓, 177–178 不予通过 although admissible (deviations), 179 不予通过 (rejected)
            data = {"land": D(100), "floor": D(140000), "fixed": D(50450), "tax": D(1000 if index == 179 else 4000), "total": D(60000)}
            kind = "industrial"
        meeting = min(31, index * 32 // 180)
        app = application(index, data, kind, MEETING_DATES[meeting] - timedelta(days=20))
        apps.append(app)
        result = "通过" if index < 173 else ("暂缓" if index < 177 else "不予通过")
        if index == 20:  # first deferred, passed at a later meeting: the last resolution of the year counts
            reviewed.append((app["id"], meeting, "暂缓"))
            meeting += 1
        reviewed.append((app["id"], meeting, result))
        if index < 173:
            project_rows.append(_milestones(app["id"], index, MEETING_DATES[meeting]))
    # A project passed at a 2021 meeting (under JM-2014): not part of 2022.
    old = application(999, {"land": D(50), "floor": D(60000), "fixed": D(15000), "tax": D(1500), "total": D(20000)}, "industrial",
                      date(2021, 11, 1))  # fmt: skip
    old["id"] = "JM-2021-0999"
    apps.append(old)
    write_intake(target / "申请汇总表.xlsx", apps)

    signed = []
    for number, item in enumerate(attraction_projects(), 1):
        day = date(2022, 1, 3) + timedelta(days=number % 330)
        row = {"案件编号": f"QY-2022-{number:03d}", "项目名称": f"示例签约项目（{number:03d}）", "所在区域": DISTRICTS[number % 8],
               "项目类型": "其他", "行业代码": "C35" if item["manufacturing"] else "F51", "计划总投资（万元）": item["total"],
               "签约日期": day}  # fmt: skip
        if item["chain"]:
            row["重点产业链"] = CHAINS[number % len(CHAINS)]
        if number <= 245:
            row["开工日期"] = min(day + timedelta(days=20), date(2022, 12, 31))
        elif number <= 250:
            row["开工日期"] = date(2023, 3, 1)  # started after the year: not counted as of 2022-12-31
        signed.append(row)
    signed += [  # must not count: under 1 亿元, signed in 2021, signed in 2023
        {"案件编号": "QY-2022-X01", "项目名称": "示例小额签约项目", "所在区域": "新会区", "项目类型": "其他", "行业代码": "C35",
         "计划总投资（万元）": 9999, "签约日期": date(2022, 6, 1)},
        {"案件编号": "QY-2021-X02", "项目名称": "示例上年签约项目", "所在区域": "新会区", "项目类型": "其他", "行业代码": "C35",
         "计划总投资（万元）": 50000, "签约日期": date(2021, 12, 30)},
        {"案件编号": "QY-2023-X03", "项目名称": "示例次年签约项目", "所在区域": "新会区", "项目类型": "其他", "行业代码": "C35",
         "计划总投资（万元）": 50000, "签约日期": date(2023, 1, 5)},
    ]  # fmt: skip

    from admission.ledger.book import MEETING_COLUMNS, PROJECT_COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "项目台账"
    headers = [c.header for c in PROJECT_COLUMNS]
    sheet.append(headers)
    for row in project_rows + signed:
        sheet.append([_cell(row.get(h)) for h in headers])
    meetings_sheet = workbook.create_sheet("会议审议")
    meetings_sheet.append([c.header for c in MEETING_COLUMNS])
    for case_id, meeting, result in reviewed:
        meetings_sheet.append([meeting + 1, MEETING_DATES[meeting], case_id, result, None])
    meetings_sheet.append([20, date(2021, 12, 20), "JM-2021-0999", "通过", None])
    workbook.save(target / "台账.xlsx")
    write_targets(target / "目标任务.xlsx")


def write_targets(path: Path) -> None:
    """The 2022 targets the city published (引进项目 300 个、计划投资额 1675 亿元), as a 目标任务 sheet:
    ``admit ledger import 目标任务.xlsx`` records them, ``admit report targets --year 2022`` measures them."""
    from openpyxl import Workbook

    from admission.ledger.book import TARGET_COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "目标任务"
    sheet.append([c.header for c in TARGET_COLUMNS])
    sheet.append([2022, "全市", "引进超亿元项目数", 300, "≥", None, None, None])
    sheet.append([2022, "全市", "引进超亿元项目投资额（亿元）", 1675, "≥", None, None, None])
    workbook.save(path)


def _milestones(case_id: str, index: int, met: date) -> dict[str, Any]:
    """Land cohort 0–168: 69 started, 95 delivered, 100 supplied, 110 listed by the end of 2022."""
    row: dict[str, Any] = {"案件编号": case_id}
    if index >= 169:
        row["用地来源"] = "自有用地"
        row["开工日期"] = met + timedelta(days=15)
        return row
    steps = (("挂网日期", 110, 10), ("供地日期", 100, 40), ("交地日期", 95, 50), ("开工日期", 69, 60))
    for header, count, days in steps:
        if index < count:
            row[header] = met + timedelta(days=days)
    if 69 <= index < 75:
        row["开工日期"] = date(2023, 3, 1)  # after the year: not counted as of 2022-12-31
    if 110 <= index < 113:
        row["挂网日期"] = date(2023, 2, 1)
    return row


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE.parent.parent))
    build()
    print(f"written: {HERE / '申请汇总表.xlsx'} and {HERE / '台账.xlsx'}")
