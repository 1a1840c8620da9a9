"""Pages and API of ``admit serve``. Each handler asks who is calling, checks the role, and calls
the same core function as the CLI; the roles are those of the web contract (see ``accounts``)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..dates import parse_iso_date
from ..ledger.records import RowError
from ..resources import data_dir
from . import accounts
from .accounts import User
from .app import (
    MILESTONE_KEYS,
    HTTPProblem,
    State,
    Upload,
    check_csrf,
    csrf_token,
    current_user,
    keep_upload,
    login_allowed,
    login_failed,
    new_upload_folder,
    today,
)

STATIC = {"admit.css": "text/css; charset=utf-8", "admit.js": "text/javascript; charset=utf-8"}


def register(app: FastAPI, state: State) -> None:
    def render(request: Request, user: User | None, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        from ..documents import render_template

        shared = {"user": user, "csrf": csrf_token(request), "flash": _pop_flash(request), "error": None}
        page = render_template(state.templates, f"web/{name}", {**shared, **context})
        return HTMLResponse(page, status_code=status)

    def visible(user: User, case_id: str) -> dict[str, Any]:
        """The project as ``ledger show --json`` has it; 404 when absent or outside a district user's district."""
        from ..ledger.views import NotFound, project_detail

        with state.ledger.reading() as connection:
            try:
                detail = project_detail(connection, case_id)
            except NotFound:
                raise HTTPProblem(404, f"没有案件编号为 {case_id} 的项目") from None
        if not user.sees(detail["district"]):
            raise HTTPProblem(404, f"没有案件编号为 {case_id} 的项目")
        return detail

    def require_reviewer(user: User) -> None:
        if not user.may_review:
            raise HTTPProblem(403, f"{user.role_label}无权进行此项操作")

    # --- static files, sign-in ----------------------------------------------------------------

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPProblem(404, "没有这个文件")
        return Response((data_dir("templates") / "web" / "static" / name).read_bytes(), media_type=STATIC[name])

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return render(request, None, "login.html.j2")

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        address = request.client.host if request.client else "?"
        if not login_allowed(state, address, name):
            raise HTTPProblem(429, "登录失败次数过多，请 5 分钟后再试")
        user = accounts.by_password(state.ledger, name, password)
        if user is None:
            login_failed(state, address, name)
            return render(request, None, "login.html.j2", status=401, error="用户名或密码错误，或账户已停用")
        request.session.clear()
        request.session["user"] = user.id
        csrf_token(request)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- home ---------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        user = current_user(request, state)
        from ..ledger.views import STAGES, Filters, project_rows

        with state.ledger.reading() as connection:
            rows = project_rows(connection, Filters(district=None if user.role != "district" else user.district))
        stages = {stage: sum(1 for r in rows if r["stage"] == stage) for stage in STAGES}
        deviations = [r for r in rows if r["deviation"]]
        return render(request, user, "home.html.j2", total=len(rows), stages=stages, deviations=deviations)

    # --- screening ----------------------------------------------------------------------------

    @app.get("/screen", response_class=HTMLResponse, include_in_schema=False)
    def screen_page(request: Request) -> HTMLResponse:
        return render(request, current_user(request, state), "screen.html.j2")

    @app.post("/screen", include_in_schema=False)
    def screen_upload(request: Request, files: list[UploadFile] = File(...), csrf: str = Form("")) -> Response:
        user = current_user(request, state)
        check_csrf(request, csrf)
        from . import jobs

        folder = new_upload_folder()
        paths: list[Path] = []
        names: list[str] = []
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"file{index}").name
            suffix = Path(name).suffix.lower()
            if suffix not in (".json", ".xlsx", ".xlsm"):
                raise HTTPProblem(400, f"只能上传申请材料（.json）或申请汇总表（.xlsx），“{name}”不是")
            target = folder / f"{index:03d}{suffix}"
            target.write_bytes(upload.file.read())
            paths.append(target)
            names.append(name)
        results = jobs.pool().submit(jobs.screen, [str(p) for p in paths], str(state.rulebook.directory), today()).result()
        shown = {str(p): n for p, n in zip(paths, names, strict=True)}
        for result in results:
            stored, _, row = result["source"].partition("#")
            result["source"] = shown.get(stored, stored) + (f" 第 {row} 行" if row else "")
        key = keep_upload(state, Upload(folder, user.id, results, [str(p) for p in paths]))
        return RedirectResponse(f"/screen/{key}", status_code=303)

    def upload_of(user: User, key: str) -> Upload:
        upload: Upload | None = state.uploads.get(key)
        if upload is None or upload.owner != user.id:
            raise HTTPProblem(404, "没有这次预审结果（可能已过期），请重新上传")
        return upload

    @app.get("/screen/{key}", response_class=HTMLResponse, include_in_schema=False)
    def screen_results(request: Request, key: str) -> HTMLResponse:
        user = current_user(request, state)
        upload = upload_of(user, key)
        from ..review import VERDICT_LABELS
        from ..screen import failed_rules, problem_place, summary

        rows = []
        for index, result in enumerate(upload.results):
            decision = result.get("decision")
            problems = result.get("error", {}).get("problems", [])
            rows.append({
                "index": index, "source": result["source"], "decision": decision,
                "about": decision["application"] if decision else result.get("application", {}),
                "verdict": VERDICT_LABELS[decision["verdict"]] if decision else "无效",
                "verdict_code": decision["verdict"] if decision else "invalid",
                "failed": "、".join(failed_rules(decision, "mandatory")) if decision else "",
                "problems": [{"place": problem_place(p), "message": p["message"]} for p in problems],
            })  # fmt: skip
        return render(request, user, "screen_results.html.j2", key=key, rows=rows, counts=summary(upload.results))

    @app.get("/screen/{key}/results.xlsx", include_in_schema=False)
    def screen_workbook(request: Request, key: str) -> Response:
        from ..screen import results_xlsx

        upload = upload_of(current_user(request, state), key)
        return _download(
            results_xlsx(upload.results, state.rulebook),
            "预审结果.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    @app.get("/screen/{key}/packet.{kind}", include_in_schema=False)
    def screen_packet(request: Request, key: str, kind: str) -> Response:
        from . import jobs

        media = _document_type(kind)
        upload = upload_of(current_user(request, state), key)
        templates = str(state.templates) if state.templates else None
        data = jobs.pool().submit(jobs.packet_pdf, upload.sources, str(state.rulebook.directory), today(), templates, kind).result()
        return _download(data, f"会议材料.{kind}", media)

    @app.get("/screen/{key}/opinion/{index}.{kind}", include_in_schema=False)
    def screen_opinion(request: Request, key: str, index: int, kind: str) -> Response:
        from . import jobs

        media = _document_type(kind)
        upload = upload_of(current_user(request, state), key)
        templates = str(state.templates) if state.templates else None
        rules_dir = str(state.rulebook.directory)
        made = jobs.pool().submit(jobs.opinion_pdf, upload.sources, index, rules_dir, today(), templates, kind).result()
        if isinstance(made, dict):
            status = 404 if made["error"]["kind"] == "not_found" else 422
            raise HTTPProblem(status, "申请材料无效，没有审查意见", made["error"]["problems"])
        name = upload.results[index]["decision"]["application"]["id"] if "decision" in upload.results[index] else str(index)
        return _download(made, f"审查意见-{name}.{kind}", media)

    @app.post("/screen/{key}/record", include_in_schema=False)
    def screen_record(request: Request, key: str, csrf: str = Form("")) -> Response:
        user = current_user(request, state)
        check_csrf(request, csrf)
        require_reviewer(user)
        from ..ledger.records import add_applications
        from ..screen import collect

        upload = upload_of(user, key)
        outcome = add_applications(state.ledger, collect([Path(p) for p in upload.sources]), state.rulebook, today(), user.name)
        _flash(request, f"已登记到台账：{len(outcome.recorded)} 份（内容未变 {len(outcome.unchanged)} 份，无效 {len(outcome.refused)} 份）")
        return RedirectResponse(f"/screen/{key}", status_code=303)

    # --- projects -----------------------------------------------------------------------------

    @app.get("/projects", response_class=HTMLResponse, include_in_schema=False)
    def projects_page(request: Request, district: str = "", stage: str = "", resolution: str = "") -> HTMLResponse:
        user = current_user(request, state)
        from ..ledger.records import RESULTS
        from ..ledger.views import STAGES, Filters, project_rows

        wanted = user.district if user.role == "district" else (district or None)
        with state.ledger.reading() as connection:
            rows = project_rows(connection, Filters(district=wanted, stage=stage or None, resolution=resolution or None))
        return render(request, user, "projects.html.j2", rows=rows, districts=state.rulebook.districts, stages=STAGES, results=RESULTS,
                      chosen={"district": district, "stage": stage, "resolution": resolution})  # fmt: skip

    @app.get("/projects/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def project_page(request: Request, case_id: str) -> HTMLResponse:
        user = current_user(request, state)
        detail = visible(user, case_id)
        from ..monitoring.ledger import monitor

        findings = monitor(state.ledger, state.rulebook, today(), only=case_id)["findings"]
        return render(request, user, "project.html.j2", p=detail, findings=findings, milestones=list(MILESTONE_KEYS),
                      may_record=user.may_record_progress(detail["district"]), this_year=today().year)  # fmt: skip

    def record_milestone(user: User, case_id: str, milestone: str, day_text: str, source: str) -> dict[str, Any]:
        detail = visible(user, case_id)
        if not user.may_record_progress(detail["district"]):
            raise HTTPProblem(403, f"{user.role_label}无权修改该项目")
        key = MILESTONE_KEYS.get(milestone)
        day = parse_iso_date(day_text)
        if key is None:
            raise HTTPProblem(422, "无效的进度节点", [{"path": "milestone", "message": f"应为 {'、'.join(MILESTONE_KEYS)} 之一"}])
        if day is None:
            raise HTTPProblem(422, "无效的日期", [{"path": "date", "message": f"日期应为 YYYY-MM-DD，实际为 {day_text!r}"}])
        from ..ledger.book import set_progress

        try:
            set_progress(state.ledger, case_id, {key: day}, user.name, today(), source)
        except RowError as error:
            raise HTTPProblem(422, "日期不能登记", [{"path": h, "message": m} for h, m in error.problems]) from None
        return visible(user, case_id)

    @app.post("/projects/{case_id}/milestones", include_in_schema=False)
    def milestone_form(request: Request, case_id: str, milestone: str = Form(""), day: str = Form(""), csrf: str = Form("")) -> Response:
        user = current_user(request, state)
        check_csrf(request, csrf)
        record_milestone(user, case_id, milestone, day, "admit serve")
        _flash(request, f"已登记 {milestone}日期 {day}")
        return RedirectResponse(f"/projects/{case_id}", status_code=303)

    @app.post("/projects/{case_id}/results", include_in_schema=False)
    def results_form(
        request: Request, case_id: str, year: int = Form(...), tax: str = Form(""), output: str = Form(""), fixed_assets: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:  # fmt: skip
        user = current_user(request, state)
        check_csrf(request, csrf)
        detail = visible(user, case_id)
        if not user.may_record_progress(detail["district"]):
            raise HTTPProblem(403, f"{user.role_label}无权修改该项目")
        from ..ledger.book import amount_text, set_year

        figures: dict[str, str] = {}
        problems = []
        typed = (("tax", "实际税收（万元）", tax), ("output", "实际产值（万元）", output),
                 ("fixed_assets", "累计固定资产投资（万元）", fixed_assets))  # fmt: skip
        for key, label, text in typed:
            if text.strip():
                try:
                    figures[key] = amount_text(text)
                except ValueError as error:
                    problems.append({"path": label, "message": str(error)})
        if problems:
            raise HTTPProblem(422, "履约数据不能登记", problems)
        try:
            set_year(state.ledger, case_id, year, figures, user.name, today(), "admit serve")
        except RowError as error:
            raise HTTPProblem(422, "履约数据不能登记", [{"path": h, "message": m} for h, m in error.problems]) from None
        _flash(request, f"已登记 {year} 年履约数据")
        return RedirectResponse(f"/projects/{case_id}", status_code=303)

    # --- meetings -----------------------------------------------------------------------------

    @app.get("/meetings", response_class=HTMLResponse, include_in_schema=False)
    def meetings_page(request: Request) -> HTMLResponse:
        user = current_user(request, state)
        import sqlalchemy as sa

        from ..ledger.records import RESULTS
        from ..ledger.schema import meetings

        with state.ledger.reading() as connection:
            held = connection.execute(sa.select(meetings).order_by(meetings.c.held_on.desc()).limit(30)).all()
        return render(request, user, "meetings.html.j2", meetings=held, results=RESULTS)

    @app.post("/meetings/agenda", include_in_schema=False)
    def agenda_form(
        request: Request, number: int = Form(...), held_on: str = Form(...), ids: str = Form(""), csrf: str = Form("")
    ) -> Response:
        user = current_user(request, state)
        check_csrf(request, csrf)
        require_reviewer(user)
        from ..ledger.chain import EventLog
        from ..ledger.records import set_agenda

        day = _day(held_on)
        with state.ledger.writing() as connection:
            log = EventLog(connection, user.name)
            try:
                set_agenda(connection, log, number, day, [i.strip() for i in ids.replace("，", ",").split(",") if i.strip()], "admit serve")
            except RowError as error:
                raise HTTPProblem(422, "议程不能设定", [{"path": h, "message": m} for h, m in error.problems]) from None
            log.flush()
        _flash(request, f"已设定 {day.year} 年第 {number} 次会议议程")
        return RedirectResponse("/meetings", status_code=303)

    @app.post("/meetings/resolution", include_in_schema=False)
    def resolution_form(
        request: Request, number: int = Form(...), held_on: str = Form(...), case_id: str = Form(...), result: str = Form(...),
        conditions: str = Form(""), csrf: str = Form(""),
    ) -> Response:  # fmt: skip
        user = current_user(request, state)
        check_csrf(request, csrf)
        require_reviewer(user)
        from ..ledger.chain import EventLog
        from ..ledger.records import record_resolution

        day = _day(held_on)
        if day > today():
            raise HTTPProblem(422, "会议日期晚于今天，不能登记未来会议的审议结果")
        with state.ledger.writing() as connection:
            log = EventLog(connection, user.name)
            try:
                record_resolution(connection, log, number, day, case_id.strip(), result, conditions or None, "admit serve")
            except RowError as error:
                raise HTTPProblem(422, "审议结果不能登记", [{"path": h, "message": m} for h, m in error.problems]) from None
            log.flush()
        _flash(request, f"已登记 {case_id} 审议结果：{result}")
        return RedirectResponse("/meetings", status_code=303)

    # --- reports and the monitor --------------------------------------------------------------

    def annual_figures(user: User, year: int) -> dict[str, Any]:
        from ..reports.annual import annual

        with state.ledger.reading() as connection:
            return annual(connection, state.rulebook, year, date(year, 12, 31), user.district if user.role == "district" else None)

    def monitor_result(user: User, as_of: date) -> dict[str, Any]:
        from ..monitoring.ledger import monitor

        return monitor(state.ledger, state.rulebook, as_of, user.district if user.role == "district" else None)

    @app.get("/reports/annual", response_class=HTMLResponse, include_in_schema=False)
    def annual_page(request: Request, year: int | None = None) -> HTMLResponse:
        user = current_user(request, state)
        from ..reports.outputs import annual_charts, annual_paragraph

        year = year or today().year
        figures = annual_figures(user, year)
        charts = _charts(figures, annual_charts) if figures["passed"] else {}
        return render(request, user, "annual.html.j2", f=figures, paragraph=annual_paragraph(figures), charts=charts, year=year)

    @app.get("/reports/monthly", response_class=HTMLResponse, include_in_schema=False)
    def monthly_page(request: Request, month: str = "") -> HTMLResponse:
        user = current_user(request, state)
        from ..reports.monthly import monthly_report, parse_month
        from ..reports.outputs import monthly_lines

        chosen = month or f"{today().year:04d}-{today().month:02d}"
        parsed = parse_month(chosen)
        if parsed is None:
            raise HTTPProblem(400, f"月份应为 YYYY-MM（如 2026-11），实际为 {chosen!r}")
        figures = monthly_report(state.ledger, state.rulebook, parsed[0], parsed[1], user.district if user.role == "district" else None)
        return render(request, user, "monthly.html.j2", lines=monthly_lines(figures), month=chosen)

    @app.get("/monitor", response_class=HTMLResponse, include_in_schema=False)
    def monitor_page(request: Request, as_of: str = "") -> HTMLResponse:
        user = current_user(request, state)
        on = _day(as_of) if as_of else today()
        return render(request, user, "monitor.html.j2", result=monitor_result(user, on), as_of=on.isoformat())

    @app.post("/monitor/mark", include_in_schema=False)
    def monitor_mark(
        request: Request, project: str = Form(...), kind: str = Form(...), year: str = Form(""), status: str = Form(...),
        reason: str = Form(""), csrf: str = Form(""),
    ) -> Response:  # fmt: skip
        user = current_user(request, state)
        check_csrf(request, csrf)
        require_reviewer(user)
        from ..monitoring.ledger import mark

        try:
            finding_year = int(year) if year.strip() else None
            mark(state.ledger, state.rulebook, project, kind, finding_year, status, reason or None, user.name, today())
        except RowError as error:
            raise HTTPProblem(422, "处理情况不能登记", [{"path": h, "message": m} for h, m in error.problems]) from None
        _flash(request, "已登记处理情况")
        return RedirectResponse("/monitor", status_code=303)

    # --- the JSON API -------------------------------------------------------------------------

    @app.post("/api/check", summary="审查一份申请材料（admit check --json）")
    async def api_check(request: Request) -> JSONResponse:
        user = current_user(request, state)
        check_csrf(request, None)
        body = await request.body()
        from ..application import RawApplication, parse_json_text
        from ..review import decide, prepare

        data, problems = parse_json_text(body)  # InvalidInput for a bad body: 422, as the CLI's exit 2
        decision = decide(prepare(RawApplication("api", data, tuple(problems)), state.rulebook, today()))
        del user
        return JSONResponse({**decision.to_json(), "exit_code": decision.exit_code})

    @app.get("/api/projects/{case_id}", summary="一个项目（admit ledger show --json）")
    def api_project(request: Request, case_id: str) -> JSONResponse:
        return JSONResponse(visible(current_user(request, state), case_id))

    @app.post("/api/projects/{case_id}/milestones", summary="登记一个进度节点")
    async def api_milestone(request: Request, case_id: str) -> JSONResponse:
        user = current_user(request, state)
        check_csrf(request, None)
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HTTPProblem(422, "请求内容不是有效的 JSON", [{"path": "$", "message": "不是有效的 JSON"}]) from None
        if not isinstance(body, dict) or not isinstance(body.get("milestone"), str) or not isinstance(body.get("date"), str):
            raise HTTPProblem(422, "请求内容无效", [{"path": "$", "message": '应为 {"milestone": "开工", "date": "YYYY-MM-DD"}'}])
        return JSONResponse(record_milestone(user, case_id, body["milestone"], body["date"], "admit serve API"))

    @app.get("/api/reports/annual", summary="年度通报（admit report annual --json）")
    def api_annual(request: Request, year: int) -> JSONResponse:
        user = current_user(request, state)
        if not 1990 <= year <= 9999:
            raise HTTPProblem(422, "年度应在 1990 至 9999 之间")
        return JSONResponse(annual_figures(user, year))

    @app.get("/api/monitor", summary="履约核查（admit monitor --json）")
    def api_monitor(request: Request, as_of: str = "") -> JSONResponse:
        user = current_user(request, state)
        return JSONResponse(monitor_result(user, _day(as_of) if as_of else today()))


_chart_cache: OrderedDict[str, dict[str, str]] = OrderedDict()
_chart_lock = threading.Lock()


def _charts(figures: dict[str, Any], draw: Any) -> dict[str, str]:
    """Charts of the same figures are drawn once (matplotlib takes a tenth of a second a chart)."""
    key = json.dumps(figures, sort_keys=True, ensure_ascii=False)
    with _chart_lock:
        if key in _chart_cache:
            _chart_cache.move_to_end(key)
            return _chart_cache[key]
    charts: dict[str, str] = draw(figures)
    with _chart_lock:
        _chart_cache[key] = charts
        while len(_chart_cache) > 32:
            _chart_cache.popitem(last=False)
    return charts


def _day(text: str) -> date:
    day = parse_iso_date(text.strip())
    if day is None:
        raise HTTPProblem(422, f"日期应为 YYYY-MM-DD，实际为 {text!r}")
    return day


DOCUMENT_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _document_type(kind: str) -> str:
    """The media type of a document format the pages offer; anything else is not found."""
    if kind not in DOCUMENT_TYPES:
        raise HTTPProblem(404, f"没有 .{kind} 格式的文档（可选：{'、'.join(DOCUMENT_TYPES)}）")
    return DOCUMENT_TYPES[kind]


def _download(data: bytes, name: str, media_type: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media_type, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def _pop_flash(request: Request) -> str | None:
    value = request.session.pop("flash", None)
    return str(value) if value is not None else None
