"""``admit ledger …``: the project ledger (项目台账). The group names its commands by module: the
reading ones (``ledger_views``) load no rule engine, so ``admit ledger show`` answers at once."""

from __future__ import annotations

import click

from admission.cli.shell import AdmitGroup

_VIEWS = "admission.cli.ledger_views"
_CHANGES = "admission.cli.ledger_changes"
COMMANDS = {
    "show": f"{_VIEWS}:ledger_show",
    "list": f"{_VIEWS}:ledger_list",
    "verify": f"{_VIEWS}:ledger_verify",
    "export": f"{_CHANGES}:ledger_export",
    "upgrade": f"{_VIEWS}:ledger_upgrade",
    "add": f"{_CHANGES}:ledger_add",
    "import": f"{_CHANGES}:ledger_import",
    "template": f"{_CHANGES}:ledger_template",
    "resolve": f"{_CHANGES}:ledger_resolve",
    "agenda": f"{_CHANGES}:ledger_agenda",
    "correct": f"{_CHANGES}:ledger_correct",
    "transfer": f"{_CHANGES}:ledger_transfer",
    "terminate": f"{_CHANGES}:ledger_terminate",
    "extend": f"{_CHANGES}:ledger_extend",
    "note": f"{_CHANGES}:ledger_note",
    "backup": f"{_VIEWS}:ledger_backup",
}


@click.group(cls=AdmitGroup, lazy=COMMANDS)
def ledger() -> None:
    """项目台账：登记申请与审查结论、会议审议结果、项目进度与履约数据，查询与校验。"""
