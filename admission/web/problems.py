"""An HTTP answer with a status and a Chinese message, raised anywhere in the web package."""

from __future__ import annotations


class HTTPProblem(Exception):
    """An answer with a status and a Chinese message (never a traceback)."""

    def __init__(self, status: int, message: str, problems: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems
