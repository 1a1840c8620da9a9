"""Batch pre-screening (预审) of a whole intake: files, folders and Excel workbooks.

Every input becomes one result, in input order: a decision (exactly what ``admit check --json``
gives for it) or an error with its problems. One bad input never stops the batch.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from admission.contract.application import ROOT, read_application_file
from admission.errors import AdmitError, InvalidInput, Problem
from admission.intake.sources import Item
from admission.intake.workbook import column_of, row_summary, source_label, workbook_row
from admission.numbers import fixed, json_number, yi
from admission.review.decision import Decision, decide
from admission.review.validation import prepare
from admission.rules.rulebook import Rulebook, load_rulebook
from admission.text import safe
from admission.vocabulary import VERDICT_ORDER, VERDICTS, type_label

Result = dict[str, Any]  # {"source", "decision"} or {"source", "error"}
CHUNK = 64  # applications per task: big enough to amortise pickling, small for a smooth progress bar


def error_result(
    source: str, kind: str, problems: list[Problem], about: dict[str, str] | None = None, columns: dict[str, str] | None = None
) -> Result:
    """An input refused. ``about`` names the project as far as it could be read (a person looks
    for it by 案件编号 and 项目名称, and the district it goes back to); for a workbook row each
    problem also names its column header."""
    result: Result = {"source": source}
    if about:
        result["application"] = about
    listed = [p.to_json() if columns is None else {**p.to_json(), "column": column_of(p.path, columns)} for p in problems]
    result["error"] = {"kind": kind, "problems": listed}
    return result


def try_decide(item: Item, rulebook: Rulebook, as_of: date) -> Decision | Result:
    """The decision, or the error result for this input: a bug costs one result, never the batch."""
    raw = item.raw
    try:
        if item.refused is not None:
            raise item.refused
        if raw is None:
            raw = read_application_file(item.path or Path(item.source))
        return decide(prepare(raw, rulebook, as_of))
    except InvalidInput as error:
        about = dict(error.summary or (row_summary(raw.data) if raw is not None else {}))
        # The district names whom the material goes back to: only one the rule book knows.
        district = rulebook.district_aliases.get(about.get("district", ""), about.get("district", ""))
        about.pop("district", None)
        if district in rulebook.districts:
            about["district"] = district
        columns = raw.columns if raw is not None else _row_columns(item.source)
        return error_result(item.source, error.kind, error.problems, about, columns)
    except AdmitError as error:
        return error_result(item.source, error.kind, [Problem(ROOT, str(error))])
    except Exception as error:
        return error_result(item.source, "internal_error", [Problem(ROOT, f"{type(error).__name__}: {error}")])


def evaluate_item(item: Item, rulebook: Rulebook, as_of: date) -> Result:
    outcome = try_decide(item, rulebook, as_of)
    if not isinstance(outcome, Decision):
        return outcome
    return {"source": item.source, "decision": outcome.to_json(), "figures": figures(outcome)}


def figures(decision: Decision) -> dict[str, Any]:
    """The inputs a screening table shows beside each result (the decision holds the indicators)."""
    app = decision.application
    return {
        "applicant": app.applicant.name,
        "fixed_assets_wan": json_number(app.investment.fixed_assets_wan),
        "floor_area_m2": json_number(app.floor_area_m2),
        "annual_tax_wan": json_number(app.commitments.annual_tax_wan),
    }


_worker: tuple[Rulebook, date] | None = None


def _start_worker(rules_dir: Path, as_of: date) -> None:
    # The parent handles Ctrl-C and SIGTERM and ends the pool; a worker just stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    global _worker
    _worker = (load_rulebook(rules_dir), as_of)


def _evaluate_chunk(items: list[Item]) -> list[Result]:
    assert _worker is not None
    rulebook, as_of = _worker
    return [evaluate_item(item, rulebook, as_of) for item in items]


def worker_count(jobs: int, items: int) -> int:
    """Never more workers than chunks of work (``--jobs 999999`` once spawned every one)."""
    return max(1, min(jobs, -(-items // CHUNK)))


def _chunks(items: list[Item]) -> list[list[Item]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def evaluate_all(
    items: list[Item],
    rulebook: Rulebook,
    as_of: date,
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """Results in input order; ``jobs`` processes (durable_rules never releases the GIL)."""
    results: list[Result] = []
    progress = progress or (lambda done: None)
    jobs = worker_count(jobs, len(items))
    if jobs <= 1:
        for chunk in _chunks(items):
            results.extend(evaluate_item(item, rulebook, as_of) for item in chunk)
            progress(len(chunk))
    else:
        # fork: workers inherit the imported modules, so they start in milliseconds.
        import multiprocessing  # here: 4 ms of every `check` that screens one file

        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_start_worker, initargs=(rulebook.directory, as_of)) as pool:
            for chunk_results in pool.imap(_evaluate_chunk, _chunks(items)):
                results.extend(chunk_results)
                progress(len(chunk_results))
    return mark_duplicate_ids(results)


def duplicate_id_problems(ids_by_source: list[tuple[str, str]]) -> dict[str, Problem]:
    """Inputs sharing a case number, all refused: which one is right is for a person to say."""
    sources_by_id: dict[str, list[str]] = {}
    for source, case_id in ids_by_source:
        sources_by_id.setdefault(case_id, []).append(source)
    problems = {}
    for source, case_id in ids_by_source:
        others = [s for s in sources_by_id[case_id] if s != source]
        if others:
            problems[source] = Problem("id", f"案件编号 {case_id} 重复，另见：{'、'.join(others)}")
    return problems


def set_aside_duplicates(decided: list[tuple[str, Decision]]) -> tuple[list[tuple[str, Decision]], list[Result]]:
    """Decisions whose case number another input also has, refused by 案件编号 and 项目名称 as every
    invalid input is; the rest kept, in order."""
    refusals = duplicate_refusals([(source, about_decision(d)) for source, d in decided])
    return [(source, d) for source, d in decided if source not in refusals], list(refusals.values())


def duplicate_refusals(inputs: list[tuple[str, dict[str, str]]]) -> dict[str, Result]:
    """For each decided input (its source, and its 案件编号, 项目名称 and 区域) whose case number
    another input also has, its refusal, in input order."""
    duplicates = duplicate_id_problems([(source, about["id"]) for source, about in inputs])
    return {
        source: error_result(source, "invalid_input", [duplicates[source]], about, _row_columns(source))
        for source, about in inputs
        if source in duplicates
    }


def mark_duplicate_ids(results: list[Result]) -> list[Result]:
    duplicates = duplicate_id_problems([(r["source"], r["decision"]["application"]["id"]) for r in results if "decision" in r])

    def refused(result: Result) -> Result:
        app = result["decision"]["application"]
        about = {key: app[key] for key in ("id", "name", "district")}
        return error_result(result["source"], "invalid_input", [duplicates[result["source"]]], about, _row_columns(result["source"]))

    return [refused(r) if r["source"] in duplicates else r for r in results]


def _row_columns(source: str) -> dict[str, str] | None:
    """A workbook row's problems are named by column (the template's headers, when the typed
    ones are no longer at hand)."""
    return {} if workbook_row(source) else None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def decisions_for_documents(items: Iterable[Item], rulebook: Rulebook, as_of: date) -> tuple[list[Decision], list[Result]]:
    """Decision objects for a packet, and the invalid inputs as error results.

    In-process: a packet is bounded by PDF layout (~90 ms a project), not by the engine.
    """
    decided: list[tuple[str, Decision]] = []
    invalid: list[Result] = []
    for item in items:
        outcome = try_decide(item, rulebook, as_of)
        if isinstance(outcome, Decision):
            decided.append((item.source, outcome))
        else:
            invalid.append(outcome)
    kept, duplicated = set_aside_duplicates(decided)
    return [d for _, d in kept], invalid + duplicated


def about_decision(decision: Decision) -> dict[str, str]:
    app = decision.application
    return {"id": app.id, "name": app.name, "district": app.district}


# --- summaries -----------------------------------------------------------------------------------


def summary(results: list[Result]) -> dict[str, int]:
    counts = Counter(r["decision"]["verdict"] if "decision" in r else "invalid" for r in results)
    return {"total": len(results), **{v: counts.get(v, 0) for v in VERDICT_ORDER}, "invalid": counts.get("invalid", 0)}


def exit_code(results: list[Result]) -> int:
    kinds = {r["error"]["kind"] for r in results if "error" in r}
    if "internal_error" in kinds:
        return 70
    return 2 if kinds else 0


def json_lines(results: list[Result], notices: Sequence[str] = ()) -> Iterator[str]:
    """The ``--json`` object, one result per line.

    Streaming keeps memory flat for a large intake, and without ``indent`` json uses its C
    encoder: on 10,000 results this is about ten times faster than ``indent=2``.
    """
    head = '{"summary": ' + json.dumps(summary(results), ensure_ascii=False)
    if notices:
        head += ', "notices": ' + json.dumps(list(notices), ensure_ascii=False)
    yield head + ', "results": ['
    for index, result in enumerate(results):
        yield json.dumps(result, ensure_ascii=False) + ("," if index < len(results) - 1 else "")
    yield "]}"


def failed_rules(decision: dict[str, Any], severity: str) -> list[str]:
    return [f["label"] for f in decision["findings"] if f["outcome"] == "fail" and f["severity"] == severity]


def problem_place(problem: dict[str, str]) -> str:
    """Where a problem is, as its reader looks for it: the column header for a workbook row,
    the JSON path for a file."""
    return problem.get("column") or problem["path"]


def problems_text(result: Result) -> str:
    return "；".join(f"{problem_place(p)}：{p['message']}" for p in result["error"]["problems"])


TABLE_HEADERS = (
    "来源", "案件编号", "项目名称", "投资主体", "项目类型", "所在区域", "区域分类", "结论", "规则版本", "重大项目",
    "计划总投资（万元）", "固定资产投资（万元）", "用地面积（亩）", "计容建筑面积（平方米）", "达产年税收（万元）",
    "容积率", "容积率要求", "投资强度（万元/亩）", "投资强度要求", "亩均税收（万元/亩·年）", "亩均税收要求",
    "未达标必备指标", "关注事项", "问题",
)  # fmt: skip
# Each shown indicator, and the column of its requirement next to it.
_SHOWN = (("plot_ratio", "容积率"), ("investment_intensity", "投资强度（万元/亩）"), ("tax_per_mu", "亩均税收（万元/亩·年）"))
NUMBER_FORMATS = {
    TABLE_HEADERS.index("计划总投资（万元）"): "#,##0.00##",
    TABLE_HEADERS.index("固定资产投资（万元）"): "#,##0.00##",
    TABLE_HEADERS.index("用地面积（亩）"): "#,##0.00",
    TABLE_HEADERS.index("计容建筑面积（平方米）"): "#,##0.00##",
    TABLE_HEADERS.index("达产年税收（万元）"): "#,##0.00##",
    TABLE_HEADERS.index("容积率"): "0.00",
    TABLE_HEADERS.index("投资强度（万元/亩）"): "#,##0.00",
    TABLE_HEADERS.index("亩均税收（万元/亩·年）"): "#,##0.00",
}


def _requirement(decision: dict[str, Any], indicator: str) -> str:
    """A rule's requirement from the decision, in the symbols ``rules list`` uses (≥ 1.5)."""
    finding = next((f for f in decision["findings"] if f["rule"] == indicator), None)
    if finding is None:
        return ""
    return ("≥ " if finding["operator"] == ">=" else "≤ ") + str(finding["threshold"])


