"""Where applications come from: JSON files, folders of them, and intake workbooks (one per row).

Every source becomes an :class:`Item`, in a stable order; a file reached twice is read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from admission.contract.application import RawApplication, parse_json_text, read_application_file
from admission.errors import InvalidInput, UsageError
from admission.intake.workbook import WORKBOOK_SUFFIXES, pick_row, read_workbook


@dataclass(frozen=True)
class Item:
    """One thing to evaluate: a JSON file to read, a parsed row, or an input already refused."""

    source: str
    path: Path | None = None
    raw: RawApplication | None = None
    refused: InvalidInput | None = None


def collect(paths: Iterable[Path], notices: list[str] | None = None) -> Iterator[Item]:
    """Files, folders (recursively, ``*.json``) and workbooks, in a stable order.

    A file reached twice (named twice, or named and inside a named folder) is read once, and
    ``notices`` says so; so do the workbook reader's remarks (a hidden sheet passed over).
    """
    notices = notices if notices is not None else []
    seen: dict[Path, str] = {}

    def first_time(path: Path) -> bool:
        key = path.resolve()
        if key in seen:
            notices.append(f"{path} 与 {seen[key]} 是同一个文件，只审查一次")
            return False
        seen[key] = str(path)
        return True

    for path in paths:
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*.json") if p.is_file()):
                if first_time(found):
                    yield Item(str(found), path=found)
        elif path.suffix.lower() in WORKBOOK_SUFFIXES and path.is_file():
            if not first_time(path):
                continue
            for row in read_workbook(path, notices):
                if isinstance(row, InvalidInput):
                    yield Item(row.source, refused=row)
                else:
                    yield Item(row.source, raw=row)
        elif not path.exists() or first_time(path):
            yield Item(str(path), path=path)  # missing or unreadable files are reported by the reader


def single_item(path: Path, row: int | None = None, case_id: str | None = None) -> Item:
    """The one application ``admit check`` reviews: a JSON file, or one row of a workbook (by
    ``row`` or ``case_id``; a workbook of one application needs neither)."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        picked = pick_row(path, row, case_id)
        return Item(picked.source, refused=picked) if isinstance(picked, InvalidInput) else Item(picked.source, raw=picked)
    if case_id is not None or row is not None:
        raise UsageError("--id 与 --row 只用于 Excel 汇总表（.xlsx）；JSON 申请材料一个文件就是一份申请")
    return Item(str(path), raw=read_application_file(path))


def revision_item(case_id: str, content: str, revision: int) -> Item:
    """A revision kept in the ledger, as an input (the packet of a meeting's agenda)."""
    source = f"台账 {case_id} 第 {revision} 版"
    data, problems = parse_json_text(content.encode("utf-8"))
    return Item(source, raw=RawApplication(source, data, tuple(problems)))
