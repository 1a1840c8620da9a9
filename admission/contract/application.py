"""The application contract (申请材料): parsing, validation and the validated model.

Numbers are read from the JSON text as ``Decimal`` (never through ``float``), duplicated keys are
found, and every problem of a file is collected before anything is judged: a reviewer fixing a
file wants the whole list at once, not one problem per run.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from admission.contract.limits import text_problem
from admission.dates import parse_iso_date
from admission.errors import InvalidInput, Problem, os_error_zh
from admission.numbers import MAX_NUMBER, number_problem, plain
from admission.text import excerpt

# An application is a few hundred bytes; anything near this is not one (and a file of millions
# of keys took minutes and gigabytes to refuse).
MAX_FILE_BYTES = 1 << 20
# A person fixes a file from the first problems; past this many the rest are counted, not listed.
MAX_PROBLEMS = 50
ROOT = "$"


def _check_number(value: Decimal) -> Decimal:
    """The bounds every number has (exact.number_problem): tiny and over-long numbers refused."""
    problem = number_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# pydantic's range checks compare exactly and quickly even for 1e999999999; the bounds check
# after them refuses what the ranges let through (1e-1000000, 25 significant digits).
Positive = Annotated[Decimal, Field(gt=0, le=MAX_NUMBER, allow_inf_nan=False), AfterValidator(_check_number)]
NonNegative = Annotated[Decimal, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False), AfterValidator(_check_number)]
Ratio = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False), AfterValidator(_check_number)]


# Control characters (C0, DEL, C1), bidirectional overrides and isolates, and lone surrogates:
# invisible in a form, they reorder or hide what a reader of the opinion sees.
def _check_not_dots(text: str) -> str:
    if text in (".", ".."):
        raise ValueError(f"“{text}”不是有效的案件编号：不能是 . 或 ..")
    return text


def _check_plain_text(text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_digit(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015, modulus 31)."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _check_credit_code(code: str) -> str:
    if len(code) != 18:
        raise ValueError(f"统一社会信用代码应为 18 位，实际为 {len(code)} 位")
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValueError(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z 及小写字母）")
    if credit_code_check_digit(code[:17]) != code[17]:
        raise ValueError(f"统一社会信用代码校验位错误：应为 {credit_code_check_digit(code[:17])}")
    return code


def _check_not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("不能为空白")
    return text


def _check_date(text: str) -> str:
    if parse_iso_date(text) is None:
        raise ValueError("不是有效的日期")
    return text


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_check_plain_text), AfterValidator(_check_not_blank)]
Text = Annotated[str, AfterValidator(_check_plain_text)]
CreditCode = Annotated[str, AfterValidator(_check_credit_code)]
DateText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_check_date)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Applicant(_Strict):
    name: Name
    credit_code: CreditCode | None = None


class Industry(_Strict):
    # Section letter and division (C38), optionally with group and class as printed on a 备案证 (C3841).
    code: Annotated[str, Field(pattern=r"^[A-T][0-9]{2}([0-9]{1,2})?$")]
    chain: Text | None = None


class Land(_Strict):
    area_mu: Positive | None = None
    area_m2: Positive | None = None


class Investment(_Strict):
    total_wan: Positive
    fixed_assets_wan: Positive


class Commitments(_Strict):
    annual_tax_wan: NonNegative
    annual_output_wan: NonNegative | None = None
    rd_ratio: Ratio | None = None


class RealEstate(_Strict):
    self_held_ratio: Ratio
    supporting_floor_ratio: Ratio


class Application(_Strict):
    """One application as the contract defines it (``application.md``, version 1)."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$"), AfterValidator(_check_not_dots)]
    name: Name
    applicant: Applicant
    type: Text
    district: Text
    industry: Industry
    land: Land
    floor_area_m2: Positive
    footprint_m2: Positive | None = None
    investment: Investment
    commitments: Commitments
    real_estate: RealEstate | None = None
    submitted_on: DateText | None = None

    @property
    def submitted_date(self) -> date | None:
        return date.fromisoformat(self.submitted_on) if self.submitted_on else None