def table_rows(results: list[Result], rulebook: Rulebook) -> list[list[Any]]:
    """The results as table rows (CSV and XLSX), in input order: each result beside the figures
    it was drawn from and the thresholds it was held to."""
    rows: list[list[Any]] = []
    for result in results:
        if "error" in result:
            about = result.get("application", {})
            row: list[Any] = [source_label(result["source"]), about.get("id", ""), about.get("name", ""), "", "", about.get("district", "")]
            row += ["", "无效", *([""] * 2), *([None] * 5), *([None, ""] * 3), "", "", problems_text(result)]
            rows.append(row)
            continue
        d = result["decision"]
        app, ind = d["application"], d["indicators"]
        version = rulebook.version(d["rulebook"]["version"])
        tier = next((t.label for t in version.tiers if t.level == d["tier"]), str(d["tier"])) if version else str(d["tier"])
        shown = result.get("figures", {})
        row = [
            source_label(result["source"]), app["id"], app["name"], shown.get("applicant", ""), type_label(app["type"]),
            app["district"], tier, VERDICTS[d["verdict"]], d["rulebook"]["version"], "是" if d["major_project"] else "否",
            ind.get("total_investment"), shown.get("fixed_assets_wan"), ind.get("land_mu"), shown.get("floor_area_m2"),
            shown.get("annual_tax_wan"),
        ]  # fmt: skip
        for indicator, _ in _SHOWN:
            row += [ind.get(indicator), _requirement(d, indicator)]
        row += ["、".join(failed_rules(d, "mandatory")), "、".join(failed_rules(d, "advisory")), ""]
        rows.append(row)
    return rows


