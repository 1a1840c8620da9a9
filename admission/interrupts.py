"""Ctrl-C (SIGINT) and SIGTERM: one behaviour for both, and places where they must wait.

Both raise :class:`Interrupted` where the program is, so every ``finally`` block cleans up
(temporary files beside outputs, the engine's session state), one line "已中断。" is printed, and
the exit code is 128 + the signal number. Two places hold them back for their few microseconds:
renaming finished outputs into place (all or none), and a rule-engine call (durable_rules
catches any exception raised inside its actions, prints a traceback and carries on).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised where the program is, so ``finally`` blocks clean up."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


# Signals that arrived while the main thread held them (None: not holding). Blocking with
# pthread_sigmask alone is not enough once other threads exist (a thread pool, the engine's
# timers): the kernel then hands a process signal to a thread that does not block it, and Python
# runs our handler in the main thread anyway. So the handler itself defers while held.
_deferred: list[int] | None = None


def _raise_interrupted(signal_number: int, frame: FrameType | None) -> None:
    if _deferred is not None:
        _deferred.append(signal_number)
        return
    raise Interrupted(signal_number)


def install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)


def exit_code_of(interrupt: BaseException) -> int:
    return 128 + (interrupt.signal_number if isinstance(interrupt, Interrupted) else signal.SIGINT)


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (they are delivered right after)."""
    global _deferred
    outermost = threading.current_thread() is threading.main_thread() and _deferred is None
    if outermost:
        _deferred = []
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a blocked signal is handled here, and deferred
        if outermost:
            pending, _deferred = _deferred, None
            if pending:
                raise Interrupted(pending[0])
