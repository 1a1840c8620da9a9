"""The leader's 台账 (领导台账): one sheet in the office's layout, one row per project, with its
milestones, its light and its latest progress note as of a date. Numbers are numbers and dates
are dates; the sheet is printable (landscape, fit to width, the header repeated on every page).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from admission.documents.sheets import AMOUNT_FORMAT, Sheet, Value, xlsx_bytes
from admission.ledger.history import Snapshot
from admission.rules.rulebook import Rulebook
from admission.supervision.chase import chase
from admission.supervision.outputs import LIGHT_FILLS
from admission.vocabulary import LIGHTS, MILESTONES, NOTE_FIELDS, PASSED, VERDICTS, type_label

HEADERS = ("序号", "区域", "项目名称", "投资主体", "项目类型", "行业", "重点产业链", "计划总投资（万元）", "用地面积（亩）", "审查结论",
           "审议结果", *(label for _, label in MILESTONES), "灯号", "目前进展", "存在问题", "需协调事项", "责任单位")  # fmt: skip
MU_PER_M2 = Decimal("0.0015")


def _land_mu(application: dict[str, Any]) -> Decimal | None:
    land = application.get("land") or {}
    if "area_mu" in land:
        return Decimal(str(land["area_mu"]))
    return (Decimal(str(land["area_m2"])) * MU_PER_M2).quantize(Decimal("0.01")) if "area_m2" in land else None


def leader_rows(snapshot: Snapshot, rulebook: Rulebook, as_of: date) -> list[list[Value]]:
    """Every project as of ``as_of``, in the rule book's district order, then by 案件编号."""
    lights = {p["project"]: p["light"] for p in chase(snapshot, rulebook, as_of)["projects"]}
    passing = {r.project_id for r in snapshot.latest_resolutions(as_of) if r.result in PASSED}
    resolutions = {r.project_id: r for r in snapshot.latest_resolutions(as_of)}
    applications = snapshot.revision_applications(dict(snapshot.latest_revision))
    order = {name: index for index, name in enumerate(rulebook.districts)}
    projects = sorted(snapshot.projects_by_id(on=as_of).values(), key=lambda p: (order.get(p.district, len(order)), p.id))
    rows: list[list[Value]] = []
    for number, project in enumerate(projects, 1):
        application = applications.get(project.id, {})
        resolution = resolutions.get(project.id)
        resolved = None
        if resolution:
            resolved = f"{resolution.result}（{resolution.year}年第{resolution.meeting_number}次，{resolution.held_on.isoformat()}）"
        note = snapshot.latest_note(project.id, as_of)
        verdict = snapshot.verdict(project.id)
        light = lights.get(project.id, "green") if project.id in passing and not snapshot.terminated_by(project.id, as_of) else None
        rows.append([
            number, project.district, project.name, (application.get("applicant") or {}).get("name"), type_label(project.type),
            project.industry_code, project.chain, Decimal(project.total_investment) if project.total_investment else None,
            _land_mu(application), VERDICTS.get(verdict or "", None), resolved,
            *(project[key] if project[key] is not None and project[key] <= as_of else None for key, _ in MILESTONES),
            LIGHTS[light] if light else None, *((note[key] if note else None) for key, _ in NOTE_FIELDS[:4]),
        ])  # fmt: skip
    return rows


def leader_book(snapshot: Snapshot, rulebook: Rulebook, as_of: date) -> bytes:
    light_column = HEADERS.index("灯号")
    fills = {label: LIGHT_FILLS[code] for code, label in LIGHTS.items()}
    rows = leader_rows(snapshot, rulebook, as_of)
    return xlsx_bytes([
        Sheet(f"项目台账（截至{as_of.isoformat()}）", HEADERS, rows, number_formats={7: AMOUNT_FORMAT, 8: "0.00"},
              fill=lambda row: (light_column, fills[str(row[light_column])]) if row[light_column] in fills else None, max_width=40),
    ])  # fmt: skip