# The sheet writers are imported where a table is written: a single check writes none, and they
# were 3 ms of its start (csv and the spreadsheet helpers).


def results_csv(results: list[Result], rulebook: Rulebook) -> bytes:
    from admission.documents.sheets import csv_bytes

    return csv_bytes(TABLE_HEADERS, table_rows(results, rulebook))


VERDICT_FILLS = {"建议准入": "C6EFCE", "提请联席会议一事一议": "FFEB9C", "不予准入": "FFC7CE", "无效": "D9D9D9"}
_VERDICT_COLUMN = TABLE_HEADERS.index("结论")


def _verdict_fill(row: Sequence[Any]) -> tuple[int, str] | None:
    colour = VERDICT_FILLS.get(str(row[_VERDICT_COLUMN]))
    return (_VERDICT_COLUMN, colour) if colour else None


def results_xlsx(results: list[Result], rulebook: Rulebook, notices: Sequence[str] = ()) -> bytes:
    """The screening workbook: 预审结果 (one row each, the sheet it opens on) and 汇总 (the
    counts the terminal shows, and the notices)."""
    from admission.documents.sheets import Sheet, xlsx_bytes

    overview = [[label, value] for label, value in summary_lines(results)]
    overview += [["注意", notice] for notice in notices]
    return xlsx_bytes([
        Sheet("预审结果", TABLE_HEADERS, table_rows(results, rulebook), number_formats=NUMBER_FORMATS, fill=_verdict_fill),
        Sheet("汇总", ("项目", "内容"), overview, landscape=False),
    ])  # fmt: skip


