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

    inputs = input_digests(scenario_files(scenario))     # edge lists and any other file read
    with Study(folder, kind="optimize", fingerprint=..., seed=..., force=..., inputs=inputs) as study:
        done = study.store.done()
        ...  study.store.append(rows)
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import errno
import json
import os
import re
import shlex
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .errors import ScenarioError
from .provenance import LIBRARIES, file_digest, git_sha, input_digests, manifest, scenario_files, versions  # noqa: F401  (re-exported)



# --------------------------------------------------------------------------- atomic writes


def atomic_write(path: Path, write: Callable[[Path], None], *, durable: bool = False) -> Path:
    """Write through ``write(temp_path)`` into a temporary file beside ``path``, then rename:
    readers see the old file or the whole new one, never a half-written one. ``durable``:
    the file's bytes reach the disk before the rename (fsync), so that a power cut after
    it leaves the whole file, not an empty one under its name (a study's finished runs).

    A failure of the disk itself (full, read-only, over quota, gone) is a
    :class:`WriteFailed` line naming ``path``; the temporary file is removed."""
    path = Path(path)
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        write(Path(temp))
        os.chmod(temp, 0o666 & ~_umask())
        if durable:
            descriptor = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        os.replace(temp, path)
    except BaseException as error:
        if temp is not None:
            with contextlib.suppress(OSError):
                Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, WriteFailed):
            raise WriteFailed.of(error, path) from None
        raise
    return path


class WriteFailed(ScenarioError):
    """Results could not be written: the disk is full, read-only, over quota or gone.
    One line naming the file (the CLI exits 2, as for any mistake it can name)."""

    @classmethod
    def of(cls, error: BaseException, path: Path) -> "WriteFailed":
        reason = getattr(error, "strerror", None) or " ".join(str(error).split()) or type(error).__name__
        # a read-only disk or a folder without write permission was told to "free some space"
        remedy = {errno.EROFS: "make the disk writable", errno.EACCES: "allow writing to the folder",
                  errno.EPERM: "allow writing to the folder"}.get(getattr(error, "errno", None), "free some space")
        return cls(f"cannot write results here ({reason[:200]}); {remedy} or choose another --out folder "
                   f"(nothing half-written was kept)", file=str(path))


#: What a disk says when it cannot take more: full, over quota, read-only, file too
#: large for the file system or the process's limit, or an I/O error.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO})


def _disk_failure(error: BaseException | None) -> bool:
    return isinstance(error, OSError) and error.errno in DISK_ERRNOS


@contextlib.contextmanager
def writing(path: Path):
    """Turn an OSError raised while writing under ``path`` into one :class:`WriteFailed` line."""
    try:
        yield
    except WriteFailed:
        raise
    except OSError as error:
        raise WriteFailed.of(error, Path(getattr(error, "filename", None) or path)) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def atomic_write_csv(path: Path, frame: pd.DataFrame, *, floats_read_as_floats: bool = True) -> Path:
    """``frame`` as csv, floats to 10 significant digits. ``floats_read_as_floats`` (the
    default): a whole float is written with its decimal point (``8.0``, not ``8``), so
    that ``pd.read_csv`` reads a float column back as float64, as the Python API and
    ``pd.read_parquet`` hold it (sweep.csv beside sweep.parquet: customers_final read
    int64 from one, float64 from the other; runs.csv's payback_day read int64 in one
    folder, float64 in another where a run never paid back)."""
    digits = _float_text if floats_read_as_floats else "%.10g"
    floats = [i for i, kind in enumerate(frame.dtypes) if getattr(kind, "kind", "") == "f"]
    if any((frame.iloc[:, i] == 0).any() for i in floats):   # -0.0 (0 of a minimised metric, negated) is 0: "-0" read as a sign
        frame = frame.copy()
        for i in floats:
            frame.isetitem(i, frame.iloc[:, i] + 0.0)
    return atomic_write(path, lambda temp: frame.to_csv(temp, index=False, float_format=digits, lineterminator="\n"))


def _float_text(value: float) -> str:
    """A float to 10 significant digits that reads back as a float: 8.0, 0.1, 1e+20, inf."""
    text = f"{value:.10g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


