"""Opening a ledger: SQLite by path or PostgreSQL by URL, its schema version, writing transactions.

- ``--db TARGET``, else ``ADMIT_DB``, else ``admit.db`` in the working directory. A target with
  ``://`` is a URL (``postgresql://…``, ``sqlite:///…``), anything else a SQLite file path.
- A new database is created at the current schema. An existing one must be at exactly this
  version's schema: an older one is refused with the command that upgrades it (``admit ledger
  upgrade``, which only runs when asked), a newer or foreign one is refused outright.
- Writers are serialised: SQLite takes its write lock at the start (``BEGIN IMMEDIATE``, waiting
  up to a minute for another writer), PostgreSQL an advisory lock held to the end of the
  transaction. The event chain needs exactly this: each event names the hash of the one before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from admission.errors import AdmitError, UsageError
from admission.ledger.chain import EventLog

DB_ENV = "ADMIT_DB"
DEFAULT_DB = "admit.db"
# The schema this version of admit reads and writes, and the older ones it can upgrade from.
# (tests/test_ledger.py checks these against the Alembic scripts, which alembic itself is too
# slow to import for every `admit ledger show`.)
SCHEMA_REVISION = "0007"
OLDER_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006")
_WRITER_LOCK = 0x61646D6974  # "admit": PostgreSQL advisory lock key for writers
_BUSY_SECONDS = 60


class DatabaseUnavailable(AdmitError):
    """The ledger cannot be opened, reached or used by this version of admit."""

    exit_code = 69
    kind = "database_unavailable"


def resolve_target(target: str | None) -> str:
    return target or os.environ.get(DB_ENV) or DEFAULT_DB


def _url(target: str) -> sa.URL:
    if "://" not in target:
        return sa.URL.create("sqlite", database=str(Path(target)))
    try:
        url = sa.make_url(target)
    except sa.exc.ArgumentError:
        raise DatabaseUnavailable(f"无法识别的数据库地址：{_redacted(target)}") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return url.set(drivername="postgresql+psycopg2")
    if url.drivername == "sqlite":
        return url
    raise DatabaseUnavailable(f"不支持的数据库类型：{url.drivername}（可用 SQLite 文件路径或 postgresql:// 地址）")


def _redacted(target: str) -> str:
    """A target as it may be printed: never the password of a URL."""
    if "://" not in target:
        return target
    try:
        return sa.make_url(target).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return target.split("://", 1)[0] + "://…"


@dataclass(frozen=True)
class Change:
    """An open change: its transaction and its events (``log.record(kind, project, source, detail)``)."""

    connection: sa.Connection
    log: EventLog

    @property
    def actor(self) -> str:
        return self.log.actor

    @property
    def at(self) -> str:
        return self.log.at


@dataclass
class Ledger:
    """An open ledger: the engine, and where it is (for messages)."""

    engine: sa.Engine
    where: str

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        with _reported(self.where), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One transaction that holds the writers' lock: all of it is committed, or nothing."""
        with _reported(self.where), self.engine.connect() as connection:
            connection.info["write"] = True
            with connection.begin():
                if not self.is_sqlite:
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITER_LOCK})
                yield connection

    @contextlib.contextmanager
    def change(self, actor: str) -> Iterator[Change]:
        """One change to the ledger, as every write makes it: a writing transaction, the events of
        the change chained onto the log, and both committed together (or neither)."""
        with self.writing() as connection:
            change = Change(connection, EventLog(connection, actor))
            yield change
            change.log.flush()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _reported(where: str) -> Iterator[None]:
    """Database failures that are not the input's fault, as one Chinese line (exit 69)."""
    try:
        yield
    except sa.exc.OperationalError as error:
        raise DatabaseUnavailable(f"数据库 {where} 操作失败：{_driver_message(error)}") from None


def _driver_message(error: sa.exc.DBAPIError) -> str:
    text = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    known = {
        "database is locked": "数据库正被其他进程写入，等待超时",
        "unable to open database file": "无法打开数据库文件（目录不存在或没有写入权限）",
        "attempt to write a readonly database": "数据库文件为只读",
        "Connection refused": "连接被拒绝（服务器未运行或端口不对）",
        "password authentication failed": "用户名或密码错误",
        "does not exist": "数据库不存在",
        "disk I/O error": "磁盘读写错误",
        "database or disk is full": "磁盘空间不足",
    }
    for needle, said in known.items():
        if needle in text:
            return said
    return text