def canonical_json(application: Application) -> str:
    """The application as canonical JSON: sorted keys, no spaces, numbers as the exact decimals
    written (never through a float, never as strings). What the ledger stores and digests."""
    return _canonical(application.model_dump(exclude_none=True))


def _canonical(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)


# --- reading the JSON text ------------------------------------------------------------------


class _ObjectWithDuplicates(dict[str, Any]):
    """A JSON object that remembers which of its keys were written more than once."""

    duplicates: list[str]


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = _ObjectWithDuplicates()
    result.duplicates = []
    for key, value in pairs:
        if key in result:
            result.duplicates.append(key)
        result[key] = value
    return result


def _duplicate_key_problems(value: Any, path: str = "") -> Iterator[Problem]:
    if isinstance(value, dict):
        for key in getattr(value, "duplicates", ()):
            yield Problem(_join(path, key), "重复的键：同一对象中出现多次")
        for key, child in value.items():
            yield from _duplicate_key_problems(child, _join(path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _duplicate_key_problems(child, f"{path}[{index}]")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def parse_json_text(data: bytes) -> tuple[dict[str, Any], list[Problem]]:
    """Decode and parse one application file; raise InvalidInput if it is not a JSON object."""
    if not data.strip():
        raise InvalidInput([Problem(ROOT, "文件为空")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = "（可能是 GBK 编码，请另存为 UTF-8）" if _looks_like_gbk(data) else ""
        raise InvalidInput([Problem(ROOT, f"文件不是 UTF-8 编码：第 {error.start + 1} 字节无法解码{hint}")]) from None
    try:
        value = json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            # NaN and Infinity become Decimals that validation rejects at their own path.
            parse_constant=Decimal,
            object_pairs_hook=_object_pairs,
        )
    except json.JSONDecodeError as error:
        raise InvalidInput(
            [Problem(ROOT, f"不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列，{_json_error_zh(error.msg)}")]
        ) from None
    except RecursionError:
        raise InvalidInput([Problem(ROOT, "不是有效的申请材料：JSON 嵌套过深")]) from None
    if not isinstance(value, dict):
        raise InvalidInput([Problem(ROOT, f"申请材料应为 JSON 对象，实际为{_json_kind(value)}")])
    return value, list(_duplicate_key_problems(value))


def _looks_like_gbk(data: bytes) -> bool:
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


_JSON_MESSAGES = {
    "Expecting value": "此处应为一个值",
    "Expecting property name enclosed in double quotes": "键名应使用双引号",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Unterminated string starting at": "字符串未结束",
    "Extra data": "JSON 对象之后还有多余内容",
    "Invalid control character at": "字符串中含有控制字符",
    "Invalid \\escape": "无效的转义字符",
}


def _json_error_zh(message: str) -> str:
    return _JSON_MESSAGES.get(message, message)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "数组"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, Decimal):
        return "数字"
    if isinstance(value, bool):
        return "布尔值"
    return "null"


# --- turning pydantic's errors into the contract's problems --------------------------------


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class whose fields live at ``loc`` (for suggesting the nearest field name)."""
    model: type[BaseModel] = Application
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        candidates = [a for a in getattr(field.annotation, "__args__", (field.annotation,))]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return None
        model = nested[0]
    return model


def message_zh(error: ErrorDetails) -> str:
    """pydantic's error in Chinese (also for the rule book, whose keys are not the application's)."""
    return _problem_from_error(error).message


def _problem_from_error(error: ErrorDetails) -> Problem:
    loc = tuple(error["loc"])
    path = ".".join(str(part) for part in loc) or ROOT
    kind = error["type"]
    ctx = error.get("ctx", {})
    message: str
    if kind == "missing":
        message = "缺少必填字段"
    elif kind == "extra_forbidden":
        import difflib  # only an unknown field needs it, not every check's start

        parent = _model_at(loc[:-1])
        names = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        message = "未知字段" + (f"；是否应为 `{_join('.'.join(map(str, loc[:-1])), close[0])}`？" if close else "")
        if names and not close:
            message += f"（此处允许的字段：{'、'.join(names)}）"
    elif kind in ("decimal_type", "is_instance_of", "decimal_parsing"):
        message = f"应为数字，实际为{_describe(error['input'])}" + number_hint(path, error["input"])
    elif kind == "finite_number":
        message = "不能是 NaN 或无穷大"
    elif kind == "string_type" and path.endswith("_on"):  # a date field (受理日期) given a number
        message = f"应为日期（YYYY-MM-DD，如 2022-01-01），实际为{_describe(error['input'])}" + date_serial_hint(error["input"])
    elif kind == "string_type":
        message = f"应为文字，实际为{_describe(error['input'])}"
    elif kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        message = f"应为日期（YYYY-MM-DD，如 2022-01-01），实际为{_describe(error['input'])}" + date_serial_hint(error["input"])
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"应为整数，实际为{_describe(error['input'])}"
    elif kind == "bool_type":
        message = f"应为 true 或 false，实际为{_describe(error['input'])}"
    elif kind == "list_type":
        message = f"应为列表，实际为{_describe(error['input'])}"
    elif kind == "literal_error":
        message = f"应为以下之一：{ctx.get('expected', '')}；实际为{_describe(error['input'])}"
    elif kind == "too_short":
        message = f"至少需要 {ctx.get('min_length', 1)} 项"
    elif kind == "string_unicode":
        message = "含有无法识别的字符（不成对的代理字符）"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = f"应为 JSON 对象，实际为{_describe(error['input'])}"
    elif kind == "greater_than":
        message = f"必须大于 {ctx['gt']}，实际为 {_describe(error['input'])}"
    elif kind == "greater_than_equal":
        message = f"不能小于 {ctx['ge']}，实际为 {_describe(error['input'])}"
    elif kind == "less_than_equal":
        if ctx["le"] == MAX_NUMBER:
            message = f"数值过大：不能超过 1e12（一万亿），实际为 {_describe(error['input'])}"
        else:
            message = f"不能大于 {ctx['le']}，实际为 {_describe(error['input'])}"
    elif kind == "string_too_short":
        message = "不能为空"
    elif kind == "string_too_long":
        message = f"过长：最多 {ctx['max_length']} 个字符"
    elif kind == "string_pattern_mismatch":
        message = _pattern_message(path, error["input"])
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    else:  # a kind this table has not met yet: said generally, in Chinese, with the value
        message = f"值无效：{_describe(error.get('input'))}"
    return Problem(path, message)


# What clerks type into a number cell: a figure with its unit, or an approximate one.
_FIGURE_IN_WORDS = re.compile(r"^\s*(约|大约|近|超过|逾)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(亿元|亿|万元|万|元|亩|平方米|㎡|m2|%)?\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's date serials (its 1900 leap-year bug included)


def number_hint(path: str, value: Any) -> str:
    """What a clerk probably meant by text in a number field: ``11亿元`` under 万元 is 110000,
    ``1500亩`` is 1500 (the unit is the column's), ``约100`` needs the exact figure."""
    match = _FIGURE_IN_WORDS.match(value) if isinstance(value, str) else None
    if match is None:
        return ""
    approximate, figure, unit = match.group(1), match.group(2).replace(",", ""), match.group(3)
    if unit in ("亿元", "亿") and path.endswith("_wan"):
        hint = f"即 {plain(Decimal(figure) * 10000)} 万元？请只填数字"
    elif unit:
        hint = f"请只填数字 {figure}，不写单位“{unit}”"
    elif approximate:
        hint = f"请填确切的数字（如 {figure}），不写“{approximate}”"
    else:
        hint = f"请填数字 {figure}，不加引号"
    return "；" + hint


def date_serial_hint(value: Any) -> str:
    """A date typed as Excel's serial number (45717): the day it stands for."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and 10000 <= value <= 80000 and value == int(value):
        return f"；疑似 Excel 日期序号，即 {(_EXCEL_EPOCH + timedelta(days=int(value))).isoformat()}？"
    return ""


def _pattern_message(path: str, value: Any) -> str:
    shown = _quoted(value)
    if path == "id":
        return f"案件编号只能由 1–64 个 A-Z a-z 0-9 . _ - 字符组成，实际为 {shown}"
    if path == "industry.code":
        return f"行业代码应为国民经济行业分类门类字母加两位大类数字（如 C38），可带中类、小类（如 C3841），实际为 {shown}"
    if path == "submitted_on":
        return f"日期格式应为 YYYY-MM-DD，实际为 {shown}"
    return f"格式不正确：{shown}"


def _quoted(value: Any) -> str:
    return f"'{excerpt(value)}'" if isinstance(value, str) else excerpt(value)


def _describe(value: Any) -> str:
    """What a wrong value is, in a few words: its kind, and a short excerpt where that helps."""
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if value is None:
        return " null"
    if isinstance(value, str):
        return f"文字 {_quoted(value)}"
    if isinstance(value, Decimal):
        return excerpt(format(value, "f")) if value.is_finite() and number_problem(value) is None else excerpt(value)
    if isinstance(value, datetime):
        return f"日期时间 {value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, (int, float)):
        return excerpt(value)
    if isinstance(value, dict):
        return " JSON 对象"
    return _json_kind(value)


def validate_shape(raw: dict[str, Any]) -> tuple[Application | None, list[Problem]]:
    """Field-by-field validation against the model; cross-field checks come after (review.py).

    The problems listed stop at ``MAX_PROBLEMS``: a file of thousands of unknown keys gets the
    first ones and a count, not a message per key.
    """
    try:
        return Application.model_validate(raw), []
    except ValidationError as error:
        details = error.errors(include_url=False)
        problems = [_problem_from_error(e) for e in details[:MAX_PROBLEMS]]
        if len(details) > MAX_PROBLEMS:
            problems.append(Problem(ROOT, f"另有 {len(details) - MAX_PROBLEMS} 个问题未列出（只列出前 {MAX_PROBLEMS} 个）"))
        return None, problems


@dataclass(frozen=True)
class RawApplication:
    """A parsed JSON object and where it came from, before it has been validated."""

    source: str
    data: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    # A workbook row: field path -> its column header. Problems are then named by column, and
    # the rule book's district aliases (高新区) apply; a JSON file stays strict (None).
    columns: dict[str, str] | None = None


def read_application_file(path: Path) -> RawApplication:
    """Read one file; unreadable files and bad JSON become InvalidInput, never a traceback.

    Only a regular file of at most ``MAX_FILE_BYTES`` is read: ``/dev/zero`` or a FIFO would
    otherwise be read until memory runs out, or forever.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput([Problem(ROOT, f"{excerpt(str(path))} 不是普通文件（设备、管道等），不能作为申请材料")], str(path))
        if info.st_size > MAX_FILE_BYTES:
            size = f"{info.st_size / (1 << 20):.1f} MB"
            raise InvalidInput([Problem(ROOT, f"文件过大（{size}）：一份申请材料不应超过 1 MB，请确认是否选错了文件")], str(path))
        with path.open("rb") as handle:
            # Bounded by the size just seen (a file growing meanwhile is cut, and then invalid
            # JSON): reading MAX_FILE_BYTES would allocate a megabyte for every small file.
            data = handle.read(info.st_size + 1)
    except IsADirectoryError:
        raise InvalidInput([Problem(ROOT, f"{path} 是目录，不是申请材料文件")], str(path)) from None
    except FileNotFoundError:
        raise InvalidInput([Problem(ROOT, f"文件不存在：{path}")], str(path)) from None
    except PermissionError:
        raise InvalidInput([Problem(ROOT, f"没有读取权限：{path}")], str(path)) from None
    except OSError as error:
        raise InvalidInput([Problem(ROOT, f"无法读取 {path}：{os_error_zh(error)}")], str(path)) from None
    try:
        value, problems = parse_json_text(data)
    except InvalidInput as error:
        error.source = str(path)
        raise
    return RawApplication(str(path), value, tuple(problems))
