"""The codebase's shape, and the eight defects its copies had produced, each fixed at the shared
mechanism (one core for CLI and web, the ledger's writes as its API, one vocabulary, one number
formatting, Word from the templates)."""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from admission.app import Admit
from admission.cli import main
from admission.intake.workbook import COLUMNS, application_to_row
from admission.ledger.database import SCHEMA_REVISION, open_ledger
from admission.numbers import percent, yi
from admission.rules.rulebook import load_rulebook
from admission.web.app import create_app

from .conftest import REVIEW_DATE, ROOT, RULES_DIR, SAMPLES_DIR
from .helpers import sample, write_json
from .test_hardening import intake_workbook

PACKAGE = ROOT / "admission"
AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
PASSWORD = "correct-horse-7"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


# --- the shape ----------------------------------------------------------------------------------------


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _runtime_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules this one imports when it is imported (not under TYPE_CHECKING, not
    inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for target in targets:
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and target.startswith("admission"):
                found.add(target)
    return found


def test_the_package_has_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _runtime_imports(name, path, modules) for name, path in modules.items()}
    # A package's __init__ importing its own submodule is how a package exports: not a cycle.
    graph = {name: {t for t in targets if not t.startswith(name + ".") or Path(modules[name]).name != "__init__.py"}
             for name, targets in graph.items()}  # fmt: skip
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in graph[name]:
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " → ".join([*trail[trail.index(target) :], target]))
            if target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


def test_at_most_ten_modules_stay_at_the_top_and_no_function_is_longer_than_80_lines() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= 10, top
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno and node.end_lineno - node.lineno >= 80:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not long, long


def test_sql_appears_only_inside_the_ledger_package() -> None:
    outside = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if "ledger" not in path.relative_to(PACKAGE).parts and ("import sqlalchemy" in path.read_text(encoding="utf-8"))
    ]
    assert not outside, outside


def test_ledger_show_loads_neither_the_engine_nor_pydantic_nor_weasyprint(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), "--db", db, *AS_OF)
    probe = (
        "import sys\nfrom admission.cli import main\n"
        f"try:\n    main(['ledger', 'show', 'JM-2026-0101', '--db', {db!r}])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'durable', 'weasyprint', 'docx', 'matplotlib'))\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "JM-2026-0101" in out and "HEAVY []" in out, out[-300:]


def test_check_reads_no_package_metadata_unless_pydantic_plugins_are_asked_for() -> None:
    """The console script answers pydantic's plugin question itself (no ``importlib.metadata``,
    20-28 ms of ``check --json``); a user who turns plugins on gets pydantic's own loader."""
    probe = (
        "import sys\nfrom admission.__main__ import skip_pydantic_plugins\nskip_pydantic_plugins()\n"
        "import admission.contract.application\nprint('METADATA', 'importlib.metadata' in sys.modules)"
    )
    for setting, loaded in ((None, "METADATA False"), ("1", "METADATA True")):
        env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
        if setting is not None:
            env["PYDANTIC_DISABLE_PLUGINS"] = setting
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True, env=env).stdout
        assert loaded in out, (setting, out)


# --- 1, 2: `ledger upgrade` through the same engine set-up as every command --------------------------


def _at_schema_0002(db: str) -> None:
    """A ledger as admit made it before accounts (schema 0002), with a stray api_tokens table
    that makes the 0003 step fail after its first statement."""
    run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), "--db", db, *AS_OF)
    connection = sqlite3.connect(db)
    undo_0007 = (
        "DROP TABLE supervision_actions; DROP TABLE supervision_items; DROP TABLE supervision_rounds;"
        "DROP TABLE progress_notes; DROP TABLE targets; ALTER TABLE projects DROP COLUMN nature;"
    )
    undo_0006 = "DROP TABLE screening_files; DROP TABLE screenings;"  # 0005 added a users column: gone with users
    undo_0004 = (
        "DROP TABLE refused_submissions; DROP TABLE terminations; DROP TABLE extensions; DROP TABLE transfers;"
        + "".join(f"ALTER TABLE resolutions DROP COLUMN {column};" for column in ("added_item", "withdrawn", "reason"))
        + "ALTER TABLE revisions DROP COLUMN effective_on;"
        + "".join(
            f"ALTER TABLE projects DROP COLUMN {column};"
            for column in (
                "agreed_delivery_on",
                "contract_number",
                "parcel_number",
                "contract_area_mu",
                "contract_signed_on",
                "committed_fixed_assets",
                "committed_tax",
                "committed_output",
            )
        )
    )
    undo_0003 = "DROP TABLE api_tokens; DROP TABLE users; UPDATE alembic_version SET version_num = '0002';"
    connection.executescript(undo_0007 + undo_0006 + undo_0004 + undo_0003 + "CREATE TABLE api_tokens (stray INTEGER);")
    connection.commit()
    connection.close()