def _connect(target: str | None) -> Ledger:
    """A ledger object for ``target`` with every engine set-up (SQLite's write lock and foreign
    keys, timeouts); where it is printed never shows a password. Nothing is read yet."""
    target = resolve_target(target)
    url = _url(target)
    where = _redacted(target)
    if url.drivername == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": _BUSY_SECONDS})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 10}, pool_pre_ping=False)
    return Ledger(engine, where)


def _sqlite_file_problem(target: str | None, create: bool) -> str | None:
    url = _url(resolve_target(target))
    path = url.database or "" if url.drivername == "sqlite" else ""
    if not path or path == ":memory:":
        return None
    where = _redacted(resolve_target(target))
    folder = Path(path).parent
    if not folder.is_dir():
        return f"数据库 {where} 所在目录不存在：{folder}"
    if not Path(path).exists() and not create:
        return f"台账数据库 {where} 不存在（先用 admit ledger add 或 import 建立）"
    return None


def open_ledger(target: str | None, create: bool = True) -> Ledger:
    """The ledger at ``target`` (see the module docstring), created if new and ``create``."""
    problem = _sqlite_file_problem(target, create)
    if problem is not None:
        raise DatabaseUnavailable(problem)
    ledger = _connect(target)
    try:
        _check_schema(ledger, create)
    except BaseException:
        ledger.close()
        raise
    return ledger


def backup(ledger: Ledger, target: Path) -> None:
    """A consistent copy of a SQLite ledger while others keep working (SQLite's online backup, page
    by page under its own locks). A PostgreSQL ledger is copied by the server's own tool."""
    if not ledger.is_sqlite:
        hint = f"pg_dump --format=custom --file=台账备份.dump {ledger.where}"
        raise UsageError(f"PostgreSQL 台账请用服务器的备份工具，例如：{hint}（口令放在 ~/.pgpass，勿写在命令行）")
    import sqlite3  # the standard library's driver: its backup API is what the copy needs

    source_path = ledger.engine.url.database or ""
    with (
        _reported(ledger.where),
        contextlib.closing(sqlite3.connect(source_path)) as source,
        contextlib.closing(sqlite3.connect(str(target))) as copy,
    ):
        source.backup(copy)


def upgrade_ledger(target: str | None) -> tuple[str | None, str]:
    """``admit ledger upgrade``: the schema brought to this version's, in one transaction (a failed
    step leaves the ledger as it was), with the same engine set-up as every other command."""
    problem = _sqlite_file_problem(target, create=False)
    if problem is not None:
        raise DatabaseUnavailable(problem)
    with _connect(target) as ledger:
        return migrate(ledger)


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own transaction handling would
    # start transactions late and never with IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {_BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get("write") else "BEGIN")


def current_revision(connection: sa.Connection) -> str | None:
    """The schema revision recorded in the database, None for an empty one.

    The common case (an admit ledger) is one query; only a database without the version table
    is looked at more closely (catalogue queries cost a PostgreSQL round trip each).
    """
    try:
        with connection.begin_nested():
            row = connection.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row else None
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):
        pass  # no version table: empty, or not ours
    tables = set(sa.inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            raise DatabaseUnavailable("该数据库不是 admit 台账（含有其他表），拒绝使用")
        return None
    row = connection.execute(sa.text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def _check_schema(ledger: Ledger, create: bool) -> None:
    with ledger.reading() as connection:
        revision = current_revision(connection)
    if revision == SCHEMA_REVISION:
        return
    if revision is None and create:
        migrate(ledger)
        return
    if revision is None:
        raise DatabaseUnavailable(f"台账数据库 {ledger.where} 是空的")
    if revision in OLDER_REVISIONS:
        raise DatabaseUnavailable(
            f"台账数据库 {ledger.where} 的架构版本为 {revision}，早于本程序的 {SCHEMA_REVISION}；请先备份，再运行 admit ledger upgrade 升级"
        )
    raise DatabaseUnavailable(
        f"台账数据库 {ledger.where} 的架构版本为 {revision}，来自更新版本的 admit（本程序为 {SCHEMA_REVISION}），拒绝使用；请升级 admit"
    )


def migrate(ledger: Ledger) -> tuple[str | None, str]:
    """Bring the schema to this version's (only ever called when asked, or for a new database)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with _reported(ledger.where), ledger.engine.connect() as connection:
        connection.info["write"] = True
        with connection.begin():
            before = current_revision(connection)
            if before not in (None, SCHEMA_REVISION, *OLDER_REVISIONS):
                raise DatabaseUnavailable(f"台账数据库 {ledger.where} 的架构版本 {before} 不是本程序所知的版本，拒绝升级")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return before, SCHEMA_REVISION
