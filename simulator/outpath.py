"""The ``--out`` folder, checked before any simulation starts.

Results are built in a hidden staging folder beside ``--out`` and renamed into
place at the end (results.ResultsFolder), and a sweep writes into its folder as
runs finish. A folder that cannot be created or written is therefore found out
only after the work, unless it is checked first: this module tries the one
thing that must succeed (creating a folder where the results will go) and
refuses, in one line, what would fail.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from .errors import ScenarioError


def printable(name) -> str:
    """A path or name as text every table and message can hold: a byte that is not UTF-8
    (which Python keeps as a lone surrogate) shown as \ufffd."""
    return os.fsencode(name).decode("utf-8", "replace")


def check_utf8_folder(out: Path, what: str, key: str = "--out", remedy: str = "give an --out whose path is UTF-8") -> None:
    """Refuse a results folder whose path, the folders it lies in included, holds a byte
    that is not UTF-8, where ``what`` (a sweep's parquet tables, calibrate's database)
    cannot record it: a sweep ran every run, then pyarrow's traceback lost them."""
    where = Path(out).absolute()
    try:
        str(where).encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioError(f"the folder's path holds a byte that is not UTF-8 (shown as \ufffd), which {what} cannot "
                            f"record; {remedy}", file=printable(where), key=key) from None


def check_out_path(out: Path, *, existing_ok: bool = False, write: bool = True, key: str = "--out",
                   owns=None) -> None:
    """Refuse an ``--out`` that is a symbolic link (dangling or not), lies under a file,
    or sits where no folder can be created (no permission, an immutable or read-only
    folder). ``existing_ok`` allows an existing folder (a sweep resumes into it).
    ``write``: find out by creating (and removing) a folder there; else by asking the
    system (os.access), which creates nothing (a dry run) but may miss an immutable
    folder. ``key``: what the folder was given as (an API's ``folder`` argument).
    ``owns``: whether a file's name is one the study writes (sweep.sweep_output,
    optimize.optimize_output), tried in an existing folder; none without it (a user's
    immutable notes.txt was refused as "its file")."""
    out = Path(out)
    source = str(out)
    folder = "an --out folder" if key == "--out" else "a folder"
    if out.is_symlink():
        target = os.readlink(out)
        state = "a dangling symbolic link" if not out.exists() else "a symbolic link"
        raise ScenarioError(f"is {state} (to {target}); give the path of a real folder: results are renamed into "
                            f"place, which would replace the link, not write where it points", file=source, key=key)
    existing = next((p for p in (out, *out.parents) if os.path.lexists(p)), None)
    if existing is None:  # pragma: no cover - the root always exists
        return
    if existing != out and not existing.is_dir():
        raise ScenarioError(f"lies under {existing}, which is a file, not a folder; choose {folder} elsewhere",
                            file=source, key=key)
    if existing == out and not out.is_dir():
        raise ScenarioError("is a file; give the path of a new folder (results are never overwritten)", file=source,
                            key=key)
    if existing == out and not existing_ok and any(out.iterdir()):
        return  # results.check_out_dir says it is not empty
    # results are staged beside --out and renamed into it; a sweep writes inside it. An empty --out is removed for the
    # staged folder to take its place, which an immutable one refuses: it is tried too (run's 4 of 4 runs were done
    # before "cannot write results here" lost them)
    probes = [out] if existing == out and existing_ok else [out.parent, out] if existing == out else [existing]
    if existing == out and existing_ok:
        from .results import RUNS_DIR

        # a resumed study writes into the folder it keeps its runs in (a sweep's runs/): an immutable runs/ lost the new
        # runs; not into a folder of the user's own there (an immutable notes/ was refused)
        if (out / RUNS_DIR).is_dir() and not (out / RUNS_DIR).is_symlink():
            probes.append(out / RUNS_DIR)
        # and replaces the files it wrote before (report.md, the tables): an immutable one stopped the resumed sweep with
        # a traceback once its new runs were done
        if owns is not None and write:   # a dry run creates nothing: the folder's own test stands for its files
            _check_files_writable(out, source, key, owns)
    for probe_in in probes:
        try:
            if not write:
                if not os.access(probe_in, os.W_OK | os.X_OK):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
                continue
            _probe(probe_in)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            if probe_in.parent == out:   # a folder the study keeps inside it: what it holds is kept
                raise ScenarioError(f"cannot write in its folder {probe_in.name}/ ({reason}); make it writable and "
                                    f"rerun: without --force, what it holds is kept", file=source, key=key) from None
            if probe_in != out:
                raise ScenarioError(f"cannot create a folder in {probe_in} ({reason}); choose {folder} you can write "
                                    f"to", file=source, key=key) from None
            # the folder itself: "cannot create a folder in sok2 ... choose another" would leave a sweep's kept runs
            held = any(out.iterdir())
            raise ScenarioError(f"cannot write in this folder ({reason}); " + (
                "make it writable and rerun: without --force, what it holds is kept" if held else
                f"make it writable, or choose {folder} you can write to"), file=source, key=key) from None


@contextlib.contextmanager
def kept_times(folder: Path):
    """Leave ``folder``'s times as they were around what is done in it: a refused command
    is to leave a study's folder as it found it, and a probe moved its runs/ folder's
    modification time."""
    before = os.stat(folder)
    try:
        yield
    finally:
        try:
            os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns))
        except OSError:   # pragma: no cover - a folder one may write in but not touch
            pass


def _probe(folder: Path) -> None:
    """Create and remove a folder in ``folder``, its times kept."""
    with kept_times(folder):
        Path(tempfile.mkdtemp(prefix=".refsim-probe-", dir=folder)).rmdir()


def _unlinkable(path: Path) -> None:
    """Raise where ``path`` cannot be deleted from its folder: a second name made for it and
    taken away again, which an immutable or append-only file refuses as it refuses its
    deletion (whether it can be written does not matter: a read-only run file was refused
    where the deletion would have gone ahead). The folder's times are kept; a file system
    without such names says nothing either way."""
    spare = path.with_name(f".{path.name}.refsim-probe")
    with kept_times(path.parent):
        try:
            os.link(path, spare)
        except OSError as error:
            if error.errno in (errno.EPERM, errno.EACCES):
                raise
            return
        spare.unlink()


def _check_files_writable(out: Path, source: str, key: str, owns) -> None:
    """Refuse a study folder holding a file of its own (``owns`` its name, not hidden)
    that cannot be replaced (_unlinkable, as --force tries what it deletes: opened for
    appending, a read-only file the folder lets be replaced was refused, and an append-only
    one, which cannot be, passed and stopped the resumed sweep after its runs)."""
    for path in sorted(p for p in out.iterdir() if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
                       and owns(p.name)):
        try:
            _unlinkable(path)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ScenarioError(f"cannot replace its file {path.name} ({reason}); make it writable and rerun: without "
                                f"--force, what the folder holds is kept", file=source, key=key) from None


def check_folder_argument(folder) -> Path:
    """An API's ``folder=`` checked as ``--out`` is (check_out_path), and refused when
    empty: ``''`` wrote the study's database into the current folder."""
    if not str(folder).strip():
        raise ScenarioError("an empty path; give the study's folder, or None to keep the study in memory",
                            file=repr(folder), key="folder")
    folder = Path(folder)
    check_out_path(folder, existing_ok=True, key="folder")
    return folder
