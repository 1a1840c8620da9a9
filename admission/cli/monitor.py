"""``admit monitor`` (履约核查) and ``admit monitor mark``: thin commands over ``admission.monitoring``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from admission.app import Admit
from admission.cli.options import as_of_option_saying, as_recorded_option, by_option, date_option, json_option, output_option, uses_admit
from admission.cli.shell import AdmitGroup, emit_json, notice, reports_errors, save, targets, terminal_style
from admission.documents.files import check_outputs
from admission.errors import UsageError
from admission.monitoring.ledger import mark
from admission.monitoring.outputs import summary_lines
from admission.vocabulary import FINDING_KINDS, FINDING_STATUSES, code_for

as_of_option = as_of_option_saying("核查日期（默认今天）。")


@click.group(cls=AdmitGroup, invoke_without_command=True)
@as_of_option
@as_recorded_option
@click.option("--district", default=None, help="只核查这一区域的项目。")
@json_option("以 JSON 输出核查结果。")
@output_option("xlsx", "写出各区可据以办理的核查结果表。")
@output_option("pdf", "写出核查汇总与逐项目《履约核查通知书》PDF。")
@output_option("docx", "写出可编辑的 Word 文档（与 PDF 内容相同）。")
@output_option("html", "同时写出 PDF 的 HTML。")
@click.pass_context
@uses_admit(db=True, templates=True, fonts=True)
@reports_errors
def monitor(
    ctx: click.Context,
    admit: Admit,
    as_of: date | None,
    as_recorded: str | None,
    district: str | None,
    as_json: bool,
    xlsx_path: Path | None,
    pdf_path: Path | None,
    docx_path: Path | None,
    html_path: Path | None,
) -> None:
    """履约核查：对照土地出让合同与承诺，列出过会项目的违约情形与可追偿金额（精确到分）。

    只读台账，不作任何修改；处理情况用 admit monitor mark 登记。

    \b
    示例：
      admit monitor --as-of 2026-11-21
      admit monitor --district 台山市 --xlsx 履约核查.xlsx --pdf 履约核查.pdf
      admit monitor mark JM-2023-0042 延期开工 --status 已通知
    """
    if ctx.invoked_subcommand is not None:
        return
    outputs = targets(xlsx=xlsx_path, pdf=pdf_path, docx=docx_path, html=html_path)
    check_outputs(outputs.values())
    wanted = admit.district(district)
    on = as_of or date.today()
    result = admit.monitor(on, wanted, as_recorded=as_recorded)
    for warning in result["warnings"]:
        notice(warning)
    save(admit.monitor_documents(result, on, outputs.keys()), outputs)
    if as_json:
        emit_json(result)
    else:
        for line, role in summary_lines(result, on):
            click.echo(terminal_style(line, role))


@monitor.command("mark")
@click.argument("project")
@click.argument("kind", metavar="核查类型")
@click.option("--year", type=int, default=None, help="年度（税收未达承诺、缺少履约数据等按年度的核查结果）。")
@click.option(
    "--status",
    metavar="处理情况",
    required=True,
    help="已通知、已缴纳、已免除（须写理由）、有异议（也可写 notified、paid、waived、disputed）。",
)
@click.option("--reason", default=None, help="理由或说明（免除时必填）。")
@date_option("--on", "处理情况的日期（默认今天），如缴纳日期。")
@click.option("--amount", default=None, metavar="万元", help="已缴纳时：本次缴纳金额（万元）；部分缴纳的，其余仍计为未结。")
@click.option("--receipt", default=None, help="已缴纳时：缴款凭证号。")
@as_of_option
@uses_admit(db=True)
@by_option
@reports_errors
def monitor_mark(
    admit: Admit, project: str, kind: str, year: int | None, status: str, reason: str | None, on: date | None, amount: str | None,
    receipt: str | None, as_of: date | None, actor: str,
) -> None:  # fmt: skip
    """登记一项核查结果的处理情况（已通知、已缴纳、已免除、有异议），记入台账变更记录。

    核查类型写中文名称（延期开工、土地闲置、延期竣工、投资未达约定、税收未达承诺、缺少履约数据）或其代码。
    已缴纳、已免除的核查结果不再计入未结金额。

    \b
    示例：
      admit monitor mark JM-2023-0042 延期开工 --status 已通知 --by 王五
      admit monitor mark JM-2023-0042 税收未达承诺 --year 2025 --status 已免除 --reason "受灾减免，经市政府同意"
    """
    paid = None
    if amount is not None:
        try:
            paid = Decimal(amount.replace(",", ""))
        except ArithmeticError:
            raise UsageError(f"金额应为数字，实际为 {amount!r}") from None
    changed = mark(admit.ledger(), admit.rulebook, project, kind, year, status, reason, actor, as_of or date.today(),
                   on=on, amount=paid, receipt=receipt)  # fmt: skip
    if not changed:
        click.echo("该处理情况已登记，没有变化。")
        return
    which = FINDING_KINDS[code_for(kind, FINDING_KINDS) or kind] + (f"（{year} 年）" if year else "")
    click.echo(f"已登记：{project} {which} → {FINDING_STATUSES[code_for(status, FINDING_STATUSES) or status]}")