def summary_lines(results: list[Result]) -> list[tuple[str, str]]:
    """The counts of a screening, as the terminal and the workbook's 汇总 sheet both show them."""
    counts = summary(results)
    decisions = [r["decision"] for r in results if "decision" in r]
    by_type = Counter(type_label(d["application"]["type"]) for d in decisions)
    by_district = Counter(d["application"]["district"] for d in decisions)
    total = sum((Decimal(str(d["indicators"]["total_investment"])) for d in decisions), Decimal(0))
    land = sum((Decimal(str(d["indicators"]["land_mu"])) for d in decisions), Decimal(0))
    return [
        ("申请总数", f"{counts['total']} 份"),
        ("结论", "，".join(f"{VERDICTS[v]} {counts[v]}" for v in VERDICT_ORDER) + f"，无效 {counts['invalid']}"),
        ("按类型", "，".join(f"{k} {v}" for k, v in by_type.most_common()) or "无"),
        ("按区域", "，".join(f"{k} {v}" for k, v in by_district.most_common()) or "无"),
        ("计划总投资合计（有效申请）", f"{yi(total)} 亿元"),
        ("用地合计（有效申请）", f"{fixed(land, 2)} 亩"),
    ]


def render_summary(results: list[Result], style: Callable[[str, str], str]) -> str:
    counts = summary(results)
    lines = [style(f"预审结果：共 {counts['total']} 份申请", "title")]
    lines += [f"  {label}：{value}" for label, value in summary_lines(results)[1:]]
    lines.append("")
    roles = {"approve": "pass", "conditional": "warn", "reject": "fail"}
    for verdict in VERDICT_ORDER:
        for result in results:
            d = result.get("decision")
            if d is None or d["verdict"] != verdict:
                continue
            app = d["application"]
            kind = type_label(app["type"])
            line = f"[{VERDICTS[verdict]}] {safe(app['id'])}  {safe(app['name'])}（{kind}，{app['district']}）"
            failed = failed_rules(d, "mandatory")
            if failed:
                line += f"  未达标：{'、'.join(failed)}"
            lines.append(style(line, roles[verdict]))
    for result in results:
        if "error" in result:
            heading, *problems = invalid_lines(result)
            lines += [style(f"[无效] {heading}", "fail"), *(f"  {line}" for line in problems)]
    return "\n".join(lines)


def invalid_lines(result: Result) -> list[str]:
    """An invalid input for a terminal: its heading, then one indented line per problem (by
    column for a workbook row), printable whatever the input held."""
    return [safe(invalid_heading(result)), *(f"  {safe(problem_place(p))}：{safe(p['message'])}" for p in result["error"]["problems"])]


def invalid_heading(result: Result) -> str:
    """An invalid input named as a person finds it: 案件编号 项目名称（所在区域），where it is."""
    about = result.get("application", {})
    name = " ".join(filter(None, (about.get("id"), about.get("name"))))
    district = f"（{about['district']}）" if about.get("district") else ""
    where = source_label(result["source"])
    return f"{name}{district}  {where}" if name else where
