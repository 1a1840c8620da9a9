"""Writing output files: checked before any work, written atomically, together.

- ``check_outputs`` refuses, before a command does any work, an output path that is a device,
  a directory, a symbolic link, in a missing folder, one of the command's own inputs, or the
  same as another output of the same run. (As root, renaming a temporary file over ``/dev/null``
  replaces the device node with a regular file; writing results over the intake workbook loses
  the intake.)
- ``write_files`` writes every output of a command to temporary files beside their targets and
  only then renames them into place, one after another with SIGINT and SIGTERM held back: an
  interrupted run leaves all the old files or all the new ones, and no ``.tmp`` debris.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from admission.errors import OutputError, UsageError, os_error_zh
from admission.interrupts import held_signals


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output(target: Path) -> None:
    """Refuse a target that is not (or would not be) a plain file in an existing folder."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputError(f"无法写入 {target}：{os_error_zh(error)}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputError(f"拒绝写入 {target}：它是符号链接（请指定一个普通文件路径）")
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(f"拒绝写入 {target}：它是目录（请指定文件名）")
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"拒绝写入 {target}：它是设备或特殊文件，不是普通文件")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"输出目录不存在：{directory}")


def check_outputs(outputs: Iterable[Path | None], inputs: Iterable[Path] = ()) -> None:
    """Every output of one command checked before it does any work (see the module docstring)."""
    targets = [o for o in outputs if o is not None]
    sources = list(inputs)
    for index, target in enumerate(targets):
        check_output(target)
        for source in sources:
            if _same_file(target, source):
                raise UsageError(f"输出文件 {target} 就是输入 {source}：输出不能覆盖输入，请换一个文件名")
        for other in targets[:index]:
            if _same_file(target, other):
                raise UsageError(f"两个输出指向同一个文件：{target}")


def _temporary_beside(target: Path) -> Path:
    directory = target.parent if str(target.parent) else Path(".")
    import tempfile  # here: with shutil, random and bz2, 4 ms of commands that write nothing

    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise OutputError(f"无法写入 {target}：{os_error_zh(error)}") from None
    os.close(handle)
    # mkstemp creates 0600; the finished file gets the mode any new file would get here.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write all ``files`` or none: temporaries first, then the renames with signals held."""
    temporaries: dict[Path, Path] = {}
    try:
        for target, data in files.items():
            check_output(target)
            temporary = temporaries[target] = _temporary_beside(target)
            try:
                with open(temporary, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as error:
                raise OutputError(f"无法写入 {target}：{os_error_zh(error)}") from None
        with held_signals():
            for target, temporary in temporaries.items():
                try:
                    os.replace(temporary, target)
                except OSError as error:
                    raise OutputError(f"无法写入 {target}：{os_error_zh(error)}") from None
    finally:
        for temporary in temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
