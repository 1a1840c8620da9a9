"""The ledger's tables (SQLAlchemy Core). Amounts are exact decimal text, never binary floats.

Revisions, decisions, resolutions and events are only ever inserted. A project's row holds its
current identity, milestones and land contract; every change to it is also an event that keeps
the value before and after.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Amounts (万元) as decimal text: exact on both engines, compared and summed as Decimal in Python.
Amount = sa.String(40)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # 案件编号
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("district", sa.String(40), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),  # industrial | industrial_real_estate | logistics | other
    sa.Column("industry_code", sa.String(8)),
    sa.Column("chain", sa.String(40)),
    sa.Column("total_investment", Amount),
    sa.Column("land_source", sa.String(8), nullable=False, server_default="新增供地"),
    sa.Column("nature", sa.String(8)),  # 项目性质: 新引进 (empty) or 增资扩产
    sa.Column("signed_on", sa.Date),
    sa.Column("registered_on", sa.Date),
    sa.Column("listed_on", sa.Date),
    sa.Column("supplied_on", sa.Date),
    sa.Column("delivered_on", sa.Date),
    sa.Column("started_on", sa.Date),
    sa.Column("completed_on", sa.Date),
    sa.Column("in_production_on", sa.Date),
    sa.Column("full_production_on", sa.Date),
    sa.Column("land_price", Amount),
    sa.Column("agreed_delivery_on", sa.Date),  # 约定交地日期: the land contract's delivery date
    sa.Column("contract_number", sa.String(40)),  # 合同编号
    sa.Column("parcel_number", sa.String(40)),  # 地块编号
    sa.Column("contract_area_mu", Amount),  # 出让面积（亩）
    sa.Column("contract_signed_on", sa.Date),  # 合同签订日期
    sa.Column("committed_fixed_assets", Amount),  # 监管协议 commitments, when they differ from the application's
    sa.Column("committed_tax", Amount),
    sa.Column("committed_output", Amount),
    sa.Column("agreed_start_on", sa.Date),
    sa.Column("agreed_completion_on", sa.Date),
    sa.Column("agreed_full_production_on", sa.Date),
)

revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("content", sa.Text, nullable=False),  # canonical JSON of the application
    sa.Column("sha256", sa.String(71), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),  # UTC, ISO 8601
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("effective_on", sa.Date),  # its 受理日期, else the day it was recorded (Beijing time)
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(64), nullable=False, index=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("made_at", sa.String(32), nullable=False),
    sa.Column("review_date", sa.Date, nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("rulebook_version", sa.String(40), nullable=False),
    sa.Column("rulebook_digest", sa.String(71), nullable=False),
    sa.Column("content", sa.Text, nullable=False),  # the admit check --json object
    sa.ForeignKeyConstraint(["project_id", "revision"], ["revisions.project_id", "revisions.number"]),
)

meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # 会议编号, unique within the year
    sa.Column("held_on", sa.Date, nullable=False),
    sa.UniqueConstraint("year", "number", name="uq_meetings_year_number"),
)

agenda = sa.Table(
    "agenda",
    metadata,
    sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), primary_key=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

resolutions = sa.Table(
    "resolutions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False, index=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("result", sa.String(8), nullable=False),  # 通过 | 有条件通过 | 暂缓 | 不予通过
    sa.Column("conditions", sa.Text),
    sa.Column("verdict", sa.String(16)),  # the engine's verdict on that revision, when the resolution was made
    sa.Column("deviation", sa.Boolean, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("added_item", sa.Boolean, nullable=False, server_default=sa.false()),  # 临时增补议题
    sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),  # 撤销: no longer in force
    sa.Column("reason", sa.Text),  # why a correction or withdrawal was recorded
)

# A project moving between districts (项目流转): the district in force from ``effective_on``.
transfers = sa.Table(
    "transfers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("from_district", sa.String(40), nullable=False),
    sa.Column("to_district", sa.String(40), nullable=False),
    sa.Column("approval", sa.String(200), nullable=False),  # 批准文号
    sa.Column("reason", sa.Text),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

# An approved extension (延建): the agreed start, completion or 达产 date moved, with its cause.
extensions = sa.Table(
    "extensions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("step", sa.String(8), nullable=False),  # 开工 | 竣工 | 达产
    sa.Column("to_date", sa.Date, nullable=False),
    sa.Column("cause", sa.String(8), nullable=False),  # 政府原因 | 不可抗力 | 企业申请
    sa.Column("approval", sa.String(200), nullable=False),  # 批准文号
    sa.Column("approved_on", sa.Date),
    sa.Column("reason", sa.Text),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

# A project ended (终止): withdrawn by the investor, contract rescinded, land reclaimed.
terminations = sa.Table(
    "terminations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

# Invalid submissions kept (受理登记: 退回补正), linked by 案件编号 to a later valid revision.
refused_submissions = sa.Table(
    "refused_submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(64), index=True),
    sa.Column("name", sa.String(200)),
    sa.Column("district", sa.String(40)),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("problems", sa.Text, nullable=False),  # JSON: [{"path", "message", "column"?}]
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

yearly_results = sa.Table(
    "yearly_results",
    metadata,
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("tax", Amount),
    sa.Column("output", Amount),
    sa.Column("fixed_assets", Amount),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False, index=True),
    sa.Column("project_id", sa.String(64), index=True),
    sa.Column("detail", sa.Text, nullable=False),  # canonical JSON: what changed, before and after
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),  # reviewer | district | viewer
    sa.Column("district", sa.String(40)),
    sa.Column("password_hash", sa.Text),  # argon2id, salted; never the password
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),  # bumped: older sessions end
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.Text, nullable=False),  # argon2id of the secret part; the token is shown once
    sa.Column("created_at", sa.String(32), nullable=False),
)

# Screenings of `admit serve` (会前预审 uploads): kept per user in the database for a day, so that
# a restart or another user's uploads never lose them; not ledger facts (no events).
screenings = sa.Table(
    "screenings",
    metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("owner", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("created_at", sa.String(32), nullable=False, index=True),
    sa.Column("names", sa.Text, nullable=False),  # JSON: the uploaded files' own names, in order
    sa.Column("results", sa.Text, nullable=False),  # JSON: the screening's results
)
screening_files = sa.Table(
    "screening_files",
    metadata,
    sa.Column("key", sa.String(32), sa.ForeignKey("screenings.key", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("suffix", sa.String(8), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

# --- supervision (督办与考核): targets, progress notes, 督办 rounds. Append-only records, each with
# its recorded time, so a target report or a 督办 list as recorded by R reads what was known then.

# A yearly target (年度目标任务) of the city (region 全市) or a district. Setting a target again is
# a new record that supersedes the last (a changed value needs a reason, as every correction does).
targets = sa.Table(
    "targets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("region", sa.String(40), nullable=False),  # 全市 or a district
    sa.Column("indicator", sa.String(40), nullable=False),  # a code of the catalogue (vocabulary.TARGET_INDICATORS)
    sa.Column("direction", sa.String(2), nullable=False),  # >= | <=
    sa.Column("target", Amount, nullable=False),  # exact decimal text; a share or rate as a fraction (0.7)
    sa.Column("weight", Amount),  # 权重 (for scoring); none: not scored
    sa.Column("explanation", sa.Text),  # 未达标原因, as the office writes it
    sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reason", sa.Text),  # why a target was changed or withdrawn
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

# A dated progress note (进展情况) of a project: the latest by 填报日期 as of D is the one shown.
progress_notes = sa.Table(
    "progress_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("noted_on", sa.Date, nullable=False),  # 填报日期
    sa.Column("progress", sa.Text),  # 目前进展
    sa.Column("problems", sa.Text),  # 存在问题
    sa.Column("coordination", sa.Text),  # 需协调事项
    sa.Column("unit", sa.String(100)),  # 责任单位
    sa.Column("person", sa.String(100)),  # 责任人
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)

# A 督办 round: one 督办通知 to one district, with one item per overdue project and milestone.
supervision_rounds = sa.Table(
    "supervision_rounds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # the notice number NOTICE
    sa.Column("number", sa.String(100), nullable=False),  # 文号
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("district", sa.String(40), nullable=False),
    sa.Column("reply_due", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)
supervision_items = sa.Table(
    "supervision_items",
    metadata,
    sa.Column("round_id", sa.Integer, sa.ForeignKey("supervision_rounds.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),  # ITEM: 1, 2, … in the notice's table
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("item", sa.String(24), nullable=False),  # a code of vocabulary.CHASE_ITEMS
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("light", sa.String(8), nullable=False),  # at issue
    sa.Column("note", sa.Text),  # the latest progress note at issue, as the notice printed it
)
# A district's reply to an item (反馈) or its closing (办结), effective on its date.
supervision_actions = sa.Table(
    "supervision_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("round_id", sa.Integer, sa.ForeignKey("supervision_rounds.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # reply | close
    sa.Column("acted_on", sa.Date, nullable=False),
    sa.Column("text", sa.Text),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
)
