"""Real databases for the ledger tests: a SQLite file, and a PostgreSQL server started here.

The server is the machine's own PostgreSQL binaries (`make test` installs them as root when
they are missing), started once per test session on a free loopback port with its own data
directory, as the `postgres` user when the tests run as root (initdb refuses root). Each test
gets a fresh database on it. Nothing is skipped: a missing server is a failed test run.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

_counter = itertools.count(1)


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL server binary {name} not found: run `make test` as root, or install the Debian package postgresql")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_postgres() -> Iterator[str]:
    """Start a server; yields its base URL (``postgresql://admit@127.0.0.1:PORT``); stops it after."""
    folder = Path(tempfile.mkdtemp(prefix="admit-pg-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    subprocess.run(
        _as_server_user([_binary("initdb"), "-D", str(data), "-U", "admit", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} -c fsync=off -c max_connections=60"
    subprocess.run(
        _as_server_user([_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "-t", "60", "start"]),
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql://admit@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(base_url: str) -> str:
    """A new, empty database on the server; its URL."""
    import psycopg2

    name = f"t{os.getpid()}_{next(_counter)}"
    connection = psycopg2.connect(f"{base_url}/postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()
    return f"{base_url}/{name}"
