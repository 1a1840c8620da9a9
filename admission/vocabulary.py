"""Every code the program stores and the Chinese word a person reads for it, in one place.

Codes are what files, the ledger and ``--json`` hold (``approve``, ``started_on``, ``late_start``);
labels are what documents, pages and messages say (建议准入, 开工日期, 延期开工). A new milestone,
result, finding kind or status is added here and nowhere else. Project types are the rule book's:
each rule set carries its label (``label = "工业项目"``); the table below is the words for the
types the ledger knows, and the rule book is checked against it when it loads, so the two cannot
drift apart (``Rulebook.type_labels`` adds any type a new rule book brings).
"""

from __future__ import annotations

# --- project types (项目类型) -----------------------------------------------------------------

OTHER_TYPE = "other"  # a ledger project no rule set covers (recorded from a 台账 workbook)
PROJECT_TYPES: dict[str, str] = {
    "industrial": "工业项目",
    "industrial_real_estate": "工业地产项目",
    "logistics": "物流项目",
    OTHER_TYPE: "其他",
}
# What clerks also type for a type (a drop-down left out, an old template): label without 项目.
PROJECT_TYPE_ALIASES: dict[str, str] = {"工业": "industrial", "工业地产": "industrial_real_estate", "物流": "logistics"}


def project_type_code(text: str, labels: dict[str, str] | None = None) -> str | None:
    """The type code a person's text names (label, short name or code), None when it names none."""
    table = labels or PROJECT_TYPES
    for code, label in table.items():
        if text in (code, label):
            return code
    alias = PROJECT_TYPE_ALIASES.get(text)
    return alias if alias in table else None


def type_label(code: str) -> str:
    return PROJECT_TYPES.get(code, code)


# --- the engine's verdicts (审查结论) ----------------------------------------------------------

VERDICTS: dict[str, str] = {"approve": "建议准入", "conditional": "提请联席会议一事一议", "reject": "不予准入"}
VERDICT_ORDER = ("approve", "conditional", "reject")
INVALID_LABEL = "无效"
SEVERITIES: dict[str, str] = {"mandatory": "必备", "advisory": "参考"}

# --- the meeting's resolutions (审议结果) -------------------------------------------------------

RESULTS = ("通过", "有条件通过", "暂缓", "不予通过")
PASSED = ("通过", "有条件通过")
DEVIATION = "与审查结论不一致"


def is_deviation(result: str, verdict: str | None) -> bool:
    """A resolution against the engine's verdict (与审查结论不一致): passing a rejected project, or
    refusing one the engine would admit."""
    return (result in PASSED and verdict == "reject") or (result == "不予通过" and verdict == "approve")


# --- land and milestones (用地来源、项目进度) -----------------------------------------------------

NEW_LAND, OWN_LAND = "新增供地", "自有用地"
LAND_SOURCES = (NEW_LAND, OWN_LAND)
MILESTONES: tuple[tuple[str, str], ...] = (
    ("signed_on", "签约日期"),
    ("registered_on", "注册日期"),
    ("listed_on", "挂网日期"),
    ("supplied_on", "供地日期"),
    ("delivered_on", "交地日期"),
    ("started_on", "开工日期"),
    ("completed_on", "竣工日期"),
    ("in_production_on", "投产日期"),
    ("full_production_on", "达产日期"),
)
# A milestone by its short name (开工) and by its label (开工日期), as forms and the API take it.
MILESTONE_KEYS: dict[str, str] = {label.removesuffix("日期"): key for key, label in MILESTONES}
# The order the contract requires among the dates present: 挂网 ≤ 供地 ≤ 交地 ≤ 开工 ≤ 竣工 ≤ 投产 ≤ 达产.
ORDERED_MILESTONES = ("listed_on", "supplied_on", "delivered_on", "started_on", "completed_on", "in_production_on", "full_production_on")
LAND_MILESTONES = ("listed_on", "supplied_on", "delivered_on")  # none of these on 自有用地
CONTRACT_DATES: tuple[tuple[str, str], ...] = (
    ("agreed_delivery_on", "约定交地日期"),
    ("agreed_start_on", "约定开工日期"),
    ("agreed_completion_on", "约定竣工日期"),
    ("agreed_full_production_on", "约定达产日期"),
)
# The land contract (国有建设用地使用权出让合同) and its 监管协议, beyond its dates: key, header, kind.
CONTRACT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("contract_number", "合同编号", "text"),
    ("parcel_number", "地块编号", "text"),
    ("contract_area_mu", "出让面积（亩）", "amount"),
    ("contract_signed_on", "合同签订日期", "date"),
    ("committed_fixed_assets", "约定固定资产投资（万元）", "amount"),
    ("committed_tax", "约定年税收（万元）", "amount"),
    ("committed_output", "约定达产产值（万元）", "amount"),
)
# Approved extensions (延建): which agreed date moves, and why (an enterprise's request is limited).
EXTENSION_STEPS: dict[str, str] = {"开工": "agreed_start_on", "竣工": "agreed_completion_on", "达产": "agreed_full_production_on"}
EXTENSION_CAUSES = ("政府原因", "不可抗力", "企业申请")
ENTERPRISE_REQUEST = "企业申请"

# A project's stage (阶段): the furthest step it has reached.
STAGES = ("已申请", "已审查", "暂缓", "不予通过", "已过会", *(label.removesuffix("日期") for _, label in MILESTONES), "终止")

# --- the ledger's events (变更记录) -------------------------------------------------------------

