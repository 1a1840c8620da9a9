"""A module that sends its own process SIGTERM while it is being imported (test_hardening)."""

import os
import signal

import click

os.kill(os.getpid(), signal.SIGTERM)
total = sum(range(10_000))  # bytecode runs here: an unheld signal's handler would raise now
probe = click.Command("probe")
finished = True
