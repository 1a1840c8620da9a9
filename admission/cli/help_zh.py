"""click in Chinese: its own words (Usage, Options, "Show this message and exit.", its error
messages) through a gettext catalogue, and help text wrapped by display width.

click marks every message it prints with gettext, so a catalogue translates all of them in one
place instead of pattern-matching its English after the fact. The catalogue is the dictionary
below; ``python -m admission.cli.help_zh`` compiles it into the ``.mo`` file gettext reads, and a
test keeps the two in step.

Wrapping: click's wrapper counts characters and breaks any "word" longer than a line, so a
Chinese sentence (one long word to it, two columns a character on screen) ran past the edge and
``packet.html.j2`` broke as ``packet.html.j`` / ``2``. Here a line breaks between Chinese
characters or at spaces, never inside a run of Latin letters, digits and punctuation.
"""

from __future__ import annotations

import gettext
import os
import re
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from admission.text import display_width

DOMAIN = "click-admit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
MO_FILE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _plural(singular: str, plural: str) -> str:
    """gettext's key for a message with plural forms."""
    return f"{singular}\0{plural}"


# msgid -> msgstr; Chinese has one plural form, given twice for gettext's two English ones.
CATALOG: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Aborted!": "已中断。",
    "deprecated": "已弃用",
    "Missing command.": "缺少命令。",
    "env var: {var}": "环境变量：{var}",
    "default: {default}": "默认：{default}",
    "(dynamic)": "（动态）",
    "required": "必填",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 {command} {option} 查看帮助。",
    "Invalid value: {message}": "参数值无效：{message}",
    "Invalid value for {param_hint}: {message}": "参数 {param_hint} 的值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有选项 {name}",
    "No such command {name!r}.": "没有命令 {name}",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename}：{message}",
    _plural(
        "Did you mean {possibility}?",
        "(Did you mean one of: {possibilities}?)",
    ): _plural("是否应为 {possibility}？", "（是否应为以下之一：{possibilities}？）"),
    _plural(
        "Got unexpected extra argument ({args})",
        "Got unexpected extra arguments ({args})",
    ): _plural("多余的参数（{args}）", "多余的参数（{args}）"),
    _plural(
        "Takes {nargs} values but 1 was given.",
        "Takes {nargs} values but {len} were given.",
    ): _plural("需要 {nargs} 个值，实际给了 1 个。", "需要 {nargs} 个值，实际给了 {len} 个。"),
    "Option {name!r} does not take a value.": "选项 {name} 不带值。",
    _plural(
        "Option {name!r} requires an argument.",
        "Option {name!r} requires {nargs} arguments.",
    ): _plural("选项 {name} 需要一个值。", "选项 {name} 需要 {nargs} 个值。"),
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在允许范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value} 不是有效的是/否值，可用：{states}",
    _plural(
        "{value!r} is not {choice}.",
        "{value!r} is not one of {choices}.",
    ): _plural("{value} 不是 {choice}。", "{value} 不是以下之一：{choices}。"),
    _plural(
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): _plural("{value} 不符合格式 {format}。", "{value} 不符合以下任一格式：{formats}。"),
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename} 不存在",
    "{name} {filename!r} is a file.": "{name} {filename} 是文件，此处需要目录",
    "{name} {filename!r} is a directory.": "{name} {filename} 是目录，此处需要文件",
    "{name} {filename!r} is not readable.": "{name} {filename} 没有读取权限",
    "{name} {filename!r} is not writable.": "{name} {filename} 没有写入权限",
    "{name} {filename!r} is not executable.": "{name} {filename} 没有执行权限",
    "Do you want to continue?": "是否继续？",
    "Repeat for confirmation": "请再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Press any key to continue...": "按任意键继续……",
}  # fmt: skip


def mo_bytes(catalog: dict[str, str]) -> bytes:
    """The catalogue as a GNU ``.mo`` file (the format gettext reads), entries sorted by msgid."""
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"
    entries = sorted({"": header, **catalog}.items())
    ids = [key.encode("utf-8") for key, _ in entries]
    strs = [value.encode("utf-8") for _, value in entries]
    count = len(entries)
    ids_start = 7 * 4 + count * 16
    offsets: list[int] = []
    data = b""
    for text in ids + strs:
        offsets += [len(text), ids_start + len(data)]
        data += text + b"\0"
    magic, revision = 0x950412DE, 0
    head = struct.pack("<7I", magic, revision, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    return head + struct.pack(f"<{4 * count}I", *offsets) + data


def install() -> None:
    """Make click speak Chinese in this process, whatever the locale.

    The catalogue is Chinese only and admit's interface is Chinese, so the language is set for
    message catalogues (LANGUAGE) and nothing else: number and date formats stay as they are.
    """
    os.environ["LANGUAGE"] = "zh_CN"
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)


# --- wrapping by display width -----------------------------------------------------------------


def _width(text: str) -> int:
    return display_width(text)


def _tokens(text: str) -> Iterator[str]:
    """Units a line may break between: a run of Latin letters/digits/punctuation, one wide
    character, or a run of spaces."""
    run = ""
    for char in text:
        if char == " ":
            if run and run[-1] != " ":
                yield run
                run = ""
            run += char
        elif _width(char) > 1:
            if run:
                yield run
                run = ""
            yield char
        else:
            if run and run[-1] == " ":
                yield run
                run = ""
            run += char
    if run:
        yield run


_NO_LINE_START = set("，。、；：？！）》」』”’%")
_NO_LINE_END = set("（《「『“‘")


