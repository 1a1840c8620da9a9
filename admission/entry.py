"""The ``admit`` console script: signals are set up before anything heavy is imported.

Ctrl-C while click, pydantic and the rule engine are still being imported used to print a
Python traceback; SIGTERM (a service manager, ``timeout``) ended the process without running
any clean-up, leaving ``.tmp`` files beside the outputs. Both now end the same way: the
clean-up in ``finally`` blocks runs, one line "已中断。" is printed, and the exit code is 128 + the
signal number.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised where the program is, so ``finally`` blocks clean up."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


def _raise_interrupted(signal_number: int, frame: FrameType | None) -> None:
    raise Interrupted(signal_number)


def install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)


def exit_code_of(interrupt: KeyboardInterrupt) -> int:
    return 128 + (interrupt.signal_number if isinstance(interrupt, Interrupted) else signal.SIGINT)


def run() -> None:
    install_signal_handlers()
    try:
        from .cli import main

        main()
    except KeyboardInterrupt as interrupt:  # during start-up, before the commands' own handling
        sys.stderr.write("已中断。\n")
        sys.exit(exit_code_of(interrupt))
