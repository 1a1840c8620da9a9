"""The ``admit`` command line: thin click commands over :class:`admission.app.Admit`.

The root group names its sub-commands by module; each is imported only when it runs (click's
LazyGroup pattern), so ``admit ledger show`` loads neither the rule engine nor WeasyPrint.
"""

from __future__ import annotations

import click

from admission import __version__
from admission.cli.shell import RootGroup

COMMANDS = {
    "check": "admission.cli.check:check",
    "schema": "admission.cli.check:schema",
    "screen": "admission.cli.screen:screen",
    "template": "admission.cli.screen:template",
    "packet": "admission.cli.packet:packet",
    "rules": "admission.cli.rules:rules",
    "ledger": "admission.cli.ledger:ledger",
    "monitor": "admission.cli.monitor:monitor",
    "report": "admission.cli.report:report",
    "targets": "admission.cli.supervision:targets_group",
    "supervise": "admission.cli.supervision:supervise",
    "serve": "admission.cli.web:serve",
    "user": "admission.cli.web:user",
}


@click.group(cls=RootGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="admit")
def main() -> None:
    """admit：江门市招商引资项目准入审查工具。"""


__all__ = ["main"]