def wrap(text: str, width: int, indent: str = "", subsequent: str = "") -> list[str]:
    """Greedy fill by display width. Closing punctuation never starts a line (the token before
    it moves down with it) and an opening bracket never ends one."""
    lines: list[list[str]] = [[indent]]
    for token in _tokens(" ".join(text.split())):
        line = lines[-1]
        if token.isspace():
            if "".join(line).strip():
                line.append(" ")
            continue
        current = "".join(line).rstrip()
        if not current.strip() or _width(current + token) <= width:
            line.append(token)
            continue
        carried: list[str] = []
        while line and line[-1].isspace():
            line.pop()
        if token in _NO_LINE_START and len(line) > 2:
            carried.insert(0, line.pop())
        while len(line) > 2 and line[-1] in _NO_LINE_END:
            carried.insert(0, line.pop())
        lines.append([subsequent, *carried, token])
    return [text for text in ("".join(line).rstrip() for line in lines) if text.strip()]


# Metavars click makes from parameter and type names, as a reader of the help sees them.
METAVARS = {
    "OPTIONS": "选项", "COMMAND": "命令", "ARGS": "参数", "PATHS": "路径", "APPLICATION": "申请材料",
    "DIRECTORY": "目录", "TARGET": "数据库", "TEXT": "文字", "INTEGER RANGE": "整数", "INTEGER": "整数",
    "NAME": "名称", "BOOK": "台账文件", "RULE_ID": "规则", "OLD": "原版本", "NEW": "新版本", "NEW_DIR": "拟议规则目录",
    "CASE_ID": "案件编号", "CASE_IDS": "案件编号", "RESULT": "审议结果", "PROJECT": "案件编号", "KIND": "事项",
    "PASSWORD": "密码", "FLOAT": "数字", "FILENAME": "文件", "PATH": "路径", "FILE": "文件",
}  # fmt: skip
_METAVAR = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in METAVARS), key=len, reverse=True)) + r")\b")


def chinese_metavars(text: str) -> str:
    return _METAVAR.sub(lambda m: METAVARS[m.group(1)], text)


class ChineseHelpFormatter(click.HelpFormatter):
    """click's formatter with line breaks by display width, never inside a Latin word, and
    Chinese headings and metavars."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        usage = prefix if prefix is not None else gettext.gettext("Usage:")
        self.write(f"{usage}{prog} {chinese_metavars(args)}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for number, paragraph in enumerate(_paragraphs(text)):
            if number:
                self.write("\n")
            if paragraph.startswith("\b"):
                self.write("\n".join(indent + line for line in paragraph[1:].strip("\n").splitlines()) + "\n")
                continue
            self.write("\n".join(wrap(paragraph, self.width, indent, indent)) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(chinese_metavars(term), chinese_extras(definition)) for term, definition in rows]
        first = min(max((_width(term) for term, _ in rows), default=0), col_max)
        for term, definition in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not definition:
                self.write("\n")
                continue
            term_width = _width(term) + self.current_indent
            start = self.current_indent + first + col_spacing
            if _width(term) <= first:
                self.write(" " * (start - term_width))
            else:
                self.write("\n" + " " * start)
            lines = wrap(definition, max(self.width - start, 20))
            self.write(lines[0] + "\n" if lines else "\n")
            for line in lines[1:]:
                self.write(" " * start + line + "\n")


_EXTRAS = re.compile(r"\s*\[([^\[\]]*)\]$")
_RANGES = (
    (re.compile(r"^(-?[\d.]+)<=x<=(-?[\d.]+)$"), "{0} 至 {1}"),
    (re.compile(r"^x>=(-?[\d.]+)$"), "不小于 {0}"),
    (re.compile(r"^x<=(-?[\d.]+)$"), "不大于 {0}"),
    (re.compile(r"^x>(-?[\d.]+)$"), "大于 {0}"),
    (re.compile(r"^x<(-?[\d.]+)$"), "小于 {0}"),
)


def chinese_extras(help_text: str) -> str:
    """click's ``[1990<=x<=9999; required]`` after an option's help, said in Chinese:
    ``（1990 至 9999；必填）`` (its own words come through the catalogue; ranges are mathematics)."""
    found = _EXTRAS.search(help_text)
    if found is None:
        return help_text
    items = []
    for item in (part.strip() for part in found.group(1).split(";")):
        for pattern, words in _RANGES:
            matched = pattern.match(item)
            if matched:
                item = words.format(*matched.groups())
                break
        items.append(item)
    return f"{help_text[: found.start()]}（{'；'.join(items)}）"


def _paragraphs(text: str) -> Iterable[str]:
    """Blank-line separated paragraphs; one starting with ``\\b`` keeps its lines (click's rule)."""
    for block in text.split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        yield block if block.startswith("\b") else _joined(block.splitlines())


def _joined(lines: list[str]) -> str:
    """A paragraph's source lines as one line: Chinese runs on without a space, Latin words get one."""
    text = ""
    for line in (line.strip() for line in lines):
        if text and line and _width(text[-1]) == 1 and _width(line[0]) == 1:
            text += " "
        text += line
    return text


class ChineseContext(click.Context):
    formatter_class = ChineseHelpFormatter


if __name__ == "__main__":
    MO_FILE.parent.mkdir(parents=True, exist_ok=True)
    MO_FILE.write_bytes(mo_bytes(CATALOG))
    print(f"wrote {MO_FILE}")
