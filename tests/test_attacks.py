"""`admit serve` and the ledger under the attacks of issue 22, each through the shared mechanism
it defeats: the sign-in limit, sessions, bogus tokens, bounded tables and dates, CSRF, redirects."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from admission.web.deps import LOGIN_ATTEMPTS, MAX_FAILURE_KEYS, TOKEN_ATTEMPTS, take_attempt

from . import test_browser, test_web
from .test_web import PASSWORD, Site, _csrf, run

site = test_web.site  # the same signed-in site, on SQLite and PostgreSQL


def _login(client: TestClient, name: str, password: str, **headers: str) -> int:
    csrf = _csrf(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf}, headers=headers).status_code


def test_a_forwarded_address_does_not_escape_the_sign_in_limit(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    answers = [_login(client, "审查员甲", "wrong-guess", **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(LOGIN_ATTEMPTS + 2)]
    assert answers[:LOGIN_ATTEMPTS] == [401] * LOGIN_ATTEMPTS and set(answers[LOGIN_ATTEMPTS:]) == {429}
    # The limit is per name and address: the same user signs in from elsewhere, another name here.
    assert _login(client, "只读乙", PASSWORD) == 303


def test_parallel_guesses_are_all_counted_before_the_slow_check(site: Site) -> None:
    answers: list[int] = []

    def guess() -> None:
        answers.append(_login(TestClient(site.client.app, follow_redirects=False), "新会专员", "parallel-wrong"))

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count(401) <= LOGIN_ATTEMPTS and answers.count(429) >= 16 - LOGIN_ATTEMPTS


def test_signing_out_or_a_new_password_ends_the_session_for_any_copy_of_the_cookie(site: Site) -> None:
    client, csrf = site.browser("只读乙")
    copied = TestClient(site.client.app, follow_redirects=False, cookies=dict(client.cookies))
    assert copied.get("/projects", headers={"accept": "text/html"}).status_code == 200
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert copied.get("/projects", headers={"accept": "text/html"}).status_code == 303, "the old cookie no longer works"
    first, _ = site.browser("审查员甲")
    second, second_csrf = site.browser("审查员甲")
    changed = second.post(
        "/account/password", data={"csrf": second_csrf, "old": PASSWORD, "new": "another-pass-3", "again": "another-pass-3"}
    )
    assert changed.status_code == 303
    assert first.get("/projects", headers={"accept": "text/html"}).status_code == 303, "other sessions end with the old password"
    assert second.get("/projects", headers={"accept": "text/html"}).status_code == 200, "the one that changed it goes on"


def test_a_weak_session_secret_is_refused_at_start() -> None:
    from click.testing import CliRunner

    from admission.cli import main

    result = CliRunner(env={"ADMIT_SESSION_SECRET": "jiangmen"}).invoke(main, ["serve", "--db", "sqlite:///:memory:"])
    assert result.exit_code == 2 and "ADMIT_SESSION_SECRET 太弱" in result.stderr
    weak = CliRunner(env={"ADMIT_SESSION_SECRET": "a" * 64}).invoke(main, ["serve", "--db", "sqlite:///:memory:"])
    assert weak.exit_code == 2, "long but not random"


def test_bogus_tokens_are_limited_before_their_hash_is_checked(site: Site) -> None:
    answers = [site.client.get("/api/projects", headers={"Authorization": "Bearer 1.bogus"}).status_code for _ in range(TOKEN_ATTEMPTS + 2)]
    assert answers[:TOKEN_ATTEMPTS] == [401] * TOKEN_ATTEMPTS and answers[-1] == 429
    assert site.client.get("/api/projects", headers={"Authorization": "Bearer " + "x" * 5000}).status_code == 401


def test_the_attempt_table_is_bounded_and_huge_names_are_never_kept(site: Site) -> None:
    from admission.web.state import State

    state = State.__new__(State)
    state.failures = OrderedDict()
    state.lock = threading.Lock()
    for n in range(MAX_FAILURE_KEYS + 50):
        assert take_attempt(state, ("10.0.0.1", f"name-{n}"), LOGIN_ATTEMPTS)
    assert len(state.failures) == MAX_FAILURE_KEYS and ("10.0.0.1", "name-0") not in state.failures
    client = TestClient(site.client.app, follow_redirects=False)
    assert _login(client, "名" * 1_000_000, "x") in (400, 401)
    app: Any = site.client.app
    kept = app.state.admit.failures
    assert all(len(name) <= 200 for _, name in kept), "a 1 MB name is refused before it is counted or hashed"


@pytest.mark.parametrize(("path", "status"), [
    ("/api/monitor?as_of=9999-12-31", 400), ("/api/reports/annual?year=9999", 400), ("/api/reports/annual?year=10000", 400),
    ("/api/reports/monthly?month=9999-12", 400), ("/reports/annual?year=10000", 400),
])  # fmt: skip
def test_dates_and_periods_are_bounded_before_any_work(site: Site, path: str, status: int) -> None:
    answer = site.client.get(path, headers=site.api("reviewer"))
    assert answer.status_code == status, answer.text
    assert answer.headers["x-frame-options"] == "DENY", "an error answer carries the security headers"


def test_the_cli_bounds_periods_as_the_web_does(site: Site) -> None:
    code, _, err = run("report", "monthly", "--month", "9999-12", "--db", site.db)
    assert code == 2 and "年度应在" in err


def test_csrf_is_skipped_only_after_a_valid_bearer_token(site: Site) -> None:
    client, _ = site.browser("审查员甲")
    forged = client.post("/logout", data={}, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert forged.status_code == 403, "a Basic header (a proxy's) is no reason to skip the check"
    assert client.get("/projects", headers={"accept": "text/html", "Authorization": "Basic dXNlcjpwYXNz"}).status_code == 200


def test_no_redirect_is_built_from_the_host_header_and_user_names_cannot_deceive(site: Site) -> None:
    answer = site.client.get("/projects/", headers={**site.api("viewer"), "Host": "evil.example"})
    assert answer.status_code == 404 and "location" not in answer.headers
    for deceptive in ("审查员\u0000甲", "ｒｅｖｉｅｗｅｒ", " 审查员甲", "审查\u200b员甲\n"):
        code, _, err = run("user", "add", deceptive, "--role", "viewer", "--password-stdin", "--db", site.db, stdin=PASSWORD + "\n")
        assert code == 2, (deceptive, err)


def _bomb(path: Path) -> Path:
    """A 台账/申请汇总表-shaped .xlsx of about 200 KB that inflates to over 200 MB."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
        )
        archive.writestr("xl/sharedStrings.xml", b" " * (210 * 1024 * 1024))
    return path