def _tables(db: str) -> set[str]:
    connection = sqlite3.connect(db)
    try:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()


def test_a_failed_upgrade_step_leaves_the_ledger_as_it_was(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    _at_schema_0002(db)
    before = _tables(db)
    code, _, err = run("ledger", "upgrade", "--db", db)
    assert code != 0 and "Traceback" not in err
    assert _tables(db) == before  # no half-made users table
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    connection.executescript("DROP TABLE api_tokens;")
    connection.close()
    code, out, err = run("ledger", "upgrade", "--db", db)
    assert code == 0 and "0002" in out and SCHEMA_REVISION in out, err
    assert run("ledger", "show", "JM-2026-0101", "--db", db)[0] == 0


def test_upgrade_never_prints_the_database_password() -> None:
    code, _, err = run("ledger", "upgrade", "--db", "postgresql://admit:s3cret-pw@127.0.0.1:9/none")
    assert code == 69 and "s3cret-pw" not in err and "***" in err, err


# --- 3: a request waiting for the writers' lock holds up nobody else -------------------------------


def test_a_milestone_waiting_for_the_writers_lock_blocks_no_other_request(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), "--db", db, *AS_OF)
    run("ledger", "resolve", "JM-2026-0101", "通过", "--meeting-no", "1", "--meeting-date", "2026-11-10", "--db", db)
    run("user", "add", "审查员甲", "--role", "reviewer", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    token = run("user", "token", "审查员甲", "--db", db)[1].strip()
    app = create_app(Admit(ledger=open_ledger(db), rulebook=load_rulebook(RULES_DIR)), secret="x" * 32)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:  # one event loop for every request, as uvicorn serves them
        assert client.get("/api/projects/JM-2026-0101", headers=headers).status_code == 200  # token verified and cached
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        answers: list[int] = []
        body = {"milestone": "签约", "date": "2026-02-01"}
        writer = threading.Thread(
            target=lambda: answers.append(client.post("/api/projects/JM-2026-0101/milestones", json=body, headers=headers).status_code)
        )
        writer.start()
        time.sleep(0.5)  # the milestone is now waiting for the lock
        started = time.monotonic()
        other = client.get("/api/projects/JM-2026-0101", headers=headers)
        waited = time.monotonic() - started
        holder.execute("ROLLBACK")
        holder.close()
        writer.join(timeout=60)
    assert other.status_code == 200 and waited < 2.0, waited
    assert answers == [200]


# --- 4: one rule for meeting numbers ----------------------------------------------------------------


def test_meeting_numbers_below_one_are_refused_by_every_command_and_form(tmp_path: Path) -> None:
    db = str(tmp_path / "admit.db")
    run("ledger", "add", str(SAMPLES_DIR / "industrial-approve.json"), "--db", db, *AS_OF)
    for number in ("0", "-3"):
        code, _, err = run("ledger", "agenda", "JM-2026-0101", "--meeting-no", number, "--meeting-date", "2026-01-05", "--db", db)
        assert code == 2 and "会议编号" in err, err
        code, _, err = run("ledger", "resolve", "JM-2026-0101", "通过", "--meeting-no", number, "--meeting-date", "2026-01-05", "--db", db)
        assert code == 2 and "会议编号" in err, err
    run("user", "add", "审查员甲", "--role", "reviewer", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    app = create_app(Admit(ledger=open_ledger(db), rulebook=load_rulebook(RULES_DIR)), secret="x" * 32)
    client = TestClient(app, follow_redirects=False)
    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"name": "审查员甲", "password": PASSWORD, "csrf": csrf})
    csrf = client.get("/").text.split('name="csrf" value="')[1].split('"')[0]  # the signed-in session's
    form = {"number": "0", "held_on": "2026-01-05", "ids": "JM-2026-0101", "csrf": csrf}
    answer = client.post("/meetings/agenda", data=form, headers={"Accept": "application/json"})
    assert answer.status_code == 422 and "会议编号" in answer.text
    assert json.loads(run("report", "annual", "--year", "2026", "--db", db, "--json")[1])["meetings"] == 0  # no phantom meeting


# --- 5: one number formatting, half-up --------------------------------------------------------------