EVENT_KINDS: dict[str, str] = {
    "application_added": "登记申请",
    "application_revised": "申请修订",
    "project_added": "新建项目",
    "project_updated": "更新项目",
    "meeting_added": "登记会议",
    "resolution_recorded": "登记审议结果",
    "resolution_corrected": "更正审议结果",
    "project_corrected": "更正项目数据",
    "project_transferred": "项目流转",
    "project_terminated": "项目终止",
    "project_extended": "批准延期",
    "results_corrected": "更正履约数据",
    "submission_refused": "受理登记（材料无效，退回补正）",
    "results_recorded": "登记履约数据",
    "results_updated": "更新履约数据",
    "agenda_set": "设定议程",
    "finding_status": "登记核查处理情况",
    "user_added": "新建账户",
    "token_issued": "发放接口令牌",
    "user_disabled": "停用账户",
    "user_enabled": "启用账户",
    "password_set": "设置密码",
    "tokens_revoked": "收回接口令牌",
    "target_set": "设定目标任务",
    "target_corrected": "更正目标任务",
    "note_added": "填报进展情况",
    "supervision_issued": "发出督办通知",
    "supervision_replied": "督办事项反馈",
    "supervision_closed": "督办事项办结",
}

# --- 履约 findings and what was done about them ---------------------------------------------------

# In the order findings are listed within a project (monitoring contract, version 2).
FINDING_KINDS: dict[str, str] = {
    "not_delivered": "待交地",
    "no_contract": "未录入土地出让合同",
    "late_start": "延期开工",
    "late_completion": "延期竣工",
    "idle_land": "土地闲置",
    "reclaim": "建议无偿收回",
    "investment_shortfall": "投资未达约定",
    "tax_shortfall": "税收未达承诺",
    "missing_data": "缺少履约数据",
}
# Whom a finding is for: the enterprise (a claim or a request), the land authority (移送), or the
# office itself (data to complete, a matter for the district).
ADDRESSEES: dict[str, str] = {
    "not_delivered": "internal",
    "no_contract": "internal",
    "late_start": "enterprise",
    "late_completion": "enterprise",
    "idle_land": "referral",
    "reclaim": "referral",
    "investment_shortfall": "enterprise",
    "tax_shortfall": "enterprise",
    "missing_data": "enterprise",
}
ADDRESSEE_LABELS: dict[str, str] = {"enterprise": "企业", "referral": "移送自然资源主管部门", "internal": "内部处理"}
FINDING_STATUSES: dict[str, str] = {"notified": "已通知", "paid": "已缴纳", "waived": "已免除", "disputed": "有异议"}
CLOSED_STATUSES = ("paid", "waived")


def code_for(text: str, table: dict[str, str]) -> str | None:
    """The code of a table that a person's text names, by its code or its Chinese label."""
    if text in table:
        return text
    return next((code for code, label in table.items() if label == text), None)


# --- web accounts ------------------------------------------------------------------------------

ROLES: dict[str, str] = {"admin": "系统管理员", "reviewer": "审查员", "district": "区县专员", "viewer": "只读"}


# --- supervision (督办与考核) ----------------------------------------------------------------------

CITY = "全市"
EXPANSION = "增资扩产"  # 项目性质; empty means 新引进
NATURES = ("新引进", EXPANSION)
# The indicator catalogue of yearly targets, in the contract's order: code -> its Chinese name.
TARGET_INDICATORS: dict[str, str] = {
    "reviewed": "评审项目数",
    "passed": "过会项目数",
    "passed_investment_yi": "过会项目投资额（亿元）",
    "signed": "引进项目数",
    "signed_investment_yi": "引进项目投资额（亿元）",
    "attraction": "引进超亿元项目数",
    "attraction_investment_yi": "引进超亿元项目投资额（亿元）",
    "manufacturing_investment_yi": "制造业项目投资额（亿元）",
    "manufacturing_share": "制造业项目投资占比",
    "key_chain_investment_yi": "重点产业链项目投资额（亿元）",
    "key_chain_share": "重点产业链项目投资占比",
    "over_10yi": "投资10亿元以上项目数",
    "over_50yi": "投资50亿元以上项目数",
    "expansion": "增资扩产项目数",
    "expansion_investment_yi": "增资扩产项目投资额（亿元）",
    "started": "动工项目数",
    "landing_rate": "落地率",
    "listed_rate": "挂网率",
    "supplied_rate": "供地率",
    "started_rate": "动工率",
}
# Shares and rates are not cumulative: no 序时进度, compared with the target directly.
PROPORTIONS = frozenset({"manufacturing_share", "key_chain_share", "landing_rate", "listed_rate", "supplied_rate", "started_rate"})
DIRECTIONS: dict[str, str] = {">=": "≥", "<=": "≤"}
LIGHTS: dict[str, str] = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
# What a 督办 chases, in the order of a project's life: code -> (name, the milestone that ends it).
CHASE_ITEMS: dict[str, tuple[str, str]] = {
    "unsigned": ("未签约", "signed_on"),
    "unregistered": ("未注册", "registered_on"),
    "unlisted": ("未挂网", "listed_on"),
    "unsupplied": ("未供地", "supplied_on"),
    "undelivered": ("未交地", "delivered_on"),
    "unstarted": ("未开工", "started_on"),
    "uncompleted": ("未竣工", "completed_on"),
    "not_in_production": ("未投产", "in_production_on"),
}
NOTE_FIELDS: tuple[tuple[str, str], ...] = (
    ("progress", "目前进展"), ("problems", "存在问题"), ("coordination", "需协调事项"), ("unit", "责任单位"), ("person", "责任人"),
)  # fmt: skip


def indicator_code(text: str) -> str | None:
    """A catalogue indicator a person named: its code, or its Chinese name with or without spaces
    and the unit (投资 10 亿元以上项目数, 过会项目投资额)."""
    squeezed = "".join(text.split())
    for code, label in TARGET_INDICATORS.items():
        if squeezed in (code, label, label.split("（")[0]):
            return code
    return None
