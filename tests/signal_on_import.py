"""A module whose import is interrupted half-way: SIGTERM's handler runs while it is being imported,
as Python runs it in the main thread when the signal arrived in another thread (test_hardening)."""

import signal

import click

handler = signal.getsignal(signal.SIGTERM)
assert callable(handler)
handler(signal.SIGTERM, None)
probe = click.Command("probe")
finished = True
