"""``admit targets set | list`` and ``admit supervise list | issue | reply | close | notice``: thin
commands over ``admission.supervision`` and the ledger's supervision writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import (
    as_of_option_saying,
    as_recorded_option,
    by_option,
    date_option,
    default_as_of,
    json_option,
    output_option,
    uses_admit,
)
from admission.cli.shell import AdmitGroup, answer, emit_json, reports_errors, save, targets, terminal_style
from admission.documents.files import check_outputs
from admission.errors import AdmitError
from admission.ledger.supervision import CLOSE, REPLY, act_on_item, set_target, target_entry
from admission.supervision.outputs import chase_lines, targets_lines
from admission.vocabulary import CITY, TARGET_INDICATORS

supervise_admit = uses_admit(db=True, templates=True, fonts=True)


@click.group("targets", cls=AdmitGroup)
def targets_group() -> None:
    """年度目标任务：录入全市和各区域的目标值、方向与权重，查看完成情况。"""


@targets_group.command("set")
@click.option("--year", type=click.IntRange(1990, 9999), required=True, help="年度，如 2024。")
@click.option("--region", default=CITY, show_default=True, help=f"{CITY}或区域名称。")
@click.option("--indicator", required=True, metavar="指标", help="指标名称（如 评审项目数）或代码（如 reviewed）。")
@click.option("--target", "value", required=True, metavar="目标值", help="目标值；占比、比率可写 70%。")
@click.option("--direction", default="≥", show_default=True, metavar="≥|≤", help="≥ 不低于目标值，≤ 不高于目标值。")
@click.option("--weight", default=None, metavar="权重", help="计分权重（不计分的目标不填）。")
@click.option("--explanation", default=None, metavar="文字", help="未达标原因（绩效自评表中列出）。")
@click.option("--reason", default=None, metavar="文字", help="更正原因：更改已设定的目标值、方向或权重时必填。")
@uses_admit(db=True)
@by_option
@reports_errors
def targets_set(
    admit: Admit, year: int, region: str, indicator: str, value: str, direction: str, weight: str | None, explanation: str | None,
    reason: str | None, actor: str,
) -> None:  # fmt: skip
    """设定（或更正）一项年度目标任务，记入台账。

    \b
    示例：
      admit targets set --year 2024 --indicator 评审项目数 --target 170 --weight 6.67
      admit targets set --year 2024 --region 新会区 --indicator 引进超亿元项目投资额 --target 680 --weight 40
      admit targets set --year 2024 --indicator 重点产业链项目投资占比 --target 70%
      admit targets set --year 2024 --indicator 评审项目数 --target 160 --weight 6.67 --reason "市政府调整年度目标"
    """
    entry = target_entry(year, region, indicator, value, direction, weight, explanation, admit.rulebook.districts, date.today())
    changed = set_target(admit.ledger(create=True), entry, reason, actor=actor, source="admit targets set")
    label = TARGET_INDICATORS[entry.indicator]
    click.echo(f"{'已登记' if changed else '未变化'}：{entry.year} 年{entry.region}“{label}”目标 {value}")


@targets_group.command("list")
@click.option("--year", type=click.IntRange(1990, 9999), required=True, help="年度。")
@click.option("--district", default=None, help=f"只看这一区域（默认{CITY}）。")
@as_of_option_saying("统计截止日期（默认今天与年末中较早的一天）。")
@as_recorded_option
@json_option("以 JSON 输出。")
@uses_admit(db=True)
@reports_errors
def targets_list(admit: Admit, year: int, district: str | None, as_of: date | None, as_recorded: str | None, as_json: bool) -> None:
    """列出一个年度的目标任务及其完成情况（与 admit report targets 相同）。

    \b
    示例：
      admit targets list --year 2024
      admit targets list --year 2024 --district 新会区 --json
    """
    report = admit.targets_report(year, as_of or default_as_of(year), admit.district(district), as_recorded)
    if as_json:
        emit_json(report)
        return
    for line in targets_lines(report):
        click.echo(line)


@click.group("supervise", cls=AdmitGroup, invoke_without_command=False)
def supervise() -> None:
    """督办：逾期项目与亮灯，督办通知的发出、反馈与办结（季督促）。"""


as_of_supervise = as_of_option_saying("督办日期（默认今天）。")


@supervise.command("list")
@as_of_supervise
@as_recorded_option
@click.option("--district", default=None, help="只看这一区域。")
@json_option("以 JSON 输出。")
@output_option("xlsx", "写出督办清单（Excel）。")
@uses_admit(db=True)
@reports_errors
def supervise_list(
    admit: Admit, as_of: date | None, as_recorded: str | None, district: str | None, as_json: bool, xlsx_path: Path | None
) -> None:
    """列出逾期未完成的过会项目（红灯、黄灯）及其事项，以及尚未办结的督办通知。

    \b
    示例：
      admit supervise list
      admit supervise list --district 新会区 --xlsx 督办清单.xlsx
    """
    answer(targets(xlsx=xlsx_path), lambda: admit.chase(as_of or date.today(), admit.district(district), as_recorded),
           admit.chase_documents, as_json, chase_lines)  # fmt: skip


@supervise.command("issue")
@click.option("--district", required=True, help="被督办的区域。")
@as_of_supervise
@output_option("pdf", "写出督办通知 PDF。")
@output_option("docx", "写出督办通知 Word 文件。")
@output_option("html", "同时写出 PDF 的 HTML。")
@json_option("以 JSON 输出督办通知。")
@supervise_admit
@by_option
@reports_errors
def supervise_issue(
    admit: Admit, district: str, as_of: date | None, pdf_path: Path | None, docx_path: Path | None, html_path: Path | None,
    as_json: bool, actor: str,
) -> None:  # fmt: skip
    """向一个区域发出督办通知：列出该区域全部逾期事项，记入台账，并写出公文。

    \b
    示例：
      admit supervise issue --district 新会区 --pdf 督办通知.pdf --docx 督办通知.docx
    """
    outputs = targets(pdf=pdf_path, docx=docx_path, html=html_path)
    check_outputs(outputs.values())
    notice = admit.issue_supervision(admit.district(district) or district, as_of or date.today(), actor, "admit supervise issue")
    try:
        save(admit.notice_documents(notice, outputs.keys()), outputs)
    except AdmitError as error:  # the round is recorded: say so, and how to write its documents again
        number = notice["notice"]
        error.args = (f"督办通知 {number} 已记入台账，但文书未能写出：{error}；处理后可用 admit supervise notice {number} 重新写出",)
        raise
    if as_json:
        emit_json(notice)
        return
    click.echo(f"已发出督办通知 {notice['notice']}（{notice['number']}），{len(notice['items'])} 项，请于 {notice['reply_due']} 前反馈")
    for item in notice["items"]:
        overdue = f"逾期 {item['overdue_days']} 天，{item['light_label']}"
        click.echo(f"  {item['position']}. {item['project']}  {item['name']}  {item['label']}（{overdue}）")


@supervise.command("notice")
@click.argument("notice_id", type=int, metavar="通知编号")
@output_option("pdf", "写出督办通知 PDF。")
@output_option("docx", "写出督办通知 Word 文件。")
@output_option("html", "同时写出 PDF 的 HTML。")
@json_option("以 JSON 输出督办通知。")
@supervise_admit
@reports_errors
def supervise_notice(admit: Admit, notice_id: int, pdf_path: Path | None, docx_path: Path | None, html_path: Path | None,
                     as_json: bool) -> None:  # fmt: skip
    """重新写出一份已发出的督办通知（内容与发出时相同）。

    \b
    示例：
      admit supervise notice 1 --pdf 督办通知.pdf --docx 督办通知.docx
    """
    outputs = targets(pdf=pdf_path, docx=docx_path, html=html_path)
    check_outputs(outputs.values())
    notice = admit.notice(notice_id)
    save(admit.notice_documents(notice, outputs.keys()), outputs)
    if as_json or not outputs:
        emit_json(notice)


def _act(admit: Admit, kind: str, notice_id: int, position: int, on: date | None, text: str | None, actor: str) -> None:
    source = f"admit supervise {kind}"
    act_on_item(admit.ledger(), notice_id, position, kind, on or date.today(), text, actor=actor, today=date.today(), source=source)


@supervise.command("reply")
@click.argument("notice_id", type=int, metavar="通知编号")
@click.argument("position", type=int, metavar="事项序号")
@click.option("--text", required=True, help="反馈内容。")
@date_option("--on", "反馈日期（默认今天）。")
@uses_admit(db=True)
@by_option
@reports_errors
def supervise_reply(admit: Admit, notice_id: int, position: int, text: str, on: date | None, actor: str) -> None:
    """登记区域对一项督办事项的书面反馈。

    \b
    示例：
      admit supervise reply 3 1 --text "已完成挂网公告，预计 12 月供地" --on 2026-12-05
    """
    _act(admit, REPLY, notice_id, position, on, text, actor)
    click.echo(terminal_style(f"已登记反馈：督办通知 {notice_id} 第 {position} 项", "pass"))


@supervise.command("close")
@click.argument("notice_id", type=int, metavar="通知编号")
@click.argument("position", type=int, metavar="事项序号")
@date_option("--on", "办结日期（默认今天）。")
@click.option("--reason", default=None, help="办结说明。")
@uses_admit(db=True)
@by_option
@reports_errors
def supervise_close(admit: Admit, notice_id: int, position: int, on: date | None, reason: str | None, actor: str) -> None:
    """办结一项督办事项（该事项的进度日期登记后自动视为办结）。

    \b
    示例：
      admit supervise close 3 1 --on 2026-12-20 --reason "已开工"
    """
    _act(admit, CLOSE, notice_id, position, on, reason, actor)
    click.echo(terminal_style(f"已办结：督办通知 {notice_id} 第 {position} 项", "pass"))
