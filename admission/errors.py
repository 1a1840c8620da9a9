"""One exception hierarchy; every class carries the exit code the CLI turns it into.

Exit codes follow the decision contract: 0/1/3 are verdicts and are never raised, 2 is
invalid input or usage, and anything else is a failure that made no verdict.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, at a path such as ``land.area_mu`` (``$`` for the whole file)."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class AdmitError(Exception):
    """Base of every error admit reports to its user; never shown as a traceback."""

    exit_code = 70
    kind = "internal_error"


class InvalidInput(AdmitError):
    """An application breaks the input contract; no verdict may be made from it."""

    exit_code = 2
    kind = "invalid_input"

    def __init__(self, problems: list[Problem], source: str = "", summary: dict[str, str] | None = None) -> None:
        self.problems = problems
        self.source = source
        self.summary = summary or {}  # 案件编号/项目名称/所在区域 as far as they could be read
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


class InvalidRulebook(AdmitError):
    """The rule book on disk is not valid; nothing may be evaluated with it."""

    exit_code = 2
    kind = "invalid_rulebook"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


class ChangeRefused(AdmitError):
    """A change the ledger refuses (a workbook row, a form, a command): what is wrong, by the
    column header or field a person typed it under, in Chinese. Nothing of it was recorded."""

    exit_code = 2
    kind = "refused"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("；".join(f"{header}：{message}" for header, message in problems))
        self.problems = problems


class UsageError(AdmitError):
    """A command was called with options that do not fit together."""

    exit_code = 2
    kind = "usage"


class EngineError(AdmitError):
    """The rule engine answered something it must never answer (a bug, not bad input)."""

    exit_code = 70
    kind = "engine_error"


class OutputError(AdmitError):
    """An output file could not be written."""

    exit_code = 73
    kind = "output_error"


class RenderError(AdmitError):
    """A document could not be rendered properly (for example, no Chinese font)."""

    exit_code = 74
    kind = "render_error"


_ERRNO_ZH = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EFBIG: "文件超出系统允许的大小",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "文件系统为只读",
    errno.ENOENT: "路径不存在",
    errno.EISDIR: "是目录",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EIO: "读写错误（设备故障）",
}


def os_error_zh(error: OSError) -> str:
    """An operating-system error in Chinese (the common ones), else its own words."""
    return _ERRNO_ZH.get(error.errno or 0, error.strerror or str(error))