@contextlib.contextmanager
def outputs_staged(folder: Path, prefix: str, before_manifest: Callable[[set[str]], None] | None = None):
    """A staging folder inside ``folder`` for a study's readable outputs, moved into
    place when the body ends, one file at a time with manifest.json last and the old
    manifest removed first (``before_manifest``, given the names written, runs just
    before it lands): written in place one by one, an interrupt left a new trials.csv
    or sweep.csv beside the old report.md and manifest. A folder without manifest.json
    has unfinished outputs. Staging a kill left (``prefix``) is removed first, and this
    one whatever happens. ``folder`` is created if need be (write_optimize from Python
    into a new folder met tempfile's FileNotFoundError)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:   # a file there, or above: pathlib's FileExistsError, where --out's check says it in one line
        from .outpath import check_out_path

        check_out_path(folder, existing_ok=True, key="folder")
        raise
    for leftover in folder.glob(f"{prefix}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    try:
        yield stage
        (folder / "manifest.json").unlink(missing_ok=True)
        written = sorted(stage.iterdir(), key=lambda path: path.name == "manifest.json")
        for path in written:
            if path.name == "manifest.json" and before_manifest is not None:
                before_manifest({p.name for p in written})
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def atomic_write_parquet(path: Path, frame: pd.DataFrame, *, durable: bool = False) -> Path:
    return atomic_write(path, lambda temp: frame.to_parquet(temp, index=False), durable=durable)


def _json_default(value: Any):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# --------------------------------------------------------------------------- folders


#: The longest name a results folder takes after its time stamp.
SLUG_LENGTH = 60


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:SLUG_LENGTH] or "run"


def new_results_dir(name: str, base: Path = Path("results")) -> Path:
    """A fresh timestamped folder under ``base`` that does not exist yet (never reused)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = Path(base) / f"{stamp}-{slug(name)}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = Path(base) / f"{stamp}-{slug(name)}-{suffix}"
    return candidate


def check_out_dir(out: Path, key: str = "--out") -> None:
    """Refuse to write into a folder that already holds files, or where none can be made;
    ``key``: where the folder was given (a settings file's ``out:`` was blamed on --out)."""
    from .outpath import check_out_path

    check_out_path(out, key=key)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ScenarioError("already exists and is not empty; choose a new --out folder (results are never overwritten)",
                            file=str(out), key=key)


class ResultsFolder:
    """Build a results folder in a hidden staging folder, then rename it into place,
    so that a failed or interrupted run leaves no partial results folder. A disk
    that fills up or turns read-only on the way is one :class:`WriteFailed` line,
    and the staging folder is removed all the same."""

    def __init__(self, out: Path):
        self.out = Path(out)
        check_out_dir(self.out)
        with writing(self.out):
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".partial", dir=self.out.parent))

    def __enter__(self) -> "ResultsFolder":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            try:
                with writing(self.out):
                    if self.out.exists():
                        self.out.rmdir()  # empty, checked above
                    os.chmod(self.path, 0o777 & ~_umask())
                    os.replace(self.path, self.out)
            except BaseException:
                shutil.rmtree(self.path, ignore_errors=True)
                raise
        else:
            shutil.rmtree(self.path, ignore_errors=True)
            if _disk_failure(value):
                raise WriteFailed.of(value, self._final(getattr(value, "filename", None))) from None
            if isinstance(value, WriteFailed) and value.file:
                # name the file as the user will look for it, not inside the removed staging folder
                value.file = str(self._final(value.file))

    def _final(self, path: str | os.PathLike | None) -> Path:
        """Where ``path``, written inside the staging folder, ends up once renamed into place."""
        if path is None:
            return self.out
        try:
            return self.out / Path(path).relative_to(self.path)
        except ValueError:
            return Path(path)


# --------------------------------------------------------------------------- study folders


RUNS_DIR = "runs"
#: The name of a part file of a study's run store (RunStore), its number in group 1.
PART_NAME = re.compile(r"part-(\d+)\.parquet")


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


