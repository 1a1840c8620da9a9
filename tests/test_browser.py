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
from typing import Any

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


def test_a_week_of_the_office_without_a_terminal(server: str, tmp_path: Path) -> None:
    """After `admit serve` starts, every role's week in the browser: the admin makes an account;
    a reviewer imports the 台账 (preview, then confirm), enters a land contract, runs a meeting
    (results saved at once, the packet downloaded), downloads the 通报 and the 履约核查 with its
    notices and marks a finding in place on a filtered list; the district user records a result;
    the viewer reads. Screenshots at 1366 and 390 px."""
    from playwright.sync_api import sync_playwright

    from .conftest import SAMPLES_DIR
    from .test_ledger import book

    db = str(tmp_path / "admit.db")
    run("user", "add", "管理员", "--role", "admin", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    valid = [str(p) for p in sorted(SAMPLES_DIR.glob("*.json")) if not p.name.startswith("invalid")]
    run("ledger", "add", *valid, "--db", db, "--as-of", "2026-11-21")
    run("ledger", "agenda", "--meeting-no", "2", "--meeting-date", "2026-11-10", "JM-2026-0101", "--db", db)
    ledger_book = book(tmp_path / "十一月台账.xlsx", {"项目台账": [
        {"案件编号": "JM-2026-0101", "供地日期": date(2023, 2, 1), "交地日期": date(2023, 3, 1)}]})  # fmt: skip
    shots = tmp_path / "week"
    shots.mkdir()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for width, height in ((1366, 768), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
                try:
                    _week(page, server, width, shots, ledger_book)
                except Exception:
                    page.screenshot(path=str(shots / f"{width}-failed.png"), full_page=True)
                    raise
                finally:
                    page.close()
        finally:
            browser.close()


def _week(page: Any, server: str, width: int, shots: Path, ledger_book: Path) -> None:
    """One width's pass of the office's week (see the test below)."""

    def sign_in(name: str, password: str = PASSWORD) -> None:
        page.context.clear_cookies()
        page.goto(f"{server}/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button")
        page.wait_for_load_state()

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{width}-{name}.png"), full_page=True)

    sign_in("管理员")
    viewer = f"只读{width}"
    page.fill("form[action='/admin/users'] input[name=name]", viewer)
    page.select_option("form[action='/admin/users'] select[name=role]", "viewer")
    page.fill("form[action='/admin/users'] input[name=password]", "viewer-pass-9")
    page.click("form[action='/admin/users'] button")
    page.wait_for_selector("p.flash")
    assert f"已新建账户：{viewer}" in page.inner_text("p.flash")
    shot("admin")

    sign_in("审查员甲")
    page.goto(f"{server}/ledger/import")
    page.set_input_files("input[name=file]", str(ledger_book))
    page.click("form[action='/ledger/import'] button")
    page.wait_for_selector("text=尚未写入台账")
    shot("import-preview")
    page.click("text=确认导入")
    page.wait_for_selector("p.flash")
    assert "已导入 十一月台账.xlsx" in page.inner_text("p.flash")
    page.goto(f"{server}/projects/JM-2026-0101")
    page.click("#contract summary")
    page.fill("#contract input[name='出让价款（万元）']", "3000")
    page.fill("#contract input[name='约定开工日期']", "2023-09-01")
    page.fill("#contract input[name='约定竣工日期']", "2024-06-30")
    page.click("#contract button")
    page.wait_for_selector("p.flash")
    page.goto(f"{server}/meetings/2026/2")
    page.select_option("select[name='result:JM-2026-0101']", "通过")
    page.click("text=保存全部审议结果")
    page.wait_for_selector("p.flash")
    assert "1 项有变化" in page.inner_text("p.flash") or "0 项有变化" in page.inner_text("p.flash")
    with page.expect_download() as packet:
        page.click("a[href$='/packet.pdf']")
    assert pdf_text(Path(packet.value.path())).count("JM-2026-0101") >= 1
    shot("meeting")
    with page.expect_download() as notices:
        page.goto(f"{server}/monitor?as_of=2026-11-21&kind=late_start")
        page.click("a[href*='/monitor/file'][href$='format=pdf']")
    assert "履约核查通知书" in pdf_text(Path(notices.value.path()))
    page.select_option("tr[id^='f-JM-2026-0101-late_start'] select[name=status]", "notified")
    page.click("tr[id^='f-JM-2026-0101-late_start'] form button")
    page.wait_for_selector("p.flash")
    assert "kind=late_start" in page.url and "as_of=2026-11-21" in page.url, "back on the same filtered list"
    shot("monitor")
    with page.expect_download() as report:
        page.goto(f"{server}/reports/annual?year=2026")
        page.click("a[href*='/reports/annual/file'][href$='format=docx']")
    assert Path(report.value.path()).read_bytes().startswith(b"PK")

    sign_in("新会专员")
    page.goto(f"{server}/projects/JM-2026-0101")
    page.fill("form[action$='/results'] input[name=tax]", "2500")
    page.click("form[action$='/results'] button")
    page.wait_for_selector("p.flash")
    assert "年履约数据" in page.inner_text("p.flash")
    shot("district")

    sign_in(viewer, "viewer-pass-9")
    page.goto(f"{server}/projects")
    assert "JM-2026-0101" in page.inner_text("main")
    assert page.locator("text=导入台账工作簿").count() == 0, "a viewer is offered no change"
    shot("viewer")
