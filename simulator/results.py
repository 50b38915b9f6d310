"""Every results folder: atomic writes, the manifest, and the folders themselves.

Two kinds of folder, for every command:

- a **one-shot folder** (``refsim run``, ``refsim compare``): built in a hidden
  staging folder and renamed into place whole (:class:`ResultsFolder`), under a
  fresh timestamped name by default (:func:`new_results_dir`);
- a **study folder** (``refsim sweep`` and the commands that run many designs):
  a fixed folder per study file (:func:`study_folder`), held by a pid lock
  (:class:`StudyLock`), with a state file that fingerprints the study
  (:func:`open_study`) and a resumable store of finished runs (:class:`RunStore`),
  so that an interrupted study resumes where it stopped.

A new study command gets all three from :class:`Study`::

    with Study(folder, kind="optimize", fingerprint=..., seed=..., force=...) as study:
        done = study.store.done()
        ...  study.store.append(rows)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
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



# --------------------------------------------------------------------------- study folders


RUNS_DIR = "runs"


def study_folder(kind: str, study_file: str | Path, base: Path = Path("results")) -> Path:
    """results/<kind>-<file name>/: the same command always writes, and resumes, here."""
    return Path(base) / f"{kind}-{slug(Path(study_file).stem)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process that nobody has reaped yet is dead too
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class StudyLock:
    """``<kind>.lock`` holding the writer's pid and host: a second study into the same
    folder is refused; a lock left by a process that no longer exists is taken over."""

    def __init__(self, folder: Path, kind: str = "sweep"):
        self.folder = Path(folder)
        self.kind = kind
        self.path = self.folder / f"{kind}.lock"

    def holder(self) -> tuple[int | None, str | None]:
        """The pid and host name written in the lock (None where unreadable)."""
        try:
            fields = self.path.read_text().split()
            return int(fields[0]), (fields[1] if len(fields) > 1 else None)
        except (OSError, ValueError, IndexError):
            return None, None

    def _held(self) -> bool:
        pid, host = self.holder()
        if pid is None:
            return False
        if host is not None and host != socket.gethostname():
            return True  # a process on another computer cannot be checked from here
        return _pid_alive(pid)

    def __enter__(self) -> "StudyLock":
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._held():
                    pid, host = self.holder()
                    raise ScenarioError(f"another {self.kind} (pid {pid} on {host or 'this computer'}) is writing to this "
                                        f"folder; wait for it to finish, or delete {self.path} if no {self.kind} is running",
                                        file=str(self.folder), key="--out") from None
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()} {socket.gethostname()}\n")
            return self
        raise ScenarioError(f"could not take {self.path}; another {self.kind} keeps taking it", file=str(self.folder),
                            key="--out")

    def __exit__(self, *exc) -> None:
        if self.holder() == (os.getpid(), socket.gethostname()):
            self.path.unlink(missing_ok=True)


class RunStore:
    """Finished runs as small parquet part files under runs/, each written whole
    (temporary file, then rename); reading them back gives every finished run once."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / RUNS_DIR
        self.path.mkdir(parents=True, exist_ok=True)
        for leftover in self.path.glob(".*.tmp"):  # a write cut short by a kill
            leftover.unlink(missing_ok=True)
        self._next = 1 + max((int(p.stem.split("-")[1]) for p in self.parts()), default=0)

    def parts(self) -> list[Path]:
        return sorted(self.path.glob("part-*.parquet"))

    def done(self) -> set[int]:
        """The ``run_id`` of every finished run."""
        import pyarrow.parquet as pq

        ids: set[int] = set()
        for part in self.parts():
            ids.update(pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    def append(self, rows: list[dict]) -> Path:
        path = atomic_write_parquet(self.path / f"part-{self._next:06d}.parquet", pd.DataFrame(rows))
        self._next += 1
        return path

    def frame(self) -> pd.DataFrame:
        """Every finished run, sorted by ``run_id``."""
        parts = self.parts()
        if not parts:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def open_study(folder: Path, *, kind: str, fingerprint: str, seed: int, force: bool = False,
               accepts: Callable[[dict], dict | None] | None = None, extra: dict | None = None) -> dict:
    """Read or create ``<kind>.json``, the state of the study in ``folder``.

    A folder written by a different study (another fingerprint) is refused unless
    ``force`` (which starts over, as it does for the same study), or unless
    ``accepts(old_state)`` says its runs still belong to this study (a grid that
    grew) by returning the fields to update: then the finished runs are kept. ``seed`` and
    ``extra`` are stored when the study starts; the stored seed wins afterwards, so
    a drawn seed survives a resume. Call with the study's lock held."""
    folder = Path(folder)
    state_path = folder / f"{kind}.json"
    lock_name = f"{kind}.lock"
    state = None
    if state_path.exists():
        try:
            state = json.loads(state_path.read_text())
        except (OSError, ValueError):
            state = None
        if force:
            state = None
        elif state is None or state.get("fingerprint") != fingerprint:
            update = accepts(state) if state is not None and accepts is not None else None
            if update is not None:
                state = {**state, **(extra or {}), **update, "fingerprint": fingerprint}
                atomic_write_json(state_path, state)
                return state
            raise ScenarioError(f"holds a different {kind} (its {kind} file or base scenario has changed since); "
                                f"rerun with --force to start over, or choose another --out folder",
                                file=str(folder), key="--out")
        if state is None:
            for entry in folder.iterdir():
                if entry.name != lock_name:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    elif any(entry.name != lock_name for entry in folder.iterdir()):
        raise ScenarioError(f"already exists and is not a {kind} folder; choose a new --out folder", file=str(folder),
                            key="--out")
    if state is None:
        state = {"fingerprint": fingerprint, f"{kind}_seed": int(seed), **(extra or {}),
                 "started": dt.datetime.now().isoformat(timespec="seconds")}
        atomic_write_json(state_path, state)
    return state


class Study:
    """A study folder held for one command: its lock, its state and its run store.

    ``seed`` is the study's seed (stored on the first call; ``study.seed`` is the
    stored one). See :func:`open_study` for ``force`` and ``accepts``."""

    def __init__(self, folder: Path, *, kind: str, fingerprint: str, seed: int, force: bool = False,
                 accepts: Callable[[dict], dict | None] | None = None, extra: dict | None = None):
        self.folder = Path(folder)
        self.kind = kind
        self._lock = StudyLock(self.folder, kind)
        self._open = dict(kind=kind, fingerprint=fingerprint, seed=seed, force=force, accepts=accepts, extra=extra)
        self.state: dict = {}
        self.store: RunStore | None = None

    @property
    def seed(self) -> int:
        return int(self.state[f"{self.kind}_seed"])

    @property
    def started(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.state["started"])

    def __enter__(self) -> "Study":
        self._lock.__enter__()
        try:
            self.state = open_study(self.folder, **self._open)
            self.store = RunStore(self.folder)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._lock.__exit__(*exc)
