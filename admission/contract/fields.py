"""The input's fields, once: each field's JSON path, its Chinese name and unit, its kind, its
column in the intake workbook (header, width, note) and the other headers clerks give it.

The workbook reader and template, remedies (达标所需), plausibility messages and documents all
name a field from here, so a field renamed or added is renamed or added everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    header: str  # the workbook column, as the template writes it
    path: str  # where it is in the application JSON
    kind: str  # "text", "number", "percent" (a ratio typed in percent: 3.5 is 0.035), "date", "type"
    width: int  # the template's column width, in characters
    note: str  # the template's note on the header
    label: str = ""  # the field's name in sentences (计容建筑面积); the header without its unit by default
    unit: str = ""  # 平方米, 万元, 亩; empty for text, dates and shares
    share: bool = False  # a ratio (0–1) that documents show as a percentage
    free_text: bool = False  # kept exactly as typed (names), not NFKC-normalised
    aliases: tuple[str, ...] = ()  # other headers clerks use for the column

    @property
    def name(self) -> str:
        return self.label or self.header.split("（")[0]


FIELDS: tuple[Field, ...] = (
    Field("案件编号", "id", "text", 16, "必填；1–64 个字母、数字或 . _ -，如 JM-2026-0173", aliases=("编号", "项目编号", "申请编号")),
    Field("项目名称", "name", "text", 36, "必填", free_text=True),
    Field("投资主体", "applicant.name", "text", 32, "必填；投资企业名称", free_text=True, aliases=("投资企业", "企业名称", "投资方")),
    Field("统一社会信用代码", "applicant.credit_code", "text", 22, "选填；18 位，含校验位", aliases=("信用代码", "社会信用代码")),
    Field("项目类型", "type", "type", 14, "必填；工业项目 / 工业地产项目 / 物流项目", aliases=("类型",)),
    Field("所在区域", "district", "text", 12, "必填；从下拉列表选择", aliases=("区域", "所在地区", "所在县(市、区)", "县(市、区)")),
    Field(
        "行业代码",
        "industry.code",
        "text",
        10,
        "必填；GB/T 4754-2017 门类字母加两位大类（如 C38），或备案证上的四位代码（如 C3841）",
        aliases=("行业类别代码", "国民经济行业代码"),
    ),
    Field("重点产业链", "industry.chain", "text", 18, "选填；从下拉列表选择", aliases=("产业链",)),
    Field("用地面积（亩）", "land.area_mu", "number", 14, "与“用地面积（平方米）”二选一", unit="亩", aliases=("用地面积",)),
    Field("用地面积（平方米）", "land.area_m2", "number", 18, "与“用地面积（亩）”二选一", unit="平方米", aliases=("用地面积(m2)",)),
    Field("计容建筑面积（平方米）", "floor_area_m2", "number", 22, "必填", unit="平方米", aliases=("计容建筑面积(m2)",)),
    Field("建筑基底面积（平方米）", "footprint_m2", "number", 22, "选填；用于建筑系数", unit="平方米", aliases=("建筑基底面积(m2)",)),
    Field("计划总投资（万元）", "investment.total_wan", "number", 18, "必填", unit="万元", aliases=("总投资(万元)",)),
    Field(
        "固定资产投资（万元）",
        "investment.fixed_assets_wan",
        "number",
        20,
        "必填；不超过计划总投资",
        unit="万元",
        aliases=("固定资产投资额(万元)",),
    ),
    Field("达产年税收（万元）", "commitments.annual_tax_wan", "number", 18, "必填", unit="万元", aliases=("达产税收(万元)",)),
    Field("达产年产值（万元）", "commitments.annual_output_wan", "number", 18, "选填", unit="万元", aliases=("达产产值(万元)",)),
    Field("研发投入强度", "commitments.rd_ratio", "number", 14, "选填；0–1 之间的小数，如 0.035", share=True),
    Field("自持比例", "real_estate.self_held_ratio", "number", 10, "工业地产项目必填；0–1 之间的小数", share=True),
    Field("配套用房比例", "real_estate.supporting_floor_ratio", "number", 14, "工业地产项目必填；0–1 之间的小数", share=True),
    Field(
        "受理日期",
        "submitted_on",
        "date",
        12,
        "选填；如 2026-11-03、2026/11/3 或 2026年11月3日，决定适用的规则版本",
        aliases=("受理时间", "申请日期"),
    ),
)
BY_PATH: dict[str, Field] = {field.path: field for field in FIELDS}
SHARE_PATHS = frozenset(field.path for field in FIELDS if field.share)
FREE_TEXT_PATHS = frozenset(field.path for field in FIELDS if field.free_text)


def field_name(path: str) -> str:
    """A field's name in a sentence (计容建筑面积), the path itself for one the registry lacks."""
    field = BY_PATH.get(path)
    return field.name if field is not None else path


def _path(path: str) -> str:
    """A field's path, checked against the table above when the module loads."""
    if not any(f.path == path for f in FIELDS):
        raise ValueError(path)
    return path


# The fields of a resolved revision the reports and the monitor read (``Snapshot.revision_figures``).
ENTERPRISE, TOTAL_WAN, FIXED_ASSETS_WAN = _path("applicant.name"), _path("investment.total_wan"), _path("investment.fixed_assets_wan")
ANNUAL_TAX_WAN, AREA_MU, AREA_M2, FLOOR_AREA_M2 = (_path("commitments.annual_tax_wan"), _path("land.area_mu"), _path("land.area_m2"),
                                                   _path("floor_area_m2"))  # fmt: skip
