"""Build the 2024 sample ledger: raw records whose 绩效自评表 reproduces the city's published 2024 scores.

    python samples/ledger-2024/build.py        # writes 申请汇总表.xlsx and 台账.xlsx beside this file

Published (江门市 2024 年度绩效自评表): 全市项目评审数量 预期 ≥ 170 个, 实现 151 个, 权重 6.67, 得 5.92;
投资 10 亿元以上项目数 预期 ≥ 40 个, 实现 38 个, 权重 8, 得 7.60; 引进超亿元项目 预期 ≥ 100 个, 实现 105 个,
权重 6.67, 得 6.67 (a target beaten scores its weight). The districts' own targets (weights adding up to
100) make a 年考核 with ranks, 通报表扬 and 约谈.

The records are made so that those figures follow from them and from nothing else: 151 projects
reviewed at 24 meetings in 2024 (140 passed, 11 deferred), one reviewed in December 2023 (not
counted); 105 projects of 1 亿元 or more signed in 2024: 100 of the passed ones (38 of them 10 亿元 or
more) and 5 signed without a review, with a few under 1 亿元 or signed in 2023 that must not count. Progress notes and milestones make some projects overdue,
so the 督办 list and the leader's 台账 have something to show. Everything is deterministic.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
D = Decimal
DISTRICTS = ["江门高新区", "蓬江区", "江海区", "新会区", "鹤山市", "台山市", "开平市", "恩平市"]
CHAINS = ["新能源电池", "硅能源", "新型储能", "新一代电子信息", "智能装备", "先进材料"]
MEETING_DATES = [date(2024, 1, 10) + timedelta(days=14 * k) for k in range(24)]  # 2024-01-10 … 2024-11-27
REVIEWED = 151
PASSED = 140

# Each district's 2024 targets: 引进超亿元项目数 (weight 60) and 评审项目数 (weight 40).
DISTRICT_TARGETS = {  # district: (引进超亿元项目数 target, 评审项目数 target)
    "江门高新区": (12, 18), "蓬江区": (14, 20), "江海区": (12, 18), "新会区": (14, 22),
    "鹤山市": (15, 20), "台山市": (12, 18), "开平市": (20, 25), "恩平市": (40, 60),
}  # fmt: skip


def application(index: int, submitted: date) -> dict[str, Any]:
    """A valid application; the first 76 even-numbered are major projects of 15 亿元 (38 of them)."""
    district = DISTRICTS[index % len(DISTRICTS)]
    total = D(150000) if index < 76 and index % 2 == 0 else D(12000)
    app: dict[str, Any] = {
        "id": f"JM-2024-{index + 1:04d}",
        "name": f"示例{district}{['智能制造', '新材料', '电子信息', '装备制造', '新能源'][index % 5]}项目（{index + 1:03d}）",
        "applicant": {"name": f"示例实业（江门）有限公司第{index + 1}号"},
        "type": "industrial",
        "district": district,
        "industry": {"code": "C38"},
        "land": {"area_mu": D(16)},
        "floor_area_m2": D(24000),
        "investment": {"total_wan": total, "fixed_assets_wan": D(8000)},
        "commitments": {"annual_tax_wan": D(640)},
        "submitted_on": submitted.isoformat(),
    }
    if index % 3 == 0:
        app["industry"]["chain"] = CHAINS[index % len(CHAINS)]
    return app


def _cell(value: Any) -> Any:
    return (int(value) if value == value.to_integral_value() else float(value)) if isinstance(value, Decimal) else value


def write_intake(path: Path, apps: list[dict[str, Any]]) -> None:
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


def signed_projects() -> list[dict[str, Any]]:
    """5 projects of 1 亿元 or more signed in 2024 without a review (a 签约 is not a meeting), and
    two that must not count: one under 1 亿元, one signed in 2023."""
    rows = []
    for number in range(1, 6):
        row = {"案件编号": f"QY-2024-{number:03d}", "项目名称": f"示例签约项目（{number:03d}）", "所在区域": DISTRICTS[number],
               "项目类型": "其他", "行业代码": "C35", "计划总投资（万元）": 30000, "签约日期": date(2024, 3, 1) + timedelta(days=30 * number),
               "项目性质": "增资扩产", "重点产业链": CHAINS[number]}  # fmt: skip
        rows.append(row)
    rows += [
        {"案件编号": "QY-2024-X01", "项目名称": "示例小额签约项目", "所在区域": "新会区", "项目类型": "其他", "行业代码": "C35",
         "计划总投资（万元）": 8000, "签约日期": date(2024, 6, 1)},
        {"案件编号": "QY-2023-X02", "项目名称": "示例上年签约项目", "所在区域": "恩平市", "项目类型": "其他", "行业代码": "C35",
         "计划总投资（万元）": 200000, "签约日期": date(2023, 12, 28)},
    ]  # fmt: skip
    return rows


def targets() -> list[list[Any]]:
    rows: list[list[Any]] = [
        [2024, "全市", "评审项目数", 170, "≥", 6.67, "受市场环境等因素影响，部分项目投资意向推迟，评审数量未达预期", None],
        [2024, "全市", "投资10亿元以上项目数", 40, "≥", 8, "部分重大项目仍在洽谈，预计2025年上半年签约", None],
        [2024, "全市", "引进超亿元项目数", 100, "≥", 6.67, None, None],
        [2024, "全市", "重点产业链项目投资占比", "70%", "≥", None, None, None],
    ]
    for district, (attraction, reviewed) in DISTRICT_TARGETS.items():
        rows.append([2024, district, "引进超亿元项目数", attraction, "≥", 60, None, None])
        rows.append([2024, district, "评审项目数", reviewed, "≥", 40, None, None])
    return rows


def notes() -> list[list[Any]]:
    return [
        ["JM-2024-0003", date(2024, 11, 20), "已完成项目备案，正在办理规划许可", "供电线路迁改进度滞后", "请市供电局协调线路迁改", "江海区投资促进局", "李明"],
        ["JM-2024-0005", date(2024, 12, 10), "土地已挂网，待出让", None, None, "鹤山市自然资源局", "王芳"],
        ["JM-2024-0009", date(2024, 10, 8), "企业正在调整建设方案", "投资方资金安排推迟", "请市招商部门协助对接融资", "江门高新区管委会", "陈刚"],
    ]  # fmt: skip


def build(target: Path = HERE) -> None:
    from openpyxl import Workbook

    from admission.ledger.book import MEETING_COLUMNS, NOTE_COLUMNS, PROJECT_COLUMNS, TARGET_COLUMNS

    apps, reviewed, project_rows = [], [], []
    for index in range(REVIEWED):
        meeting = index * len(MEETING_DATES) // REVIEWED
        apps.append(application(index, MEETING_DATES[meeting] - timedelta(days=15)))
        reviewed.append((apps[-1]["id"], meeting, "通过" if index < PASSED else "暂缓"))
        if index < PASSED:
            project_rows.append(_milestones(apps[-1]["id"], index, MEETING_DATES[meeting]))
    old = application(999, date(2023, 11, 20))  # reviewed in December 2023: not part of 2024
    old["id"] = "JM-2023-0999"
    apps.append(old)
    write_intake(target / "申请汇总表.xlsx", apps)

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "项目台账"
    headers = [c.header for c in PROJECT_COLUMNS]
    sheet.append(headers)
    for row in project_rows + signed_projects():
        sheet.append([_cell(row.get(h)) for h in headers])
    meetings_sheet = workbook.create_sheet("会议审议")
    meetings_sheet.append([c.header for c in MEETING_COLUMNS])
    for case_id, meeting, result in reviewed:
        meetings_sheet.append([meeting + 1, MEETING_DATES[meeting], case_id, result, None])
    meetings_sheet.append([22, date(2023, 12, 15), "JM-2023-0999", "通过", None])
    target_sheet = workbook.create_sheet("目标任务")
    target_sheet.append([c.header for c in TARGET_COLUMNS])
    for row in targets():
        target_sheet.append(row)
    note_sheet = workbook.create_sheet("进展情况")
    note_sheet.append([c.header for c in NOTE_COLUMNS])
    for row in notes():
        note_sheet.append(row)
    workbook.save(target / "台账.xlsx")


def _milestones(case_id: str, index: int, met: date) -> dict[str, Any]:
    """The first 100 passed projects sign 20 days after their meeting; the later ones have not
    signed yet (those met before October are overdue by the year's end: 督办). Some signed ones
    lag in 注册 and 挂网."""
    row: dict[str, Any] = {"案件编号": case_id}
    if index >= 100:
        return row
    row["签约日期"] = met + timedelta(days=20)
    if index % 5 != 1:
        row["注册日期"] = met + timedelta(days=40)
    if index % 4 != 2:
        row["挂网日期"] = met + timedelta(days=100)
    return row


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE.parent.parent))
    build()
    print(f"written: {HERE / '申请汇总表.xlsx'} and {HERE / '台账.xlsx'}")