def test_a_decompression_bomb_is_refused_before_it_is_parsed(site: Site, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "申请汇总表.xlsx")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    code, out, err = run("screen", str(bomb), "--json")
    assert code == 2 and "解压后达" in out + err
    code, out, err = run("ledger", "import", str(bomb), "--db", site.db)
    assert code == 2 and "解压后达" in out + err
    client, csrf = site.browser("审查员甲")
    upload = [("file", ("台账.xlsx", bomb.read_bytes(), "application/octet-stream"))]
    answer = client.post("/ledger/import", data={"csrf": csrf}, files=upload, headers={"accept": "text/html"})
    assert answer.status_code == 422 and "解压后达" in answer.text


def test_authenticated_answers_are_not_cached_and_the_cookie_is_secure_over_https(site: Site) -> None:
    client, _ = site.browser("只读乙")
    page = client.get("/projects", headers={"accept": "text/html"})
    assert page.headers["cache-control"] == "no-store"
    assert (
        "cache-control" not in client.get("/static/admit.css").headers
        or client.get("/static/admit.css").headers["cache-control"] != "no-store"
    )
    secure = TestClient(site.client.app, base_url="https://testserver", follow_redirects=False)
    csrf = _csrf(secure.get("/login").text)
    answer = secure.post("/login", data={"name": "只读乙", "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()
    plain = TestClient(site.client.app, follow_redirects=False)
    csrf = _csrf(plain.get("/login").text)
    assert "secure" not in plain.post("/login", data={"name": "只读乙", "password": PASSWORD, "csrf": csrf}).headers["set-cookie"].lower()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


browser_server = test_browser.server  # a real `admit serve` (uvicorn) on a loopback port, in this process


def test_unauthenticated_load_leaves_the_server_process_bounded_measured(browser_server: str) -> None:
    """150 failed sign-ins with distinct 1 MB names (+138 MB kept for good before) and 100 bogus
    bearer tokens: the server's memory grows by less than 50 MB and it answers within a minute."""
    import httpx2 as httpx

    with httpx.Client(base_url=browser_server, timeout=60) as client:
        for _ in range(20):
            client.get("/login")
        before, start = _rss_mb(), time.monotonic()
        for n in range(150):
            csrf = _csrf(client.get("/login").text)
            answer = client.post("/login", data={"name": f"{n}" + "名" * 350_000, "password": "x", "csrf": csrf})
            assert answer.status_code in (400, 401)
        codes = [client.get("/api/projects", headers={"Authorization": f"Bearer 1.bogus{n}"}).status_code for n in range(100)]
    elapsed, grown = time.monotonic() - start, _rss_mb() - before
    print(f"unauthenticated load: {elapsed:.1f} s, server process grew {grown:.1f} MB")
    assert set(codes) <= {401, 429} and codes.count(429) >= 100 - TOKEN_ATTEMPTS
    assert grown < 50 and elapsed < 60
