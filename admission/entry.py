"""The ``admit`` console script: signals are set up before anything heavy is imported.

Ctrl-C while click, pydantic and the rule engine were still being imported used to print a
Python traceback, and SIGTERM ended the process without any clean-up (``.tmp`` debris beside
the outputs). See ``interrupts`` for what both do now.
"""

from __future__ import annotations

import sys

from .interrupts import exit_code_of, install_signal_handlers


def run() -> None:
    install_signal_handlers()
    try:
        from .cli import main

        main()
    except KeyboardInterrupt as interrupt:  # during start-up, before the commands' own handling
        sys.stderr.write("已中断。\n")
        sys.exit(exit_code_of(interrupt))
