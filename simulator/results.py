"""Results folders: atomic writes, the manifest, and the files of MODEL.md section 5."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .errors import ScenarioError

LIBRARIES = ("numpy", "pandas", "scipy", "networkx", "mesa", "pydantic", "matplotlib", "pyarrow", "PyYAML", "dask", "solara")


# --------------------------------------------------------------------------- atomic writes


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through ``write(temp_path)`` into a temporary file beside ``path``, then rename:
    readers see the old file or the whole new one, never a half-written one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(temp))
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def atomic_write_csv(path: Path, frame: pd.DataFrame) -> Path:
    return atomic_write(path, lambda temp: frame.to_csv(temp, index=False, float_format="%.10g", lineterminator="\n"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    return atomic_write(path, lambda temp: frame.to_parquet(temp, index=False))


def _json_default(value: Any):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# --------------------------------------------------------------------------- folders


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"


def new_results_dir(name: str, base: Path = Path("results")) -> Path:
    """A fresh timestamped folder under ``base`` that does not exist yet (never reused)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = Path(base) / f"{stamp}-{slug(name)}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = Path(base) / f"{stamp}-{slug(name)}-{suffix}"
    return candidate


def check_out_dir(out: Path) -> None:
    """Refuse to write into a folder that already holds files, or where none can be made."""
    from .outpath import check_out_path

    check_out_path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ScenarioError("already exists and is not empty; choose a new --out folder (results are never overwritten)",
                            file=str(out), key="--out")


class ResultsFolder:
    """Build a results folder in a hidden staging folder, then rename it into place,
    so that a failed or interrupted run leaves no partial results folder."""

    def __init__(self, out: Path):
        self.out = Path(out)
        check_out_dir(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".partial", dir=self.out.parent))

    def __enter__(self) -> "ResultsFolder":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            if self.out.exists():
                self.out.rmdir()  # empty, checked above
            os.chmod(self.path, 0o777 & ~_umask())
            os.replace(self.path, self.out)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


# --------------------------------------------------------------------------- manifest


def git_sha() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str | None]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def manifest(*, scenarios: list, seeds: dict[str, list[int]], started: dt.datetime, ended: dt.datetime,
             command: list[str] | None = None, extra: dict | None = None) -> dict:
    from . import __version__

    return {
        "refsim_version": __version__,
        "git_sha": git_sha(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": versions(),
        "command": command if command is not None else sys.argv,
        "started": started.isoformat(timespec="seconds"),
        "ended": ended.isoformat(timespec="seconds"),
        "scenarios": [s.model_dump(mode="json") for s in scenarios],
        "seeds": seeds,
        **(extra or {}),
    }