def process_start(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (/proc/PID/stat field 22);
    None where /proc cannot tell. With the pid it names one process for good: a pid
    that was reused by a later process has another start time."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


#: A lock file that cannot be read (empty, or cut short) is taken for one being
#: written until it is this old; only a lock written by an older refsim, or on a
#: file system without hard links, can be seen in that state at all.
UNREADABLE_LOCK_GRACE_S = 30.0


def _write_lock_text(fd: int, text: str) -> None:
    """Write the lock's content into its (still private) temporary file."""
    os.write(fd, text.encode("utf-8"))


#: The joinable study locks held in this context (StudyLock's ``joinable``), by lock file and pid.
_JOINABLE: contextvars.ContextVar[frozenset] = contextvars.ContextVar("refsim_joinable_locks", default=frozenset())


class StudyLock:
    """``<kind>.lock`` holding the writer's pid, host and process start time: a second
    study into the same folder is refused; a lock left by a process that no longer
    exists is taken over.

    The lock is written whole before it exists under its name: its content goes
    into a private temporary file, which is then hard-linked into place (``link``
    fails when the name is taken, so of two contenders exactly one wins), so an
    empty or half-written lock is never seen and never taken for stale. A stale
    lock (its pid is dead on this host, or now belongs to a later process) is
    removed only while holding ``<kind>.lock.reclaim`` with ``flock``, after
    reading it again: two contenders that both found it stale cannot both remove
    it, nor remove the fresh lock the other one has just linked in its place.

    ``joinable``: while this lock is held, a StudyLock on the same file taken in the same
    thread (and context) joins it instead of being refused, and leaves the lock in place
    when it ends. A sweep holds its lock so from its runs to its tables, each of which
    takes the lock too: it let go between the two for a few milliseconds, where a second
    sweep could take the folder. Any other taker is refused as before."""

    def __init__(self, folder: Path, kind: str = "sweep", *, joinable: bool = False):
        self.folder = Path(folder)
        self.kind = kind
        self.path = self.folder / f"{kind}.lock"
        self._mine: str | None = None
        self._joinable = joinable
        self._joined = False
        self._token: contextvars.Token | None = None
        self._made_folder = False

    def _key(self) -> tuple[str, int]:
        return str(self.path.absolute()), os.getpid()   # a forked worker holds none of its parent's locks

    def holder(self) -> tuple[int | None, str | None]:
        """The pid and host name written in the lock (None where unreadable)."""
        pid, host, _ = self._read()
        return pid, host

    def _read(self) -> tuple[int | None, str | None, str | None]:
        try:
            fields = self.path.read_text().split()
            return int(fields[0]), (fields[1] if len(fields) > 1 else None), (fields[2] if len(fields) > 2 else None)
        except (OSError, ValueError, IndexError):
            return None, None, None

    def _stale(self) -> bool:
        """Whether the lock now in place belongs to nobody (False when there is none)."""
        return self._state() == "stale"

    def _state(self) -> str:
        """``gone`` (no lock), ``stale`` (its process is dead) or ``held``."""
        pid, host, started = self._read()
        if pid is None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except FileNotFoundError:
                return "gone"
            return "stale" if age > UNREADABLE_LOCK_GRACE_S else "held"
        if host is not None and host != socket.gethostname():
            return "held"  # a process on another computer cannot be checked from here
        if not _pid_alive(pid):
            return "stale"
        now = process_start(pid)
        reused = started is not None and started != "-" and now is not None and now != started
        return "stale" if reused else "held"

    def check_free(self) -> None:
        """Refuse, as taking the lock would, while another live process holds it; take
        nothing (a lock left by a dead process would be taken over: it is free)."""
        if self._state() == "held":
            raise self._refuse()

    def _refuse(self) -> ScenarioError:
        pid, host = self.holder()
        who = f"pid {pid} on {host or 'this computer'}" if pid is not None else "a process that is still writing its lock"
        return ScenarioError(f"another {self.kind} ({who}) is writing to this folder; wait for it to finish, or delete "
                             f"{self.path} if no {self.kind} is running", file=str(self.folder), key="--out")

    def __enter__(self) -> "StudyLock":
        if self._key() in _JOINABLE.get():
            self._joined = True
            return self
        with writing(self.folder):
            self._made_folder = not self.folder.exists()
            self.folder.mkdir(parents=True, exist_ok=True)
            for _ in range(100):
                if self._place():
                    if self._joinable:
                        self._token = _JOINABLE.set(_JOINABLE.get() | {self._key()})
                    return self
                state = self._state()
                if state == "held":
                    raise self._refuse()
                if state == "stale":
                    self._reclaim()
                # "gone": another contender reclaimed it or its holder finished; try again
        raise ScenarioError(f"could not take {self.path}; another {self.kind} keeps taking it", file=str(self.folder),
                            key="--out")

    def _place(self) -> bool:
        """Write the lock whole into a temporary file and link it into place; False when taken."""
        text = f"{os.getpid()} {socket.gethostname()} {process_start(os.getpid()) or '-'}\n"
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.folder)
        try:
            try:
                _write_lock_text(fd, text)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(temp, self.path)
            except FileExistsError:
                return False
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                # no hard links here: an exclusive rename-free create (the only window in
                # which the lock is empty is covered by UNREADABLE_LOCK_GRACE_S)
                try:
                    lock = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                except FileExistsError:
                    return False
                with os.fdopen(lock, "w") as handle:
                    handle.write(text)
        finally:
            Path(temp).unlink(missing_ok=True)
        self._mine = text
        return True

    def _reclaim(self) -> None:
        """Remove the stale lock, under the reclaim guard, if it is still the stale one."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not Linux or macOS
            fcntl = None
        # the guard file is never removed: a second guard file would be a second guard
        guard = os.open(self.folder / f"{self.path.name}.reclaim", os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(guard, fcntl.LOCK_EX)
            # only a reclaimer (holding this guard) removes a stale lock, so a lock still
            # found stale here is the one judged stale, not a fresh one in its place
            if self._stale():
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
        finally:
            os.close(guard)  # releases the flock

    def __exit__(self, kind=None, value=None, traceback=None) -> None:
        if self._joined:   # the holder that was joined removes it
            self._joined = False
            return
        if self._token is not None:
            _JOINABLE.reset(self._token)
            self._token = None
        try:
            if self._mine is not None and self._text() == self._mine:
                try:
                    self.path.unlink(missing_ok=True)
                except OSError as error:
                    # a disk that turned read-only keeps the lock (taken over as stale once this
                    # process is gone): the error to report is the one in flight, the write that
                    # found the disk so, not a traceback from here that hid it
                    if value is None and not _disk_failure(error):
                        raise
                    value = value if value is not None else error
        finally:
            self._mine = None
            if self._made_folder:
                # a study refused once the lock was taken (a sweep's lock is taken before its Dask scheduler is
                # asked) leaves no empty folder it made; one that holds anything stays
                with contextlib.suppress(OSError):
                    self.folder.rmdir()
                self._made_folder = False
        if _disk_failure(value):
            # the disk filled up or turned read-only under the study folder
            raise WriteFailed.of(value, Path(getattr(value, "filename", None) or self.folder)) from None

    def _text(self) -> str | None:
        try:
            return self.path.read_text()
        except OSError:
            return None


class RunStore:
    """Finished runs as small parquet part files under runs/, each written whole
    (temporary file, then rename); reading them back gives every finished run once."""

    def __init__(self, folder: Path, *, read_only: bool = False):
        """``read_only``: only read the finished runs (a folder without runs/ has none);
        create nothing and leave the temporary files of a write cut short by a kill."""
        self.path = Path(folder) / RUNS_DIR
        if not read_only:
            self.path.mkdir(parents=True, exist_ok=True)
            for leftover in self.path.glob(".*.tmp"):  # a write cut short by a kill
                leftover.unlink(missing_ok=True)
        self._next = 1 + max((int(PART_NAME.fullmatch(p.name)[1]) for p in self.parts()), default=0)

    def parts(self) -> list[Path]:
        """The part files, in the order written; a file under another name that looks like
        one (``part-000007 (copy).parquet``, a file manager's copy) is refused in one line:
        it was read as a number and ended in a traceback."""
        parts = sorted(self.path.glob("part-*.parquet"))
        stray = next((p for p in parts if not PART_NAME.fullmatch(p.name)), None)
        if stray is not None:
            raise ScenarioError(f"{stray.name} is not a part file a study writes (part-NNNNNN.parquet); remove it from "
                                f"{self.path} (or move it elsewhere) and rerun the same command", file=str(self.path),
                                key="--out")
        return parts

    def done(self, points: int | None = None,
             check: Callable[[Path, pd.DataFrame], None] | None = None) -> set[tuple[int, int]]:
        """(point_id, replicate) of every finished run: what a run is, whatever the
        replicate count its run_id was numbered with. A run held by two part files (one
        is a copy: a study writes each run once) is refused in one line naming both, as
        its runs would count twice; so is, given the study's number of ``points``, a part
        holding a run of a point the study does not have (a part copied in from a grown
        folder), which ended in a traceback that advised --force, losing every run. ``check``:
        called with each part and its rows before they count, to refuse (one line) a part
        whose runs are not this study's though their points and replicates are."""
        import pyarrow.parquet as pq

        held: dict[tuple[int, int], Path] = {}
        for part in self.parts():
            if check is not None:   # the whole part, read once: its rows are checked, then its runs counted
                rows = self._read(part, lambda part=part: pd.read_parquet(part))
                check(part, rows)
                runs = zip(rows["point_id"].tolist(), rows["replicate"].tolist())
            else:
                table = self._read(part, lambda part=part: pq.read_table(part, columns=["point_id", "replicate"]))
                runs = zip(table.column("point_id").to_pylist(), table.column("replicate").to_pylist())
            for run in runs:
                if points is not None and not 0 <= run[0] < points:
                    raise ScenarioError(f"{part.name} holds a run of point {run[0]}, and this study has points 0 to "
                                        f"{points - 1}: it is not this study's (a copy from another folder?); remove it "
                                        f"from {self.path} and rerun the same command", file=str(self.path), key="--out")
                if run in held:
                    raise ScenarioError(f"{part.name} holds a run that {held[run].name} holds too (point {run[0]}, "
                                        f"replicate {run[1]}); a study writes each run once, so one of them is a copy: "
                                        f"remove the copy from {self.path} and rerun the same command", file=str(self.path),
                                        key="--out")
                held[run] = part
        return set(held)

    def append(self, rows: list[dict]) -> Path:
        path = atomic_write_parquet(self.path / f"part-{self._next:06d}.parquet", pd.DataFrame(rows), durable=True)
        self._next += 1
        return path

    def frame(self) -> pd.DataFrame:
        """Every finished run, sorted by ``run_id``."""
        parts = self.parts()
        if not parts:
            return pd.DataFrame()
        frame = pd.concat([self._read(p, lambda p=p: pd.read_parquet(p)) for p in parts], ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)

    def columns(self) -> list[str] | None:
        """The columns every part file holds, in the first part's order (None without a
        part): what a folder's finished runs recorded, read from the files' schemas."""
        import pyarrow.parquet as pq

        held = None
        for part in self.parts():
            names = self._read(part, lambda part=part: pq.read_schema(part).names)
            held = [name for name in (held if held is not None else names) if name in names]
        return held

    def _read(self, part: Path, read: Callable[[], Any]) -> Any:
        """``read()`` of one part file, or a one-line error naming it when it is damaged
        (empty or cut short: a disk or machine that failed as it was written)."""
        try:
            return read()
        except Exception as error:  # noqa: BLE001 - pyarrow raises its own kinds for a damaged file
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ScenarioError(f"{part.name} cannot be read ({reason}); delete it and rerun the same command to redo "
                                f"the runs it held, or rerun with --force to start over", file=str(self.path),
                                key="--out") from None


def _changed_inputs(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Files the study's finished runs read whose bytes are not the same any more."""
    return [path for path, digest in old.items() if path in new and new[path] != digest]


#: Fingerprint parts besides the replicates in which a folder's study can grow and keep its runs.
GROWABLE_PARTS = frozenset({"sweep file's parameters", "metrics"})

#: Fingerprint parts named by a plural noun: 'its metrics differs' read as a slip.
PLURAL_PARTS = frozenset({"metrics", "replicates", "files the runs read", "search settings"})


def _plural(part: str) -> bool:
    """Whether a fingerprint part's name is a plural noun: one of PLURAL_PARTS, or a key of
    the study's file that ends in s ('sweep file's samples')."""
    name = part.split(" (")[0]
    key = name.split(" file's ", 1)[1] if " file's " in name else None
    return name in PLURAL_PARTS or (key is not None and key.endswith("s"))


#: Fingerprint parts a study records only where they are set (kernel.engine_part: REFSIM_ENGINE=numpy).
ONE_SIDED_PARTS = ("REFSIM_ENGINE",)


def _what_differs(state: dict, extra: dict | None, kind: str) -> str:
    """Which part of a study's fingerprint differs from the folder's (``parts``, stored
    with the state when the study started): 'its replicates (2 there, 5 now)'."""
    then, now = state.get("parts") or {}, (extra or {}).get("parts") or {}
    changed = [name for name in now if name in then and then[name] != now[name]]
    # a part only one side has, where the other left it out on purpose (REFSIM_ENGINE, recorded where it says numpy):
    # the rerun under numpy the kernel's refusal advised was told 'its file, base scenario or options differ'
    changed += [name for name in ONE_SIDED_PARTS if (name in then) != (name in now)]
    # the file's metrics are also the study's metrics: 'its sweep file's metrics, metrics differ'
    changed = [name for name in changed if not (name.startswith(f"{kind} file's ")
                                                and name.removeprefix(f"{kind} file's ") in changed)]
    if not changed:   # a study started before its parts were stored, or a part added since
        return f"what it was started with differs from this command's: its {kind} file, base scenario or options"
    readable_then, readable_now = state.get("parts_shown") or {}, (extra or {}).get("parts_shown") or {}

    def shown(name: str) -> str:
        if (name in then) != (name in now):
            return f"{name} ({'set' if name in then else 'unset'} there, {'set' if name in now else 'unset'} now)"
        there, stored = then[name], state.get(f"{kind}_seed")
        if name == "seed" and not isinstance(there, int) and isinstance(stored, int):
            # a drawn seed is no part of the fingerprint: its part was a digest, shown as if it were the seed
            there = f"drawn {stored}"
        if isinstance(now[name], int) and not _digest(there):
            return f"{name} ({there} there, {now[name]} now)"
        # a part kept as a digest, with its readable form beside it ('its search settings differ' named no value)
        before, after = readable_then.get(name), readable_now.get(name)
        if isinstance(before, dict) and isinstance(after, dict):
            fields = [f"{key} {before.get(key)} there, {after.get(key)} now"
                      for key in dict.fromkeys([*after, *before]) if before.get(key) != after.get(key)]
            return f"{name} ({'; '.join(fields)})" if fields else name
        if isinstance(before, list) and isinstance(after, list) and before != after:
            listed = lambda items: " ".join(map(str, items)) or "none"  # noqa: E731
            return f"{name} ({listed(before)} there, {listed(after)} now)"
        return name

    text = "its " + ", ".join(shown(name) for name in changed) \
        + (" differ" if len(changed) > 1 or _plural(changed[0]) else " differs") + " from this command's"
    said = ": "
    bases = state.get("base_resolved"), (extra or {}).get("base_resolved")
    if any(name.startswith("base scenario") for name in changed) and all(isinstance(b, dict) for b in bases):
        # 'its base scenario or --set differs' left the user to find the edit in a file of a hundred keys
        text += f": base scenario: {_changed_keys_text(*bases)}"
        said = "; "
    sets_then, sets_now = state.get("set"), (extra or {}).get("set")
    if isinstance(sets_then, list) and isinstance(sets_now, list) and sets_then != sets_now:
        # a resume that left out (or mistyped) a --set of the first command: say which, so it can be typed again
        def shown(sets: list) -> str:
            return " ".join(f"--set {shlex.quote(str(item))}" for item in sets) if sets else "no --set"
        text += f"{said}it ran with {shown(sets_then)}, and this command with {shown(sets_now)}"
    # only where the rest is what a folder can grow in (a grid's levels; the metrics reported): a different seed or
    # base was told to grow one thing at a time, which it never could
    if "replicates" in changed and len(changed) > 1 and all(name in GROWABLE_PARTS for name in changed
                                                            if name != "replicates"):
        text += " (a study grows in one thing at a time: first with the replicates it had, then with the new count)"
    return text


def _digest(value: Any) -> bool:
    """Whether a fingerprint part's value is a SHA-256 digest, which names nothing to a reader."""
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


#: Changed key paths a refusal names before it says how many more there are.
SHOWN_CHANGES = 3
_UNSET = object()


def _changed_keys(then: dict, now: dict, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """``(key path, value there, value now)`` of each key whose value differs between two
    resolved scenarios, in the order the keys are written (now's first, then those only
    there); a list is one value, except a list of mappings of the same length, whose items
    are compared key by key as ``--set`` names them (``program.channels.0.weight``): an
    edited channel weight was named as 'program.channels [{"attention": 1.0, …' on both
    sides, cut before the edit. A key one of them lacks is :data:`_UNSET` there."""
    changes = []
    for key in [*now, *(k for k in then if k not in now)]:
        before, after = then.get(key, _UNSET), now.get(key, _UNSET)
        if isinstance(before, dict) and isinstance(after, dict):
            changes += _changed_keys(before, after, f"{prefix}{key}.")
        elif (isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
              and any(isinstance(item, dict) for item in [*before, *after])):
            changes += _changed_keys(dict(enumerate(before)), dict(enumerate(after)), f"{prefix}{key}.")
        elif before != after:
            changes.append((f"{prefix}{key}", before, after))
    return changes


def _changed_keys_text(then: dict, now: dict) -> str:
    """'program.incentive.referrer_reward 10 → 20, days 30 → 20 and 2 more keys': the first
    SHOWN_CHANGES changed key paths of a resolved scenario, with their values there and now."""
    def shown(value: Any) -> str:
        if value is _UNSET:
            return "unset"
        text = json.dumps(value, sort_keys=True, default=str)
        return text if len(text) <= 40 else text[:39] + "…"

    changes = _changed_keys(then, now)
    if not changes:   # the fingerprint also covers the base as written: a default spelled out or left out
        return "the same values, written differently"
    text = ", ".join(f"{path} {shown(before)} → {shown(after)}" for path, before, after in changes[:SHOWN_CHANGES])
    more = len(changes) - SHOWN_CHANGES
    return text + (f" and {more} more key{'s' if more > 1 else ''}" if more > 0 else "")


def seed_pinned(state: dict, kind: str, seed: int | None, written: int | None,
                same: Callable[[int | None], dict | None]) -> dict | None:
    """The folder's study (``state``) as this one with its seed pinned to the seed the
    folder recorded, or with such a pin dropped: every run is the same, yet a given seed is
    part of the fingerprint and a drawn one is not, so the rerun was refused as a different
    study that only --force, rerunning everything, would start. ``seed`` is the seed this
    command runs with (None: the folder's), ``written`` the one its fingerprint reads;
    ``same(other)`` is what accepts the folder had this command been given ``other`` there
    instead (the fields to update, or None). That, when the folder's seed is the one this
    command runs with; else None (another seed is another study)."""
    stored = state.get(f"{kind}_seed")
    if not isinstance(stored, int) or isinstance(stored, bool) or seed not in (None, stored):
        return None
    for other in (None, stored):   # 'written' too: ``same`` may try the base's other pins against it
        if (update := same(other)) is not None:
            return update
    return None


def _fewer_replicates_hint(state: dict, extra: dict | None) -> str:
    """'rerun with -r 400 to use every run it holds, ': a folder grown to more replicates
    than this command asks for, and different in nothing else, is that study with more
    runs (a fresh study of fewer replicates would not have them all, so it is not this)."""
    then, now = state.get("parts") or {}, (extra or {}).get("parts") or {}
    changed = [name for name in now if name in then and then[name] != now[name]]
    # a part only one side has, where the other left it out on purpose (REFSIM_ENGINE, recorded where it says numpy):
    # the rerun under numpy the kernel's refusal advised was told 'its file, base scenario or options differ'
    changed += [name for name in ONE_SIDED_PARTS if (name in then) != (name in now)]
    if changed == ["replicates"] and isinstance(then["replicates"], int) and then["replicates"] > now["replicates"]:
        return f"rerun with -r {then['replicates']} to use every run it holds, "
    return ""


def open_study(folder: Path, *, kind: str, fingerprint: str, seed: int, force: bool = False,
               accepts: Callable[[dict], dict | None] | None = None, extra: dict | None = None,
               inputs: dict[str, str] | None = None, ours: Callable[[str], bool] | None = None) -> dict:
    """Read or create ``<kind>.json``, the state of the study in ``folder``.

    A folder written by a different study (another fingerprint) is refused unless
    ``force`` (which starts over, as it does for the same study), or unless
    ``accepts(old_state)`` says its runs still belong to this study (a grid that
    grew) by returning the fields to update: then the finished runs are kept. ``seed`` and
    ``extra`` are stored when the study starts; the stored seed wins afterwards, so
    a drawn seed survives a resume.

    ``inputs`` (:func:`input_digests` of every file the study's runs read) are
    stored with the state; a file whose bytes changed since is refused in one line
    naming it, even under a fingerprint that would otherwise be accepted (a grid
    that grew). The fingerprint should cover the digests as well, so that the
    manifest's fingerprint identifies every input. ``ours(name)``: whether an entry of the
    folder is one the study writes, the only entries ``force`` deletes (without it, every
    entry). Call with the study's lock held. :func:`judge_study` decides, writing nothing."""
    folder = Path(folder)
    verdict = judge_study(folder, kind=kind, fingerprint=fingerprint, seed=seed, force=force, accepts=accepts,
                          extra=extra, inputs=inputs)
    if verdict.action == "start over":
        doomed = [entry for entry in folder.iterdir()
                  if not _lock_file(entry.name, kind) and (ours is None or ours(entry.name))]
        _check_deletable(folder, doomed)
        # the state last: a deletion cut short leaves a folder still known as the study's
        for entry in sorted(doomed, key=lambda e: e.name == f"{kind}.json"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    if verdict.action != "resume":
        atomic_write_json(folder / f"{kind}.json", verdict.state)
    return verdict.state


def _check_deletable(folder: Path, doomed: list[Path]) -> None:
    """Refuse, before deleting anything, to start a study over where one of the entries it
    would delete (``doomed``) cannot be: --force with an immutable run file deleted half
    the folder, stopped on a traceback, and left a folder no longer known as a sweep's,
    refused from then on even with --force."""
    from .outpath import _probe, _unlinkable

    for entry in doomed:
        paths = [entry, *sorted(entry.rglob("*"))] if entry.is_dir() and not entry.is_symlink() else [entry]
        for path in paths:
            try:
                if path.is_dir() and not path.is_symlink():
                    _probe(path)
                elif path.is_file() and not path.is_symlink():
                    _unlinkable(path)
            except OSError as error:
                raise ScenarioError(f"cannot delete {path.relative_to(folder)} to start over "
                                    f"({error.strerror or type(error).__name__}); make it writable and rerun: nothing "
                                    f"was deleted", file=str(folder), key="--force") from None


def _lock_file(name: str, kind: str) -> bool:
    """Whether an entry of a study folder is its lock, the lock's reclaim guard, or a
    temporary file of the lock cut short by a kill."""
    lock_name = f"{kind}.lock"
    return name in (lock_name, f"{lock_name}.reclaim") or (name.startswith(f".{lock_name}.") and name.endswith(".tmp"))


@dataclasses.dataclass(frozen=True)
class StudyVerdict:
    """What opening a study folder would do: ``action`` is ``start`` (a new or empty
    folder), ``start over`` (``force``: its runs and outputs deleted), ``resume`` (the
    same study) or ``grow`` (a study that ``accepts`` took over, its runs kept); ``state``
    is the state it would hold."""

    action: str
    state: dict


def judge_study(folder: Path, *, kind: str, fingerprint: str, seed: int, force: bool = False,
                accepts: Callable[[dict], dict | None] | None = None, extra: dict | None = None,
                inputs: dict[str, str] | None = None) -> StudyVerdict:
    """What :func:`open_study` would do with ``folder``, or its one-line refusal (a
    ScenarioError), reading the folder and writing nothing: ``refsim sweep --dry-run``
    tells a user what the command would do, and the real command acts on it."""
    folder = Path(folder)
    state_path = folder / f"{kind}.json"
    state = None
    fresh = force and state_path.exists()
    if state_path.exists():
        try:
            state = json.loads(state_path.read_text())
        except (OSError, ValueError) as error:
            if not force:
                raise ScenarioError(f"{state_path.name} cannot be read ({error}); rerun with --force to start over, "
                                    f"or choose another --out folder", file=str(folder), key="--out") from None
            state = None
        if not isinstance(state, dict) and not force:
            raise ScenarioError(f"{state_path.name} is not {_a(kind)}'s state (a JSON object); rerun with --force to start "
                                f"over, or choose another --out folder", file=str(folder), key="--out")
        if force:
            state = None
        elif state is not None and (made_by := _other_code(state)):
            raise ScenarioError(f"its finished runs were made by other refsim code ({made_by}), and this code could "
                                f"give those runs other numbers; finish the {kind} with the refsim that started it, "
                                f"rerun with --force to start over, or choose another --out folder",
                                file=str(folder), key="--out")
        elif state is not None and (changed := _changed_inputs(state.get("inputs") or {}, inputs or {})):
            raise ScenarioError(f"{changed[0]} has changed since this {kind} started (its finished runs read the old "
                                f"contents); rerun with --force to start over, or choose another --out folder",
                                file=str(folder), key="--out")
        elif state is None or state.get("fingerprint") != fingerprint:
            update = accepts(state) if state is not None and accepts is not None else None
            if update is not None:
                return StudyVerdict("grow", {**state, **(extra or {}), **update, "fingerprint": fingerprint,
                                             **({"inputs": inputs} if inputs else {})})
            raise ScenarioError(f"holds a different {kind} ({_what_differs(state, extra, kind)}); "
                                f"{_fewer_replicates_hint(state, extra)}rerun with --force to start over, or choose "
                                f"another --out folder", file=str(folder), key="--out")
        if state is not None:
            return StudyVerdict("resume", state)
    elif folder.is_dir() and any(not _lock_file(entry.name, kind) for entry in folder.iterdir()):
        raise ScenarioError(f"already exists and is not {_a(kind)} folder; choose a new --out folder", file=str(folder),
                            key="--out")
    state = {"fingerprint": fingerprint, f"{kind}_seed": int(seed), **(extra or {}),
             **({"inputs": inputs} if inputs else {}), "started": dt.datetime.now().isoformat(timespec="seconds"),
             **_this_code()}
    return StudyVerdict("start over" if fresh else "start", state)


def _this_code() -> dict[str, str]:
    """The code a study's runs are made by: the package's version and the digest of its
    source (provenance.code_digest), stored when the study starts."""
    from . import __version__
    from .provenance import code_digest

    return {"refsim_version": __version__, "code_digest": code_digest()}


def _other_code(state: dict) -> str:
    """How the code that started the study differs from this one, in words ('' when it is
    the same, or when the study was started before the code was stored): a sweep killed,
    then resumed after an upgrade, mixed runs of two models in one table, where a fresh
    run of the same sweep gives other numbers."""
    stored = state.get("code_digest")
    if not stored:
        return ""
    now = _this_code()
    if stored == now["code_digest"]:
        return ""
    then = state.get("refsim_version", "?")
    if then != now["refsim_version"]:
        return f"version {then}; this is {now['refsim_version']}"
    return f"version {then} with other source files: code digest {stored[:12]}, this one {now['code_digest'][:12]}"


class Study:
    """A study folder held for one command: its lock, its state and its run store.

    ``seed`` is the study's seed (stored on the first call; ``study.seed`` is the
    stored one). See :func:`open_study` for ``force``, ``accepts`` and ``inputs``."""

    def __init__(self, folder: Path, *, kind: str, fingerprint: str, seed: int, force: bool = False,
                 accepts: Callable[[dict], dict | None] | None = None, extra: dict | None = None,
                 inputs: dict[str, str] | None = None, ours: Callable[[str], bool] | None = None):
        self.folder = Path(folder)
        self.kind = kind
        self._lock = StudyLock(self.folder, kind)
        self._open = dict(kind=kind, fingerprint=fingerprint, seed=seed, force=force, accepts=accepts, extra=extra,
                          inputs=inputs, ours=ours)
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


def _a(word: str) -> str:
    """'a sweep', 'an optimize': 'is not a optimize folder' was said."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word
