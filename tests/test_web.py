"""`admit serve` over HTTP: every API path, the authorization matrix, CSRF, sessions and limits."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import unescape as html_unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from admission.app import Admit
from admission.cli import main
from admission.ledger.database import open_ledger
from admission.rules.rulebook import load_rulebook
from admission.web.app import create_app

from .conftest import RULES_DIR, SAMPLES_DIR
from .helpers import sample
from .pdf_tools import pdf_text

PASSWORD = "correct-horse-7"
OWN, OTHER = "JM-2026-0101", "JM-2026-0103"  # 新会区, 台山市
TODAY = date.today()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@dataclass
class Site:
    db: str
    client: TestClient
    tokens: dict[str, str]

    def api(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def browser(self, name: str) -> tuple[TestClient, str]:
        """A client signed in as ``name`` through the login form; and its CSRF token."""
        client = TestClient(self.client.app, follow_redirects=False)
        csrf = _csrf(client.get("/login").text)
        answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf})
        assert answer.status_code == 303, answer.text
        return client, _csrf(client.get("/account").text)  # a page every role may open


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


USERS = {"reviewer": ("审查员甲", []), "district": ("新会专员", ["--district", "新会区"]), "viewer": ("只读乙", [])}


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    run("ledger", "add", str(SAMPLES_DIR), "--db", db_url, "--as-of", "2026-11-21")
    tokens = {}
    for role, (name, extra) in USERS.items():
        code, _, err = run("user", "add", name, "--role", role, *extra, "--password-stdin", "--db", db_url, stdin=PASSWORD + "\n")
        assert code == 0, err
        code, out, _ = run("user", "token", name, "--db", db_url)
        tokens[role] = out.strip()
    app = create_app(Admit(ledger=open_ledger(db_url), rulebook=load_rulebook(RULES_DIR)), secret="test-secret")
    yield Site(db_url, TestClient(app, follow_redirects=False), tokens)
    app.state.admit.remove_files()  # what the server does when it stops: no upload left in /tmp


# --- the API --------------------------------------------------------------------------------------


def test_api_check_answers_like_the_cli(site: Site) -> None:
    body = (SAMPLES_DIR / "industrial-conditional.json").read_bytes()
    answer = site.client.post("/api/check", content=body, headers=site.api("viewer"))
    assert answer.status_code == 200
    code, out, _ = run("check", "--json", str(SAMPLES_DIR / "industrial-conditional.json"))
    expected = json.loads(out)
    got = answer.json()
    assert got.pop("exit_code") == code == 3
    assert got == expected


@pytest.mark.parametrize("name", ["invalid-numbers.json", "invalid-typo-area-mou.json", "invalid-credit-code-and-cross-fields.json",
                                  "invalid-not-json.json", "invalid-duplicate-key-nan.json", "invalid-empty.json"])  # fmt: skip
def test_api_check_refuses_invalid_input_with_the_cli_problems(site: Site, name: str) -> None:
    answer = site.client.post("/api/check", content=(SAMPLES_DIR / name).read_bytes(), headers=site.api("reviewer"))
    assert answer.status_code == 422
    _, out, _ = run("check", "--json", str(SAMPLES_DIR / name))
    assert answer.json() == json.loads(out)


def test_api_project_milestone_report_monitor_and_openapi(site: Site) -> None:
    headers = site.api("reviewer")
    project = site.client.get(f"/api/projects/{OWN}", headers=headers)
    assert project.status_code == 200
    _, out, _ = run("ledger", "show", OWN, "--json", "--db", site.db)
    assert project.json() == json.loads(out)
    day = (TODAY - timedelta(days=3)).isoformat()
    answer = site.client.post(f"/api/projects/{OWN}/milestones", json={"milestone": "签约", "date": day}, headers=headers)
    assert answer.status_code == 200 and answer.json()["milestones"]["签约日期"] == day
    assert answer.json()["events"][-1]["actor"] == "审查员甲"  # every change is an event with the user's name
    future = (TODAY + timedelta(days=3)).isoformat()
    refused = site.client.post(f"/api/projects/{OWN}/milestones", json={"milestone": "开工", "date": future}, headers=headers)
    assert refused.status_code == 422
    assert "晚于今天" in refused.json()["error"]["problems"][0]["message"]  # the import's own words
    annual = site.client.get(f"/api/reports/annual?year={TODAY.year}", headers=headers)
    _, out, _ = run("report", "annual", "--year", str(TODAY.year), "--json", "--db", site.db)
    assert annual.status_code == 200 and annual.json() == json.loads(out)
    monitor = site.client.get("/api/monitor?as_of=2026-11-21", headers=headers)
    _, out, _ = run("monitor", "--as-of", "2026-11-21", "--json", "--db", site.db)
    assert monitor.status_code == 200 and monitor.json() == json.loads(out)
    schema = site.client.get("/openapi.json")
    assert schema.status_code == 200 and "/api/check" in schema.json()["paths"]


def test_unauthenticated_and_bad_tokens_are_401(site: Site) -> None:
    for headers in ({}, {"Authorization": "Bearer 1.wrong"}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        assert site.client.get(f"/api/projects/{OWN}", headers=headers).status_code == 401
    run("user", "disable", "只读乙", "--db", site.db)
    assert site.client.get(f"/api/projects/{OWN}", headers=site.api("viewer")).status_code == 401


def test_a_district_user_sees_only_its_district(site: Site) -> None:
    headers = site.api("district")
    assert site.client.get(f"/api/projects/{OWN}", headers=headers).status_code == 200
    hidden = site.client.get(f"/api/projects/{OTHER}", headers=headers)
    missing = site.client.get("/api/projects/JM-NO-SUCH", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace(OTHER, "X") == missing.json()["error"]["message"].replace("JM-NO-SUCH", "X")
    report = site.client.get(f"/api/reports/annual?year={TODAY.year}", headers=headers).json()
    assert [d["district"] for d in report["by_district"]] == ["新会区"]
    monitor = site.client.get("/api/monitor", headers=headers).json()
    assert all(f["district"] == "新会区" for f in monitor["findings"])


# --- the authorization matrix: every route × role × own/other district × read/change --------------

DAY = (TODAY - timedelta(days=1)).isoformat()
# (method, path, form, kind): kind "read" or "change"; {id} is filled with the own or the other project.
ROUTES: list[tuple[str, str, dict[str, str], str]] = [
    ("GET", "/", {}, "read"), ("GET", "/screen", {}, "read"), ("GET", "/projects", {}, "read"), ("GET", "/meetings", {}, "read"),
    ("GET", "/reports/annual", {}, "read"), ("GET", "/reports/monthly", {}, "read"), ("GET", "/monitor", {}, "read"),
    ("GET", "/projects/{id}", {}, "read"), ("GET", "/api/projects/{id}", {}, "read"),
    ("POST", "/projects/{id}/milestones", {"milestone": "签约", "day": DAY}, "progress"),
    ("POST", "/projects/{id}/results", {"year": str(TODAY.year - 1), "tax": "10"}, "progress"),
    ("POST", "/meetings/agenda", {"number": "9", "held_on": DAY, "ids": "{id}"}, "review"),
    ("POST", "/meetings/resolution", {"number": "9", "held_on": DAY, "case_id": "{id}", "result": "暂缓"}, "review"),
    ("POST", "/monitor/mark", {"project": "{id}", "kind": "late_start", "status": "notified"}, "review"),
]  # fmt: skip


def _expected(role: str, own: bool, kind: str, project_route: bool) -> set[int]:
    hidden = role == "district" and not own and project_route
    if kind == "read":
        return {404} if hidden else {200}
    if hidden:
        return {404}
    allowed = role == "reviewer" or (kind == "progress" and role == "district")
    return {303, 422} if allowed else {403}  # 422: allowed, but this finding does not exist


@pytest.mark.parametrize("role", ["reviewer", "district", "viewer"])
def test_authorization_matrix(site: Site, role: str) -> None:
    client, csrf = site.browser(USERS[role][0])
    for method, path, form, kind in ROUTES:
        for own in (True, False):
            case_id = OWN if own else OTHER
            url = path.replace("{id}", case_id)
            data = {k: v.replace("{id}", case_id) for k, v in form.items()}
            if method == "GET":
                answer = client.get(url, headers={"accept": "text/html"})
            else:
                answer = client.post(url, data={**data, "csrf": csrf}, headers={"accept": "text/html"})
            project_route = "{id}" in path and path.startswith(("/projects/", "/api/projects/"))
            expected = _expected(role, own, kind, project_route)
            assert answer.status_code in expected, (role, method, url, answer.status_code, answer.text[:200])
            if "{id}" not in path and "{id}" not in str(form):
                break  # a route without a project: once is enough
    # The API: district users change their own district's milestones only; viewers change nothing.
    for own in (True, False):
        case_id = OWN if own else OTHER
        answer = site.client.post(f"/api/projects/{case_id}/milestones", json={"milestone": "注册", "date": DAY}, headers=site.api(role))
        status = {"reviewer": 200, "district": 200 if own else 404, "viewer": 403}[role]
        assert answer.status_code == status, (role, case_id, answer.text)


def test_anonymous_pages_send_to_login_and_api_says_401(site: Site) -> None:
    for path in ("/", "/screen", "/projects", f"/projects/{OWN}", "/meetings", "/reports/annual", "/monitor"):
        answer = site.client.get(path, headers={"accept": "text/html"})
        # Sent to sign in, and back to the same page afterwards.
        assert answer.status_code == 303 and answer.headers["location"] == f"/login?next={quote(path, safe='')}", path
    assert site.client.get("/api/monitor").status_code == 401


# --- sessions, CSRF, limits ------------------------------------------------------------------------


def test_session_cookie_flags_and_forged_cookies(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    csrf = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"name": "审查员甲", "password": PASSWORD, "csrf": csrf})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    forged = TestClient(site.client.app, follow_redirects=False, cookies={"admit_session": "eyJ1c2VyIjogMX0=.forged.signature"})
    assert forged.get("/api/monitor").status_code == 401
    assert forged.get("/", headers={"accept": "text/html"}).status_code == 303


def test_forms_without_the_csrf_token_are_refused(site: Site) -> None:
    client, csrf = site.browser("审查员甲")
    for token in ("", "wrong"):
        answer = client.post(f"/projects/{OWN}/milestones", data={"milestone": "签约", "day": DAY, "csrf": token})
        assert answer.status_code == 403 and "CSRF" in answer.text
    # A session (not a token) calling the API must send the token in a header.
    assert client.post(f"/api/projects/{OWN}/milestones", json={"milestone": "签约", "date": DAY}).status_code == 403
    headers = {"X-CSRF-Token": csrf}
    assert client.post(f"/api/projects/{OWN}/milestones", json={"milestone": "签约", "date": DAY}, headers=headers).status_code == 200


def test_login_attempts_are_rate_limited(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    csrf = _csrf(client.get("/login").text)
    codes = [client.post("/login", data={"name": "审查员甲", "password": "wrong", "csrf": csrf}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_big_bodies_are_413_and_malformed_json_422(site: Site) -> None:
    big = b"{" + b" " * (10 * 1024 * 1024 + 10) + b"}"
    assert site.client.post("/api/check", content=big, headers=site.api("reviewer")).status_code == 413
    answer = site.client.post(f"/api/projects/{OWN}/milestones", content=b"{not json", headers=site.api("reviewer"))
    assert answer.status_code == 422 and "Traceback" not in answer.text


def test_a_workbook_that_is_not_one_is_listed_not_a_crash(site: Site, tmp_path: Path) -> None:
    client, csrf = site.browser("审查员甲")
    answer = client.post("/screen", data={"csrf": csrf}, files=[("files", ("intake.xlsx", b"not a workbook", "application/octet-stream"))])
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "不是有效的 Excel 工作簿" in page and "Traceback" not in page


def test_user_text_is_escaped_in_pages(site: Site, tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["id"], app["name"] = "JM-XSS-1", '<script>alert("x")</script>项目'
    path = tmp_path / "a.json"
    path.write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
    run("ledger", "add", str(path), "--db", site.db, "--as-of", "2026-11-21")
    client, _ = site.browser("审查员甲")
    page = client.get("/projects/JM-XSS-1").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_two_district_users_saving_the_same_project_at_once(site: Site) -> None:
    second = ["新会专员二", "--role", "district", "--district", "新会区", "--password-stdin", "--db", site.db]
    run("user", "add", *second, stdin=PASSWORD + "\n")
    _, out, _ = run("user", "token", "新会专员二", "--db", site.db)
    headers = [site.api("district"), {"Authorization": f"Bearer {out.strip()}"}]
    answers: list[Any] = []

    def save(index: int) -> None:
        body = {"milestone": ["签约", "注册"][index], "date": DAY}
        answers.append(site.client.post(f"/api/projects/{OWN}/milestones", json=body, headers=headers[index]))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200]
    detail = site.client.get(f"/api/projects/{OWN}", headers=site.api("reviewer")).json()
    assert detail["milestones"]["签约日期"] == DAY and detail["milestones"]["注册日期"] == DAY
    assert run("ledger", "verify", "--db", site.db)[0] == 0


def test_serve_refuses_to_listen_beyond_loopback() -> None:
    code, _, err = run("serve", "--host", "0.0.0.0")
    assert code == 2 and "HTTPS" in err and "--allow-remote" in err


def test_passwords_and_tokens_are_not_stored_in_clear(site: Site) -> None:
    import sqlalchemy as sa

    from admission.ledger.database import _url

    engine = sa.create_engine(_url(site.db))
    with engine.connect() as connection:
        hashes = [row[0] for row in connection.execute(sa.text("SELECT password_hash FROM users"))]
        tokens = [row[0] for row in connection.execute(sa.text("SELECT token_hash FROM api_tokens"))]
        events = " ".join(row[0] for row in connection.execute(sa.text("SELECT detail FROM events")))
    engine.dispose()
    assert all(h.startswith("$argon2id$") for h in hashes + tokens)
    assert PASSWORD not in " ".join(hashes + tokens) + events
    assert all(t.split(".", 1)[1] not in " ".join(tokens) + events for t in site.tokens.values())


def test_screening_names_invalid_rows_and_offers_word_documents(site: Site, tmp_path: Path) -> None:
    from .test_reviewer import clerk_workbook

    good, bad = sample("industrial-approve.json"), sample("logistics-approve.json")
    intake = clerk_workbook(tmp_path / "申请汇总表.xlsx", [good, bad], edit={1: {"达产年税收（万元）": "很多"}})
    client, csrf = site.browser("审查员甲")
    answer = client.post(
        "/screen", data={"csrf": csrf}, files=[("files", ("申请汇总表.xlsx", intake.read_bytes(), "application/octet-stream"))]
    )
    key = answer.headers["location"]
    page = client.get(key).text
    assert bad["id"] in page and bad["name"] in page and "达产年税收(万元)：" in page, "the invalid row by case number, name and column"
    word = client.get(f"{key}/opinion/0.docx")
    assert word.status_code == 200 and word.content.startswith(b"PK") and "wordprocessingml" in word.headers["content-type"]
    packet = client.get(f"{key}/packet.docx")
    assert packet.status_code == 200 and packet.content.startswith(b"PK")
    # The packet's 无效申请材料 page and the results workbook name the file as it was uploaded.
    pdf = client.get(f"{key}/packet.pdf")
    (tmp_path / "p.pdf").write_bytes(pdf.content)
    text = pdf_text(tmp_path / "p.pdf")
    assert "申请汇总表.xlsx第3行" in text and "admit-upload" not in text
    (tmp_path / "r.xlsx").write_bytes(client.get(f"{key}/results.xlsx").content)
    from openpyxl import load_workbook as open_workbook

    cells = [str(v) for sheet in open_workbook(tmp_path / "r.xlsx") for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert any("申请汇总表.xlsx" in c for c in cells) and not any("admit-upload" in c for c in cells)
    assert client.get(f"{key}/packet.exe").status_code == 404
    assert client.get(f"{key}/opinion/1.docx").status_code == 422


def test_a_district_user_cannot_rewrite_the_dates_its_penalties_rest_on(site: Site) -> None:
    assert run("ledger", "resolve", OWN, "通过", "--meeting-no", "1", "--meeting-date", "2026-11-10", "--db", site.db)[0] == 0
    own = f"/api/projects/{OWN}/milestones"
    district, reviewer = site.api("district"), site.api("reviewer")
    early = site.client.post(own, json={"milestone": "开工", "date": "2026-11-05"}, headers=district)  # before the meeting
    assert early.status_code == 403 and "早于过会日期" in early.json()["error"]["message"]
    assert site.client.post(own, json={"milestone": "开工", "date": "2026-11-12"}, headers=district).status_code == 200
    again = site.client.post(own, json={"milestone": "开工", "date": "2026-11-20"}, headers=district)
    assert again.status_code == 403 and "审查员登记更正" in again.json()["error"]["message"]
    assert site.client.post(own, json={"milestone": "签约", "date": "2026-11-01"}, headers=reviewer).status_code == 200  # history
    assert site.client.get("/api/projects/X%00Y", headers=reviewer).status_code == 404  # never reaches the database


def test_a_revision_recorded_from_the_web_keeps_the_uploaded_name_and_row(site: Site, tmp_path: Path) -> None:
    from .test_reviewer import clerk_workbook

    revised = sample("industrial-approve.json")
    revised["commitments"]["annual_tax_wan"] += 1  # a new revision of a project the ledger has
    intake = clerk_workbook(tmp_path / "申请汇总表.xlsx", [revised])
    client, csrf = site.browser("审查员甲")
    answer = client.post(
        "/screen", data={"csrf": csrf}, files=[("files", ("十一月申请汇总表.xlsx", intake.read_bytes(), "application/octet-stream"))]
    )
    key = answer.headers["location"]
    assert client.post(f"{key}/record", data={"csrf": csrf}).status_code == 303
    detail = json.loads(run("ledger", "show", revised["id"], "--db", site.db, "--json")[1])
    assert detail["revisions"][-1]["source"] == "十一月申请汇总表.xlsx#2"  # never /tmp/admit-upload-…


# --- errors a person reads ---------------------------------------------------------------------------

ENGLISH_FRAMEWORK = ("Not Found", "Method Not Allowed", "detail", "int_parsing", "Field required", "Internal Server Error")


def test_failed_pages_are_chinese_pages_in_the_layout_and_the_api_answers_chinese_json(site: Site) -> None:
    client, _ = site.browser("审查员甲")
    html_request = {"accept": "text/html"}
    cases = [("GET", "/no-such-page", 404, "页面不存在"), ("POST", "/rules", 405, "此地址不接受 POST 请求"),
             ("GET", "/reports/annual?year=abc", 422, "年度"), ("GET", "/projects/NO-SUCH-ID", 404, "没有案件编号为")]  # fmt: skip
    for method, path, status, words in cases:
        answer = client.request(method, path, headers=html_request)
        assert answer.status_code == status, (path, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html") and words in answer.text, path
        assert '<a href="/projects">项目台账</a>' in answer.text, "the page keeps the site's navigation"
        assert not any(english in answer.text for english in ENGLISH_FRAMEWORK), path
        assert answer.headers["x-frame-options"] == "DENY" and "frame-ancestors" in answer.headers["content-security-policy"]
    for method, path, status in (("GET", "/api/no-such", 404), ("DELETE", "/api/check", 405), ("GET", "/api/reports/annual?year=abc", 422)):
        answer = client.request(method, path, headers=site.api("reviewer"))
        assert answer.status_code == status, path
        error = answer.json()["error"]
        assert error["kind"] in ("not_found", "method_not_allowed", "invalid_input"), error
        assert not any(english in answer.text for english in ENGLISH_FRAMEWORK), answer.text


def test_signing_in_returns_to_the_page_asked_for_and_never_off_the_site(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    asked = client.get("/projects?stage=已开工", headers={"accept": "text/html"})
    assert asked.status_code == 303
    login_page = client.get(asked.headers["location"])
    assert "登录已过期或尚未登录" in login_page.text and 'name="next" value="/projects?stage=' in login_page.text
    csrf = _csrf(login_page.text)
    answer = client.post("/login", data={"name": "只读乙", "password": PASSWORD, "csrf": csrf, "next": "/projects?stage=已开工"})
    assert answer.status_code == 303 and unquote(answer.headers["location"]) == "/projects?stage=已开工"
    for hostile in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        other = TestClient(site.client.app, follow_redirects=False)
        csrf = _csrf(other.get("/login").text)
        answer = other.post("/login", data={"name": "只读乙", "password": PASSWORD, "csrf": csrf, "next": hostile})
        assert answer.status_code == 303 and answer.headers["location"] == "/", hostile


# --- lists at city scale ---------------------------------------------------------------------------


def test_the_project_list_is_searched_sorted_and_paged_in_bookmarkable_urls(site: Site) -> None:
    client, _ = site.browser("审查员甲")
    _, out, _ = run("ledger", "list", "--json", "--db", site.db)
    everything = json.loads(out)["projects"]
    first = client.get("/projects?per_page=5&sort=total_investment&order=desc", headers={"accept": "text/html"})
    assert first.status_code == 200
    assert f"共 {len(everything)} 条，第 1/{-(-len(everything) // 5)} 页" in first.text
    shown = re.findall(r'<td class="id"><a href="/projects/[^"]+">([^<]+)</a>', first.text)
    amounts = sorted((p for p in everything if p["total_investment"] is not None), key=lambda p: -Decimal(str(p["total_investment"])))
    assert shown == [p["id"] for p in amounts[:5]], "sorted by 计划总投资, largest first"
    # The next page's link keeps the sort and the page size.
    assert "/projects?per_page=5&amp;sort=total_investment&amp;order=desc&amp;page=2" in first.text
    wanted = everything[0]
    found = client.get(f"/projects?q={quote(wanted['name'][2:6])}", headers={"accept": "text/html"})
    assert wanted["id"] in found.text
    api = site.client.get("/api/projects?per_page=3&page=2&sort=id", headers=site.api("viewer")).json()
    assert (api["total"], api["page"], api["per_page"]) == (len(everything), 2, 3)
    assert [p["id"] for p in api["projects"]] == sorted(p["id"] for p in everything)[3:6]
    district = site.client.get("/api/projects?per_page=500", headers=site.api("district")).json()
    assert district["total"] == sum(1 for p in everything if p["district"] == "新会区"), "a district user lists its own only"


def test_a_finding_is_marked_in_place_and_the_list_is_paged_and_compressed(db_url: str, tmp_path: Path) -> None:
    from .test_monitoring import _ledger

    _ledger(db_url, tmp_path)
    assert run("user", "add", "审查员丙", "--role", "reviewer", "--password-stdin", "--db", db_url, stdin=PASSWORD + "\n")[0] == 0
    app = create_app(Admit(ledger=open_ledger(db_url), rulebook=load_rulebook(RULES_DIR)), secret="test-secret")
    site = Site(db_url, TestClient(app, follow_redirects=False), {})
    client, csrf = site.browser("审查员丙")
    listing = "/monitor?as_of=2026-11-21&kind=late_start&per_page=1"
    page = client.get(listing, headers={"accept": "text/html", "accept-encoding": "gzip"})
    assert page.status_code == 200 and page.headers.get("content-encoding") == "gzip"
    assert "共 1 条，第 1/1 页" in page.text and "2,190.00" in page.text, "amounts with separators and 2 decimals"
    back = re.search(r'name="back_to" value="([^"]+)"', page.text)
    assert back is not None
    marked = client.post("/monitor/mark", data={"csrf": csrf, "project": "JM-2026-0101", "kind": "late_start", "year": "",
                                                "status": "notified", "back_to": html_unescape(back.group(1))})  # fmt: skip
    assert marked.status_code == 303
    # Back on the same filtered list and date, at the row just marked.
    assert unquote(marked.headers["location"]) == "/monitor?as_of=2026-11-21&kind=late_start&per_page=1#f-JM-2026-0101-late_start-"
    again = client.get(marked.headers["location"].split("#")[0], headers={"accept": "text/html"})
    assert 'id="f-JM-2026-0101-late_start-"' in again.text and "已通知" in again.text and "已登记 JM-2026-0101 的处理情况" in again.text
    hostile = client.post("/monitor/mark", data={"csrf": csrf, "project": "JM-2026-0101", "kind": "late_start", "year": "",
                                                 "status": "notified", "back_to": "//evil.example/monitor"})  # fmt: skip
    assert hostile.headers["location"].startswith("/monitor#")


def test_reports_notices_and_blank_templates_download_from_the_pages_and_the_api(db_url: str, tmp_path: Path) -> None:
    import docx
    from openpyxl import load_workbook as open_workbook

    from .test_monitoring import _ledger

    _ledger(db_url, tmp_path)
    for name, role, extra in (("审查员丁", "reviewer", []), ("新会专员丁", "district", ["--district", "新会区"])):
        code, _, err = run("user", "add", name, "--role", role, *extra, "--password-stdin", "--db", db_url, stdin=PASSWORD + "\n")
        assert code == 0, err
    app = create_app(Admit(ledger=open_ledger(db_url), rulebook=load_rulebook(RULES_DIR)), secret="test-secret")
    site = Site(db_url, TestClient(app, follow_redirects=False), {})
    client, _ = site.browser("审查员丁")
    monitor = client.get("/monitor?as_of=2026-11-21", headers={"accept": "text/html"})
    assert 'href="/monitor/file?as_of=2026-11-21&amp;format=pdf"' in monitor.text
    pdf = client.get("/monitor/file?as_of=2026-11-21&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" + quote("履约核查（截至2026年11月21日）.pdf") in pdf.headers["content-disposition"]
    (tmp_path / "n.pdf").write_bytes(pdf.content)
    assert "履约核查通知书" in pdf_text(tmp_path / "n.pdf")
    word = client.get("/reports/monthly/file?month=2026-11&format=docx")
    assert word.status_code == 200
    (tmp_path / "m.docx").write_bytes(word.content)
    assert any(p.text.endswith("月招商引资项目月通报") for p in docx.Document(str(tmp_path / "m.docx")).paragraphs)
    sheet = client.get("/reports/annual/file?year=2023&format=xlsx")
    (tmp_path / "a.xlsx").write_bytes(sheet.content)
    assert open_workbook(tmp_path / "a.xlsx").sheetnames[0] == "总体情况"
    assert client.get("/reports/annual/file?year=2023&format=exe").status_code == 422
    for which, first_header in (("intake", "案件编号"), ("ledger", "案件编号")):
        blank = client.get(f"/blank/{which}.xlsx")
        (tmp_path / f"{which}.xlsx").write_bytes(blank.content)
        sheet_one = open_workbook(tmp_path / f"{which}.xlsx").worksheets[0]
        assert blank.status_code == 200 and sheet_one.cell(1, 1).value == first_header
    # A district user's files hold its own district only, as its pages do.
    district, _ = site.browser("新会专员丁")
    own = district.get("/monitor/file?as_of=2026-11-21&format=xlsx")
    (tmp_path / "d.xlsx").write_bytes(own.content)
    rows = list(open_workbook(tmp_path / "d.xlsx")["核查结果"].iter_rows(min_row=2, values_only=True))
    assert rows and {row[0] for row in rows} == {"新会区"}


# --- accounts ---------------------------------------------------------------------------------------


def test_the_admin_manages_accounts_in_the_browser_and_sees_nothing_of_the_ledger(site: Site) -> None:
    code, _, err = run("user", "add", "管理员", "--role", "admin", "--password-stdin", "--db", site.db, stdin=PASSWORD + "\n")
    assert code == 0, err
    admin, csrf = site.browser("管理员")
    assert admin.get("/").headers["location"] == "/admin"
    page = admin.get("/admin", headers={"accept": "text/html"})
    assert page.status_code == 200 and "审查员甲" in page.text and "$argon2" not in page.text
    refused = admin.get("/projects", headers={"accept": "text/html"})
    assert refused.status_code == 403 and "系统管理员只管理账户" in refused.text
    # A refused form comes back with what was typed and the message beside the field (never the password).
    bad = admin.post("/admin/users", data={"csrf": csrf, "name": "新审查员", "role": "reviewer", "district": "", "password": "short"})
    assert bad.status_code == 422 and 'value="新审查员"' in bad.text and "密码至少 8 个字符" in bad.text and "short" not in bad.text
    made = admin.post(
        "/admin/users", data={"csrf": csrf, "name": "新审查员", "role": "reviewer", "district": "", "password": "first-pass-1"}
    )
    assert made.status_code == 303
    reviewer = TestClient(site.client.app, follow_redirects=False)
    form = _csrf(reviewer.get("/login").text)
    assert reviewer.post("/login", data={"name": "新审查员", "password": "first-pass-1", "csrf": form}).status_code == 303
    assert reviewer.get("/admin", headers={"accept": "text/html"}).status_code == 403
    # Disabled: the open session ends at its next request; enabled and reset: a new password works.
    assert admin.post("/admin/users/新审查员/disable", data={"csrf": csrf}).status_code == 303
    assert reviewer.get("/projects", headers={"accept": "text/html"}).status_code == 303
    assert admin.post("/admin/users/新审查员/enable", data={"csrf": csrf}).status_code == 303
    assert admin.post("/admin/users/新审查员/password", data={"csrf": csrf, "password": "second-pass-2"}).status_code == 303
    again = TestClient(site.client.app, follow_redirects=False)
    form = _csrf(again.get("/login").text)
    assert again.post("/login", data={"name": "新审查员", "password": "second-pass-2", "csrf": form}).status_code == 303
    _, out, _ = run("user", "list", "--json", "--db", site.db)
    listed = {a["name"]: a for a in json.loads(out)}
    assert listed["新审查员"]["role"] == "reviewer" and not listed["新审查员"]["disabled"] and "password_hash" not in out
    _, out, _ = run("ledger", "verify", "--db", site.db)
    assert "一致" in out or "通过" in out, out


def test_every_user_changes_their_own_password_and_the_cli_resets_one(site: Site) -> None:
    client, csrf = site.browser("只读乙")
    wrong = client.post("/account/password", data={"csrf": csrf, "old": "not-it", "new": "brand-new-9", "again": "brand-new-9"})
    assert wrong.status_code == 422 and "原密码不正确" in wrong.text
    differ = client.post("/account/password", data={"csrf": csrf, "old": PASSWORD, "new": "brand-new-9", "again": "brand-new-8"})
    assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.text
    done = client.post("/account/password", data={"csrf": csrf, "old": PASSWORD, "new": "brand-new-9", "again": "brand-new-9"})
    assert done.status_code == 303
    api = site.client.post("/api/me/password", json={"old": "brand-new-9", "new": "brand-new-10"}, headers=site.api("viewer"))
    assert api.status_code == 204
    assert site.client.post("/api/me/password", json={"old": "nope", "new": "x" * 9}, headers=site.api("viewer")).status_code == 422
    code, out, err = run("user", "password", "只读乙", "--password-stdin", "--db", site.db, stdin="reset-by-cli-1\n")
    assert code == 0 and "已为账户 只读乙 设置新密码" in out and "reset-by-cli-1" not in out + err
    fresh = TestClient(site.client.app, follow_redirects=False)
    form = _csrf(fresh.get("/login").text)
    assert fresh.post("/login", data={"name": "只读乙", "password": "reset-by-cli-1", "csrf": form}).status_code == 303
    assert site.client.get("/api/users", headers=site.api("reviewer")).status_code == 403


def test_a_refused_upload_leaves_nothing_and_one_users_uploads_never_evict_anothers(site: Site) -> None:
    import tempfile

    from admission.ledger.screenings import PER_USER as KEPT_UPLOADS

    def leftovers() -> set[str]:
        return {p.name for p in Path(tempfile.gettempdir()).glob("admit-upload-*")}

    before = leftovers()
    client, csrf = site.browser("审查员甲")
    refused = client.post("/screen", data={"csrf": csrf}, files=[("files", ("a.json", b"{}", "application/json")),
                                                                  ("files", ("evil.exe", b"MZ", "application/octet-stream"))])  # fmt: skip
    assert refused.status_code == 400 and leftovers() == before
    other, other_csrf = site.browser("只读乙")
    body = (SAMPLES_DIR / "industrial-approve.json").read_bytes()
    kept = other.post("/screen", data={"csrf": other_csrf}, files=[("files", ("一份.json", body, "application/json"))]).headers["location"]
    for _ in range(KEPT_UPLOADS + 1):
        assert client.post("/screen", data={"csrf": csrf}, files=[("files", ("x.json", body, "application/json"))]).status_code == 303
    assert other.get(kept, headers={"accept": "text/html"}).status_code == 200, "another user's screening is still there"


def test_a_meeting_page_takes_every_result_at_once_in_agenda_order_and_gives_the_packet(site: Site, tmp_path: Path) -> None:
    _, out, _ = run("ledger", "list", "--json", "--db", site.db)
    ids = [p["id"] for p in json.loads(out)["projects"]][:3]
    agenda = list(reversed(ids))  # the meeting's own order, not the ledger's
    assert run("ledger", "agenda", "--meeting-no", "7", "--meeting-date", "2026-11-20", *agenda, "--db", site.db)[0] == 0
    client, csrf = site.browser("审查员甲")
    listing = client.get("/meetings", headers={"accept": "text/html"})
    assert 'href="/meetings/2026/7"' in listing.text and "共 1 条" in listing.text
    page = client.get("/meetings/2026/7", headers={"accept": "text/html"})
    assert re.findall(r'<td class="id"><a href="/projects/[^"]+">([^<]+)</a>', page.text) == agenda
    fields = {"csrf": csrf, f"result:{agenda[0]}": "通过", f"result:{agenda[1]}": "有条件通过", f"conditions:{agenda[1]}": "限期开工"}
    saved = client.post("/meetings/2026/7/results", data=fields)
    assert saved.status_code == 303
    again = client.get("/meetings/2026/7", headers={"accept": "text/html"})
    assert "已保存 2026 年第 7 次会议审议结果：2 项有变化" in again.text and 'value="限期开工"' in again.text
    detail = json.loads(run("ledger", "show", agenda[1], "--json", "--db", site.db)[1])
    assert [(r["result"], r["conditions"]) for r in detail["resolutions"]] == [("有条件通过", "限期开工")]
    # One refused result (an unknown one) records none of them.
    bad = client.post("/meetings/2026/7/results", data={"csrf": csrf, f"result:{agenda[2]}": "通过", f"result:{agenda[0]}": "大概通过"})
    assert bad.status_code == 422 and "大概通过" in bad.text
    # The same page again, what was typed kept, the message on the refused row.
    assert "保存全部审议结果" in bad.text and 'class="field-error"' in bad.text
    row = bad.text[bad.text.index(f"result:{agenda[2]}") :]
    assert row[: row.index("</select>")].count("<option selected>通过</option>") == 1
    assert json.loads(run("ledger", "show", agenda[2], "--json", "--db", site.db)[1])["resolutions"] == []
    packet = client.get("/meetings/2026/7/packet.pdf")
    assert packet.status_code == 200 and "2026年第7次会议材料.pdf" in unquote(packet.headers["content-disposition"])
    (tmp_path / "p.pdf").write_bytes(packet.content)
    text = pdf_text(tmp_path / "p.pdf")
    positions = [text.index(case_id) for case_id in agenda]
    assert positions == sorted(positions), "the packet keeps the agenda's order"
    assert client.get("/meetings/2026/99", headers={"accept": "text/html"}).status_code == 404


# --- the 台账 workbook in the browser -------------------------------------------------------------------


def _book_with_one_bad_row(tmp_path: Path) -> tuple[Path, str]:
    from .test_ledger import book

    good = sample("industrial-approve.json")["id"]
    path = book(tmp_path / "十二月台账.xlsx", {"项目台账": [
        {"案件编号": good, "签约日期": date(2026, 11, 5)},
        {"案件编号": good, "开工日期": "不是日期"},
    ]})  # fmt: skip
    return path, good


def test_the_ledger_workbook_is_previewed_then_imported_on_confirmation(site: Site, tmp_path: Path) -> None:
    import tempfile

    path, case_id = _book_with_one_bad_row(tmp_path)
    client, csrf = site.browser("审查员甲")
    upload = [("file", ("十二月台账.xlsx", path.read_bytes(), "application/octet-stream"))]
    preview = client.post("/ledger/import", data={"csrf": csrf}, files=upload)
    assert preview.status_code == 200 and "检查结果：十二月台账.xlsx（尚未写入台账）" in preview.text
    assert "将拒绝的行（1 行" in preview.text and "开工日期" in preview.text
    shown = json.loads(run("ledger", "show", case_id, "--json", "--db", site.db)[1])
    assert shown["milestones"]["签约日期"] is None, "nothing recorded by the preview"
    key = re.search(r'action="/ledger/import/([^"]+)"', preview.text)
    assert key is not None
    assert client.post(f"/ledger/import/{key.group(1)}", data={"csrf": csrf}).status_code == 303
    shown = json.loads(run("ledger", "show", case_id, "--json", "--db", site.db)[1])
    assert shown["milestones"]["签约日期"] == "2026-11-05"
    assert any("十二月台账.xlsx" in str(event.get("source", "")) for event in shown["events"]), "the upload's own name in the trail"
    assert not list(Path(tempfile.gettempdir()).glob("admit-import-*")), "no uploaded workbook left on disk"
    assert client.post(f"/ledger/import/{key.group(1)}", data={"csrf": csrf}).status_code == 404, "a preview is confirmed once"
    # The API's dry run says the same and records nothing.
    answer = site.client.post("/api/ledger/import?dry_run=1", files=upload, headers=site.api("reviewer"))
    body = answer.json()
    assert answer.status_code == 200 and body["dry_run"] is True and body["unchanged"] == {"项目台账": 1}
    assert body["refused"] == [{"sheet": "项目台账", "row": 3, "column": "开工日期", "project": case_id,
                                "message": body["refused"][0]["message"]}]  # fmt: skip
    assert site.client.post("/api/ledger/import", files=upload, headers=site.api("viewer")).status_code == 403


def test_the_ledger_and_a_filtered_list_download_and_a_ledger_uploaded_for_screening_says_so(site: Site, tmp_path: Path) -> None:
    from openpyxl import load_workbook as open_workbook

    client, csrf = site.browser("审查员甲")
    whole = client.get("/ledger/export.xlsx")
    (tmp_path / "book.xlsx").write_bytes(whole.content)
    assert whole.status_code == 200 and "项目台账" in open_workbook(tmp_path / "book.xlsx").sheetnames
    listed = client.get("/projects.xlsx?district=新会区&sort=id")
    (tmp_path / "list.xlsx").write_bytes(listed.content)
    rows = list(open_workbook(tmp_path / "list.xlsx").active.iter_rows(min_row=2, values_only=True))
    assert rows and {r[2] for r in rows} == {"新会区"} and [r[0] for r in rows] == sorted(r[0] for r in rows)
    district, _ = site.browser("新会专员")
    assert district.get("/ledger/export.xlsx", headers={"accept": "text/html"}).status_code == 403
    mistaken = client.post("/screen", data={"csrf": csrf}, files=[("files", ("台账.xlsx", whole.content, "application/octet-stream"))])
    page = client.get(mistaken.headers["location"], headers={"accept": "text/html"})
    assert "这是项目台账工作簿" in page.text and "导入台账工作簿" in page.text and page.text.count("无效") < 5


def test_the_intake_reader_knows_the_ledgers_sheets() -> None:
    from admission.intake.workbook import LEDGER_SHEET_NAMES
    from admission.ledger.book import SHEETS

    assert tuple(SHEETS) == LEDGER_SHEET_NAMES


def test_the_opinion_of_any_revision_and_the_rule_book_are_pages_too(site: Site, tmp_path: Path) -> None:
    client, _ = site.browser("只读乙")
    case_id = sample("industrial-approve.json")["id"]
    page = client.get(f"/projects/{case_id}", headers={"accept": "text/html"})
    assert f'href="/projects/{case_id}/revisions/1/opinion.pdf"' in page.text
    pdf = client.get(f"/projects/{case_id}/revisions/1/opinion.pdf")
    assert pdf.status_code == 200 and f"审查意见-{case_id}-第1版.pdf" in unquote(pdf.headers["content-disposition"])
    (tmp_path / "o.pdf").write_bytes(pdf.content)
    assert f"关于{sample('industrial-approve.json')['name']}的准入审查意见" in pdf_text(tmp_path / "o.pdf")
    assert client.get(f"/projects/{case_id}/revisions/9/opinion.pdf").status_code == 404
    district, _ = site.browser("新会专员")
    other = sample("industrial-reject.json")["id"]  # 台山市: not the district user's
    assert district.get(f"/projects/{other}/revisions/1/opinion.pdf").status_code == 404
    rules = client.get("/rules?as_of=2026-11-21", headers={"accept": "text/html"})
    assert rules.status_code == 200 and "JM-2022（2026-11-21 生效）" in rules.text and "亩均税收" in rules.text and "履约条款" in rules.text


def test_the_admin_checks_the_ledger_and_downloads_a_backup(site: Site, tmp_path: Path) -> None:
    import sqlite3

    assert run("user", "add", "管理员乙", "--role", "admin", "--password-stdin", "--db", site.db, stdin=PASSWORD + "\n")[0] == 0
    admin, csrf = site.browser("管理员乙")
    checked = admin.post("/admin/verify", data={"csrf": csrf})
    assert checked.status_code == 200 and "事件链完好" in checked.text
    copy = admin.get("/admin/backup", headers={"accept": "text/html"})
    if site.db.startswith("postgresql"):
        assert copy.status_code == 400 and "pg_dump" in copy.text
        return
    assert copy.status_code == 200
    (tmp_path / "copy.db").write_bytes(copy.content)
    with sqlite3.connect(tmp_path / "copy.db") as connection:
        assert connection.execute("select count(*) from projects").fetchone()[0] > 0
    viewer, _ = site.browser("只读乙")
    assert viewer.get("/admin/backup").status_code == 403


def test_contracts_extensions_transfers_corrections_and_terminations_are_forms_on_the_project_page(site: Site) -> None:
    case_id = sample("industrial-approve.json")["id"]
    client, csrf = site.browser("审查员甲")
    page = client.get(f"/projects/{case_id}", headers={"accept": "text/html"})
    for heading in ("土地出让合同与用地来源", "延期（延建）", "项目流转", "更正（写明原因）", "终止项目"):
        assert heading in page.text
    contract = {
        "csrf": csrf,
        "用地来源": "新增供地",
        "出让价款（万元）": "3,200.50",
        "约定开工日期": "2026-09-01",
        "约定竣工日期": "2027-09-01",
    }
    assert client.post(f"/projects/{case_id}/sheet/contract", data=contract).status_code == 303
    shown = json.loads(run("ledger", "show", case_id, "--json", "--db", site.db)[1])
    assert shown["land_contract"]["出让价款（万元）"] in ("3200.50", "3200.5", 3200.5)
    # The same check as the import, shown beside the field with what was typed.
    wrong = {"csrf": csrf, "约定开工日期": "2027-01-01", "约定竣工日期": "2026-01-01"}
    refused = client.post(f"/projects/{case_id}/sheet/contract", data=wrong)
    assert refused.status_code == 422 and "早于" in refused.text and 'value="2027-01-01"' in refused.text
    transfer = {"csrf": csrf, "流转日期": "2026-11-15", "转入区域": "江海区", "批准文号": "江府函〔2026〕12号"}
    assert client.post(f"/projects/{case_id}/sheet/transfer", data=transfer).status_code == 303
    assert json.loads(run("ledger", "show", case_id, "--json", "--db", site.db)[1])["district"] == "江海区"
    ended = client.post(f"/projects/{case_id}/terminate", data={"csrf": csrf, "on": "2026-11-20", "reason": "企业撤回"})
    assert ended.status_code == 303
    district, district_csrf = site.browser("新会专员")
    other = sample("industrial-conditional.json")["id"]
    assert district.post(f"/projects/{other}/sheet/contract", data={"csrf": district_csrf}).status_code in (403, 404)


def test_a_signed_only_project_is_entered_in_the_browser(site: Site) -> None:
    client, csrf = site.browser("审查员甲")
    fields = {"csrf": csrf, "案件编号": "JM-2026-0999", "项目名称": "签约新能源项目", "所在区域": "台山市", "项目类型": "工业项目",
              "计划总投资（万元）": "150000", "签约日期": "2026-11-03"}  # fmt: skip
    missing = client.post("/projects", data={**fields, "所在区域": ""})
    assert missing.status_code == 422 and "所在区域" in missing.text and 'value="签约新能源项目"' in missing.text
    assert client.post("/projects", data=fields).status_code == 303
    shown = json.loads(run("ledger", "show", "JM-2026-0999", "--json", "--db", site.db)[1])
    assert (shown["district"], shown["milestones"]["签约日期"]) == ("台山市", "2026-11-03")


def test_the_api_screens_uploads_makes_a_meetings_packet_and_takes_results_strictly(site: Site) -> None:
    body = (SAMPLES_DIR / "industrial-approve.json").read_bytes()
    screened = site.client.post("/api/screen", files=[("files", ("申请.json", body, "application/json"))], headers=site.api("viewer"))
    assert screened.status_code == 200
    result = screened.json()
    assert result["summary"]["total"] == 1 and result["results"][0]["source"] == "申请.json"
    case_id = sample("industrial-approve.json")["id"]
    assert run("ledger", "agenda", "--meeting-no", "5", "--meeting-date", "2026-11-20", case_id, "--db", site.db)[0] == 0
    packet = site.client.post("/api/packet", json={"meeting_no": 5, "meeting_date": "2026-11-20", "format": "docx"},
                              headers=site.api("reviewer"))  # fmt: skip
    assert packet.status_code == 200 and packet.content.startswith(b"PK")
    reviewer = site.api("reviewer")
    done = site.client.post(f"/api/projects/{case_id}/results", json={"year": 2025, "tax_wan": 120.5}, headers=reviewer)
    assert done.status_code == 200 and done.json()["yearly_results"][0]["tax"] in ("120.5", "120.50")
    # As strict as /api/check: duplicate keys, UTF-16, a 5,000-digit number, deep nesting: 422, never 500.
    path = f"/api/projects/{case_id}/milestones"
    for hostile in (b'{"milestone": "\\u5f00\\u5de5", "milestone": "x", "date": "2026-11-01"}',
                    '{"milestone": "开工", "date": "2026-11-01"}'.encode("utf-16"),
                    b'{"milestone": "' + b"9" * 5000 + b'", "date": 1' + b"9" * 5000 + b"}",
                    b"[" * 5000 + b"]" * 5000):  # fmt: skip
        answer = site.client.post(path, content=hostile, headers=reviewer)
        assert answer.status_code == 422, (hostile[:40], answer.text[:200])


# --- every route of the application, generated from the app itself (no hand-kept list) ------------

OPEN_PATHS = {"/login", "/static/{name}", "/openapi.json"}
ACCOUNT_PATHS = ("/admin", "/account", "/api/users", "/api/me/", "/logout")
READ_ONLY_FOR_VIEWER = {"/account/password", "/api/me/password", "/logout", "/api/check", "/screen", "/api/screen"}


def _routes() -> list[tuple[str, str]]:
    """Every (method, path) the application serves: the routers ``create_app`` includes."""
    from fastapi.routing import APIRoute

    from admission.web.routers import ROUTERS

    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                found += [(method, route.path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def _filled(path: str) -> str:
    values = {"case_id": OWN, "year": "2026", "number": "1", "kind": "pdf", "key": "no-such-key", "name": "只读乙", "action": "disable",
              "which": "intake", "form_key": "contract", "index": "0"}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_every_route_is_closed_to_anonymous_users_admins_stay_in_their_pages_and_viewers_change_nothing(site: Site) -> None:
    app: Any = site.client.app
    routes = _routes()
    assert len(routes) > 40, "the matrix covers the whole application"
    anonymous = TestClient(app, follow_redirects=False)
    assert run("user", "add", "矩阵管理员", "--role", "admin", "--password-stdin", "--db", site.db, stdin=PASSWORD + "\n")[0] == 0
    admin, admin_csrf = site.browser("矩阵管理员")
    viewer, viewer_csrf = site.browser("只读乙")
    for method, path in routes:
        url = _filled(path)
        if path not in OPEN_PATHS:
            answer = anonymous.request(method, url, headers={"accept": "text/html"})
            assert answer.status_code in (303, 401, 403), (method, path, answer.status_code)  # 403: CSRF refused first
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/login"), (method, path)
        if path != "/" and path not in OPEN_PATHS and not path.startswith(ACCOUNT_PATHS):
            answer = admin.request(method, url, data={"csrf": admin_csrf}, headers={"accept": "text/html"})
            assert answer.status_code == 403, ("admin", method, path, answer.status_code)
        if method == "POST" and path not in READ_ONLY_FOR_VIEWER and path != "/login":
            answer = viewer.request(method, url, data={"csrf": viewer_csrf}, headers={"accept": "text/html", "x-csrf-token": viewer_csrf})
            assert answer.status_code in (403, 404, 422), ("viewer", method, path, answer.status_code)
            assert answer.status_code != 422 or path.startswith("/api/"), ("a viewer's change must be refused by role", path)


def test_a_screening_is_kept_in_the_database_across_a_restart_for_its_owner_only(site: Site, tmp_path: Path) -> None:
    client, csrf = site.browser("审查员甲")
    body = (SAMPLES_DIR / "industrial-approve.json").read_bytes()
    key = client.post("/screen", data={"csrf": csrf}, files=[("files", ("十一月材料.json", body, "application/json"))]).headers["location"]
    restarted = create_app(Admit(ledger=open_ledger(site.db), rulebook=load_rulebook(RULES_DIR)), secret="test-secret")
    again = Site(site.db, TestClient(restarted, follow_redirects=False), site.tokens)
    same, _ = again.browser("审查员甲")
    page = same.get(key, headers={"accept": "text/html"})
    assert page.status_code == 200 and "十一月材料.json" in page.text, "the results outlive the server"
    packet = same.get(f"{key}/packet.pdf")
    assert packet.status_code == 200 and packet.content.startswith(b"%PDF"), "and so do the uploaded files"
    other, _ = again.browser("只读乙")
    assert other.get(key, headers={"accept": "text/html"}).status_code == 404


def test_pages_kept_between_views_follow_every_change_of_the_ledger(site: Site, tmp_path: Path) -> None:
    """The lists and reports are kept until the ledger changes: a change made by another program
    (the CLI, on the same database) shows on the next view, as a change made on the site does."""
    headers = {**site.api("reviewer"), "accept": "text/html"}
    assert "缓存检验项目" not in site.client.get("/projects?q=JM-2026-0888", headers=headers).text
    monitored = site.client.get("/api/monitor", headers=site.api("reviewer")).json()
    application = {**sample("industrial-approve.json"), "id": "JM-2026-0888", "name": "缓存检验项目"}
    path = tmp_path / "new.json"
    path.write_text(json.dumps(application, ensure_ascii=False), encoding="utf-8")
    code, _, err = run("ledger", "add", str(path), "--db", site.db, "--as-of", "2026-11-21")
    assert code == 0, err
    assert "缓存检验项目" in site.client.get("/projects?q=JM-2026-0888", headers=headers).text
    code, _, err = run("ledger", "resolve", "JM-2026-0888", "通过", "--meeting-no", "9", "--meeting-date", "2026-11-25",
                       "--db", site.db)  # fmt: skip
    assert code == 0, err
    again = site.client.get("/api/monitor", headers=site.api("reviewer")).json()
    checked = again["summary"]["projects_checked"] + again["summary"]["projects_not_checked"]
    assert checked == monitored["summary"]["projects_checked"] + monitored["summary"]["projects_not_checked"] + 1