def test_50050_wan_is_5_01_yi_in_the_opinion_the_screening_and_the_report(tmp_path: Path) -> None:
    assert yi(Decimal(50050)) == "5.01" and percent(Decimal(5) / Decimal(11), 1) == "45.5%"
    app = sample("industrial-approve.json")
    app["investment"]["total_wan"] = 50050
    path = write_json(tmp_path / "a.json", app)
    html = tmp_path / "o.html"
    run("check", *AS_OF, str(path), "--html", str(html))
    assert "5.01亿元" in html.read_text(encoding="utf-8")
    code, out, _ = run("screen", *AS_OF, str(path))
    assert code == 0
    assert "5.01 亿元" in out
    db = str(tmp_path / "admit.db")
    run("ledger", "add", str(path), "--db", db, *AS_OF)
    run("ledger", "resolve", app["id"], "通过", "--meeting-no", "1", "--meeting-date", "2026-11-10", "--db", db)
    figures = json.loads(run("report", "annual", "--year", "2026", "--db", db, "--json")[1])
    assert figures["passed_investment_yi"] == 5.01


# --- 6: project types by the names clerks use --------------------------------------------------------


def test_project_types_are_typed_and_offered_by_their_chinese_names(tmp_path: Path) -> None:
    headers = [c.header for c in COLUMNS]
    logistics = dict(zip(headers, application_to_row(sample("logistics-approve.json")), strict=True))
    typed_short = {**logistics, "项目类型": "物流"}
    unknown = {**logistics, "案件编号": "JM-2026-9999", "项目类型": "仓储"}
    book = intake_workbook(tmp_path / "intake.xlsx", [typed_short, unknown], headers)
    code, out, _ = run("screen", *AS_OF, str(book), "--json")
    assert code == 2  # the unknown type
    results = json.loads(out)["results"]
    assert "decision" in results[0], results[0]
    message = results[1]["error"]["problems"][0]["message"]
    assert "工业项目、工业地产项目、物流项目" in message and "industrial" not in message, message
    template = tmp_path / "template.xlsx"
    run("template", str(template))
    validations = [v.formula1 for v in load_workbook(template).active.data_validations.dataValidation]
    assert any("工业地产项目" in (f or "") for f in validations) and not any("industrial" in (f or "") for f in validations)


# --- 7: a template's wording reaches the Word file ----------------------------------------------------


def test_a_template_override_reaches_the_word_file_as_it_reaches_the_pdf(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    shipped = (ROOT / "templates" / "_opinion.html.j2").read_text(encoding="utf-8")
    (templates / "_opinion.html.j2").write_text(shipped.replace("<h3>主要理由</h3>", "<h3>审查理由如下</h3>"), encoding="utf-8")
    word, html = tmp_path / "o.docx", tmp_path / "o.html"
    code, _, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-reject.json"), "--templates", str(templates),
                       "--docx", str(word), "--html", str(html))  # fmt: skip
    assert code == 1, err
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    assert "审查理由如下" in paragraphs and "主要理由" not in paragraphs
    assert "审查理由如下" in html.read_text(encoding="utf-8")


# --- 8: a refused duplicate is named as screen names it ------------------------------------------------


def test_ledger_add_names_a_refused_duplicate_by_case_number_and_name(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    first, second = write_json(tmp_path / "a.json", app), write_json(tmp_path / "b.json", app)
    db = str(tmp_path / "admit.db")
    code, out, _ = run("ledger", "add", str(first), str(second), "--db", db, *AS_OF)
    assert code == 2
    refused = [line for line in out.splitlines() if line.startswith("[无效]")]
    assert len(refused) == 2 and all(app["id"] in line and app["name"] in line for line in refused), refused
    code, out, _ = run("ledger", "add", str(first), str(second), "--db", db, *AS_OF, "--json")
    assert all(r["application"]["id"] == app["id"] and r["application"]["name"] == app["name"] for r in json.loads(out)["refused"])


@pytest.mark.parametrize("kind, status", [("延期开工", "已通知"), ("late_start", "notified")])
def test_monitor_mark_takes_chinese_names_or_codes(kind: str, status: str, tmp_path: Path) -> None:
    code, _, err = run("monitor", "mark", "JM-NONE", kind, "--status", status, "--db", str(tmp_path / "none.db"))
    assert code != 0 and "未知" not in err, err


def test_help_says_required_and_ranges_in_chinese() -> None:
    from .test_reviewer import _all_commands

    for command in _all_commands():
        text = CliRunner().invoke(main, [*command, "--help"], terminal_width=100).stdout
        assert "required" not in text and "x>=" not in text and "<=x" not in text, (command, text)
    assert "（1990 至 9999；必填）" in CliRunner().invoke(main, ["report", "annual", "--help"], terminal_width=100).stdout


def test_the_conclusion_names_each_kind_of_shortfall_once(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["investment"]["fixed_assets_wan"], app["commitments"]["annual_tax_wan"] = 20000, 1000
    code, out, _ = run("check", *AS_OF, str(write_json(tmp_path / "a.json", app)))
    assert code == 1 and "该项目投资强度、亩均税收未达到要求，不符合" in out
