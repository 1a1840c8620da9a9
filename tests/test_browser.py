"""`admit serve` in a real headless Chromium (Debian's, driven by Playwright): what a clerk does.

The server runs in this process on a free loopback port; the browser is /usr/bin/chromium, which
`make test` installs as root (no browser is downloaded). Nothing is skipped: a missing browser fails.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from admission.cli import main
from admission.intake.workbook import COLUMNS, EXAMPLE_ROW

from .pdf_tools import pdf_text

PASSWORD = "correct-horse-7"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage"]


def run(*args: str, stdin: str | None = None) -> None:
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exit_code == 0, result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from admission.app import Admit
    from admission.ledger.database import open_ledger
    from admission.rules.rulebook import default_rules_dir, load_rulebook
    from admission.web.app import create_app

    db = str(tmp_path / "admit.db")
    run("user", "add", "审查员甲", "--role", "reviewer", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    run("user", "add", "新会专员", "--role", "district", "--district", "新会区", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    port = _free_port()
    app = create_app(Admit(ledger=open_ledger(db), rulebook=load_rulebook(default_rules_dir())), secret="browser-test")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _intake(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    headers = [c.header for c in COLUMNS]
    sheet.append(headers)
    first = {**EXAMPLE_ROW, "案件编号": "JM-WEB-0001", "项目名称": "浏览器测试智能制造项目", "达产年税收（万元）": 4000, "受理日期": None}
    second = {**first, "案件编号": "JM-WEB-0002", "项目名称": "浏览器测试无效项目", "计划总投资（万元）": "很多"}
    for row in (first, second):
        sheet.append([row.get(h) for h in headers])
    workbook.save(path)
    return path


def test_a_clerk_screens_records_and_a_district_enters_a_milestone(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)

            def sign_in(name: str) -> None:
                page.goto(f"{server}/login")
                page.fill("input[name=name]", name)
                page.fill("input[name=password]", PASSWORD)
                page.click("form[action='/login'] button")
                page.wait_for_url(f"{server}/")

            sign_in("审查员甲")
            page.goto(f"{server}/screen")
            page.set_input_files("input[type=file]", str(_intake(tmp_path / "intake.xlsx")))
            page.click("form[action='/screen'] button")
            page.wait_for_selector("#results")
            page.screenshot(path=str(shots / "screening.png"), full_page=True)
            rows = page.locator("#results tbody tr")
            assert rows.count() == 2
            assert "建议准入" in rows.nth(0).inner_text()
            assert "无效" in rows.nth(1).inner_text() and "计划总投资（万元）：应为数字" in rows.nth(1).inner_text()
            with page.expect_download() as download:
                page.click("text=下载会议材料（PDF）")
            packet = tmp_path / "packet.pdf"
            download.value.save_as(packet)
            assert packet.read_bytes().startswith(b"%PDF") and "浏览器测试智能制造项目" in pdf_text(packet)
            page.click("text=登记到项目台账")
            page.wait_for_selector("p.flash")
            assert "已登记到台账：1 份" in page.inner_text("p.flash")
            page.click("header form.who button")
            page.wait_for_url(f"{server}/login")

            sign_in("新会专员")
            page.goto(f"{server}/projects/JM-WEB-0001")
            signed = (date.today() - timedelta(days=1)).isoformat()
            page.select_option("form[action$='/milestones'] select[name=milestone]", "签约")
            page.fill("form[action$='/milestones'] input[name=day]", signed)
            page.click("form[action$='/milestones'] button")
            page.wait_for_selector("p.flash")
            assert signed in page.locator("#milestones").inner_text()
            page.screenshot(path=str(shots / "project.png"), full_page=True)
            page.goto(f"{server}/reports/annual?year={date.today().year}")
            paragraph = page.inner_text("#paragraph")
            assert "引进投资 1 亿元以上（含）项目 1 个" in paragraph, paragraph
            page.screenshot(path=str(shots / "annual.png"), full_page=True)
            page.goto(f"{server}/projects")
            assert "JM-WEB-0001" in page.inner_text("main")
        finally:
            browser.close()


PAGES = ("/", "/screen", "/projects", "/meetings", "/reports/annual", "/reports/monthly", "/monitor", "/rules", "/account",
         "/ledger/import", "/no-such-page")  # fmt: skip


def test_the_pages_pass_axe_core_at_both_widths(server: str, tmp_path: Path) -> None:
    """axe-core (the accessibility engine, bundled by axe-core-python) finds no critical or serious
    violation on any page, at 1366 and at 390 px; and at 390 px no page is wider than the screen
    except inside a table's own sideways scroll."""
    from axe_core_python.sync_playwright import Axe  # type: ignore[import-untyped]
    from playwright.sync_api import sync_playwright

    from .conftest import SAMPLES_DIR

    # The server's own ledger (the fixture's tmp_path is this test's): projects, a meeting with results.
    valid = [str(p) for p in sorted(SAMPLES_DIR.glob("*.json")) if not p.name.startswith("invalid")]
    run("ledger", "add", *valid, "--db", str(tmp_path / "admit.db"), "--as-of", "2026-11-21")
    run(
        "ledger", "resolve", "JM-2026-0101", "通过", "--meeting-no", "1", "--meeting-date", "2026-11-25", "--db", str(tmp_path / "admit.db")
    )
    pages = (*PAGES, "/projects/JM-2026-0101", "/meetings/2026/1")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    axe = Axe()
    found: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for width, height in ((1366, 768), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{server}/login")
                page.fill("input[name=name]", "审查员甲")
                page.fill("input[name=password]", PASSWORD)
                page.click("form[action='/login'] button")
                page.wait_for_url(f"{server}/")
                for path in pages:
                    page.goto(server + path)
                    results = axe.run(page)
                    for violation in results["violations"]:
                        if violation["impact"] in ("critical", "serious"):
                            found.append(f"{width}px {path}: {violation['id']} {violation['help']} ({len(violation['nodes'])})")
                    if width == 390:
                        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                        if overflow > 1:
                            found.append(f"390px {path}: {overflow}px wider than the screen")
                page.close()
        finally:
            browser.close()
    assert found == [], "\n".join(found)
