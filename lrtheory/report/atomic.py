"""Replace a whole output directory atomically, so a crash never leaves half a report.

The new report is written into a temporary sibling directory. On Linux the two directories
are then swapped in one step with ``renameat2(RENAME_EXCHANGE)``; elsewhere (or on file
systems without it) the old directory is renamed aside and the new one moved in, a window of
two renames in which the previous report still exists under its aside name. Files the report
does not produce (``bench.json`` from another command, say) are carried over.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lrtheory.errors import ParameterError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2; False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


def _carry_over(old: Path, new: Path) -> None:
    """Copy into ``new`` every file of ``old`` that the new report did not write."""
    for path in old.rglob("*"):
        target = new / path.relative_to(old)
        if path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def check_replaceable(out: Path) -> None:
    """Only a new or empty directory, a previous report (``results.json``) or one holding
    nothing but JSON files (``bench.json`` …) may be replaced whole: never ``.``, a project
    or a home."""
    if out.exists() and not out.is_dir():
        raise ParameterError("out", str(out), "a directory (it is a file)")
    if out.is_dir() and not (out / "results.json").is_file():
        others = sorted(p.name for p in out.iterdir() if p.suffix != ".json")
        if others:
            listed = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
            raise ParameterError("out", str(out), "a new or empty directory, or one holding a "
                                 "previous report (results.json), since the report replaces "
                                 f"it whole; it holds {listed}")


@contextmanager
def replace_directory(out: Path) -> Iterator[Path]:
    """Yield a fresh directory to write into; on success it replaces ``out`` atomically.

    On an exception (or a kill) ``out`` is untouched and the temporary directory is left
    behind with a ``.tmp-`` prefix (removed by the next successful run).
    """
    out = out.resolve()
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.chmod(0o755)
    if out.exists():
        _carry_over(out, tmp)
        if _exchange(tmp, out):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old report
            return
        aside = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(aside)
        tmp.rename(out)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        tmp.rename(out)
