"""督办与考核 in the browser and the API, on SQLite and PostgreSQL: the same answers as the CLI,
each role seeing and answering for what it may, forms refused with their messages beside them."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from admission.app import Admit
from admission.ledger.database import open_ledger
from admission.rules.rulebook import load_rulebook
from admission.web.app import create_app

from .conftest import RULES_DIR
from .test_supervision import load_2024
from .test_web import PASSWORD, Site, run

USERS = {"reviewer": ("审查员甲", []), "district": ("新会专员", ["--district", "新会区"]), "viewer": ("只读乙", []),
         "other": ("台山专员", ["--district", "台山市"])}  # fmt: skip


@pytest.fixture
def office(db_url: str) -> Iterator[Site]:
    load_2024(db_url)
    tokens = {}
    for role, (name, extra) in USERS.items():
        code, _, err = run("user", "add", name, "--role", "district" if role == "other" else role, *extra, "--password-stdin", "--db",
                           db_url, stdin=PASSWORD + "\n")  # fmt: skip
        assert code == 0, err
        tokens[role] = run("user", "token", name, "--db", db_url)[1].strip()
    app = create_app(Admit(ledger=open_ledger(db_url), rulebook=load_rulebook(RULES_DIR)), secret="test-secret")
    yield Site(db_url, TestClient(app, follow_redirects=False), tokens)
    app.state.admit.remove_files()  # what the server does when it stops: no upload left in /tmp


def test_targets_and_the_assessment_in_the_browser_and_the_api(office: Site) -> None:
    reviewer, _ = office.browser("审查员甲")
    page = reviewer.get("/targets?year=2024").text
    for words in ("评审项目数", "5.92", "7.60", "88.8%", "慢于序时进度 11.2 个百分点", "年考核", "通报表扬", "约谈"):
        assert words in page, words
    answer = office.client.get("/api/targets?year=2024", headers=office.api("reviewer"))
    code, out, _ = run("report", "targets", "--year", "2024", "--db", office.db, "--json", "--as-of", "2024-12-31")
    assert code == 0 and answer.status_code == 200 and answer.json() == json.loads(out)  # the same answer as the CLI
    sheet = office.client.get("/api/targets?year=2024&format=xlsx", headers=office.api("reviewer"))
    assert sheet.status_code == 200 and load_workbook(io.BytesIO(sheet.content)).sheetnames == ["目标任务完成情况"]
    assert office.client.get("/api/assessment?year=2024", headers=office.api("reviewer")).json()["interview"] == ["恩平市"]
    assert office.client.get("/api/assessment?year=2024", headers=office.api("district")).status_code == 403
    own = office.client.get("/api/targets?year=2024", headers=office.api("district")).json()
    assert own["region"] == "新会区" and {r["region"] for r in own["targets"]} == {"新会区"}
    pdf = reviewer.get("/assessment/file?year=2024&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_refused_target_form_comes_back_with_what_was_typed(office: Site) -> None:
    reviewer, csrf = office.browser("审查员甲")
    answer = reviewer.post("/targets", data={"csrf": csrf, "year": "2025", "region": "全市", "indicator": "passed", "target": "很多个",
                                             "direction": "≥", "weight": "5"})  # fmt: skip
    assert answer.status_code == 422 and "应为数字" in answer.text and 'value="很多个"' in answer.text
    answer = reviewer.post("/targets", data={"csrf": csrf, "year": "2025", "region": "全市", "indicator": "passed", "target": "120",
                                             "direction": "≥", "weight": "5"})  # fmt: skip
    assert answer.status_code == 303
    assert "过会项目数" in reviewer.get("/targets?year=2025").text
    viewer, viewer_csrf = office.browser("只读乙")
    assert viewer.post("/targets", data={"csrf": viewer_csrf, "year": "2025", "indicator": "passed", "target": "1"}).status_code == 403


def test_a_supervision_round_from_issue_to_reply_and_close(office: Site) -> None:
    reviewer, csrf = office.browser("审查员甲")
    listing = reviewer.get("/supervision?as_of=2024-12-31&district=新会区").text
    assert "JM-2024-0004" in listing and "红灯" in listing and "台山市" not in listing.split("<table")[1]
    answer = reviewer.post("/supervision/issue", data={"csrf": csrf, "district": "新会区", "as_of": "2024-12-31"})
    assert answer.status_code == 303 and answer.headers["location"] == "/supervision/notices/1"
    assert "江招联督〔2024〕1号" in reviewer.get("/supervision/notices/1").text
    refused = reviewer.post("/supervision/issue", data={"csrf": csrf, "district": "", "as_of": "2024-12-31"})
    assert refused.status_code == 422 and "请选择被督办的区域" in refused.text

    district, district_csrf = office.browser("新会专员")
    own = district.get("/supervision").text
    assert "江招联督〔2024〕1号" in own
    answer = district.post("/supervision/notices/1/items/1", data={"csrf": district_csrf, "action": "reply", "on": "2025-01-05",
                                                                   "text": "已完成挂网，预计一月供地"})  # fmt: skip
    assert answer.status_code == 303
    assert district.post("/supervision/notices/1/items/2", data={"csrf": district_csrf, "action": "close"}).status_code == 403
    page = district.get("/supervision/notices/1").text
    assert "已完成挂网，预计一月供地" in page and "已反馈" in page
    other, other_csrf = office.browser("台山专员")
    assert other.get("/supervision/notices/1").status_code == 404
    assert other.post("/supervision/notices/1/items/1", data={"csrf": other_csrf, "action": "reply", "text": "x"}).status_code == 404
    viewer, viewer_csrf = office.browser("只读乙")
    assert viewer.post("/supervision/notices/1/items/1", data={"csrf": viewer_csrf, "action": "reply", "text": "x"}).status_code == 403

    closed = office.client.post("/api/supervision/notices/1/items/2", headers=office.api("reviewer"),
                                json={"action": "close", "on": "2025-01-06", "text": "已注册"})  # fmt: skip
    assert closed.status_code == 200 and closed.json()["items"][1]["state"] == "closed"
    document = reviewer.get("/supervision/notices/1/file?format=docx")
    assert document.status_code == 200 and document.content.startswith(b"PK")
    home = district.get("/").text
    assert "待办" in home and "红灯项目" in home and "江招联督〔2024〕1号" in home


def test_progress_notes_from_the_project_page_and_the_api(office: Site) -> None:
    district, csrf = office.browser("新会专员")
    answer = district.post("/projects/JM-2024-0004/notes", data={"csrf": csrf, "on": "2024-12-20", "progress": "已签约，正在办理注册",
                                                                 "problems": "用地指标待落实"})  # fmt: skip
    assert answer.status_code == 303
    page = district.get("/projects/JM-2024-0004").text
    assert "已签约，正在办理注册" in page and "用地指标待落实" in page
    assert district.post("/projects/JM-2024-0006/notes", data={"csrf": csrf, "progress": "x"}).status_code == 404  # 台山市's
    empty = office.client.post("/api/projects/JM-2024-0004/notes", headers=office.api("reviewer"), json={"on": "2024-12-21"})
    assert empty.status_code == 422 and "至少填写一项" in empty.text
    made = office.client.post("/api/projects/JM-2024-0004/notes", headers=office.api("reviewer"),
                              json={"on": "2024-12-22", "coordination": "请市供电局协调"})  # fmt: skip
    assert made.status_code == 200
    chased = office.client.get("/api/supervision?as_of=2024-12-31&district=新会区", headers=office.api("reviewer")).json()
    found = next(p for p in chased["projects"] if p["project"] == "JM-2024-0004")
    assert found["note"]["coordination"] == "请市供电局协调" and found["note"]["on"] == "2024-12-22"


def test_the_supervision_list_downloads_as_a_workbook(office: Site, tmp_path: Path) -> None:
    reviewer, _ = office.browser("审查员甲")
    answer = reviewer.get("/supervision/file?as_of=2024-12-31&format=xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["督办项目", "督办通知"] and book["督办项目"].max_row > 10
    assert reviewer.get("/supervision/file?format=pdf").status_code == 422


def test_a_target_body_of_the_wrong_shape_is_a_chinese_422(office: Site) -> None:
    for body in ({"year": 2025, "region": 5, "indicator": "passed", "target": 10}, {"year": "二〇二五", "indicator": [1], "target": {}},
                 {"year": 2025, "indicator": "passed", "target": 10, "direction": 1, "explanation": ["x"]}):  # fmt: skip
        answer = office.client.post("/api/targets", headers=office.api("reviewer"), json=body)
        assert answer.status_code == 422 and "Traceback" not in answer.text, (body, answer.text)
        assert answer.json()["error"]["problems"], answer.text
