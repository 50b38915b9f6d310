"""Where a result came from: the manifest every results folder carries (version, git
SHA, Python and library versions, the resolved scenarios, every seed, times, the
command line) and the digests of the input files a study reads, so that a study
never mixes runs made from different inputs."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

#: Every library that can change a result or its files: the runtime dependencies in
#: pyproject.toml, and what they bring that matters (llvmlite compiles numba's kernel,
#: distributed runs a Dask sweep, solara the app).
LIBRARIES = ("numpy", "pandas", "scipy", "networkx", "mesa", "pydantic", "matplotlib", "pillow", "pyarrow", "PyYAML",
             "typer", "rich", "dask", "distributed", "optuna", "SALib", "pyabc", "numba", "llvmlite", "solara")


def _git(*args: str, folder: Path | None = None) -> str | None:
    """What ``git ARGS`` prints in ``folder`` (the package's own by default); None outside
    a checkout, or without git."""
    here = folder or Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def git_sha(folder: Path | None = None) -> str | None:
    return (_git("rev-parse", "HEAD", folder=folder) or "").strip() or None


def git_dirty(folder: Path | None = None) -> bool | None:
    """Whether the checkout the package runs from has changes to tracked files that are
    not committed: then ``git_sha`` alone does not say which code made the results.
    None outside a checkout."""
    if git_sha(folder) is None:
        return None
    status = _git("status", "--porcelain", "--untracked-files=no", folder=folder)
    return None if status is None else bool(status.strip())


def runnable_command(argv: list[str], api: bool = False) -> list[str] | None:
    """The command line as a user can type it again (in a shell: under REFSIM_ENGINE=numpy it
    begins with that assignment): ``python -m simulator`` for the
    module's own path (``.../simulator/__main__.py``, what ``sys.argv[0]`` holds then),
    ``refsim`` for the console script's full path, ``python script.py`` for a script
    that called the Python API; other arguments as given. None where no command line
    runs it again (a notebook's kernel, whose launcher's arguments were recorded;
    ``python -c``, a script on stdin, the interactive prompt; ``api``: the folder is
    written by the Python API, with no command of its own, so ``argv`` is its caller's): the
    manifest's scenarios and seeds reproduce the folder then."""
    if not argv:
        return list(argv)
    from .kernel import engine_prefix

    # the numpy path draws otherwise than the kernel for one seed: typed again without it, the command gave other
    # numbers (1,663 against 1,040) with no word
    env = engine_prefix()
    first = Path(argv[0])
    if first.name in ("__main__.py", "cli.py") and first.parent.name == "simulator":
        # `python -m simulator.cli` runs the same command; `python .../cli.py`, as it was recorded, stopped on a
        # relative import
        return [*env, "python", "-m", "simulator", *argv[1:]]
    if first.name == "refsim":
        return [*env, "refsim", *argv[1:]]
    if api and ("ipykernel" in first.name or argv[0] in ("-c", "-", "")):
        # a notebook's kernel, python -c, a script on stdin, the interactive prompt: a caller of the Python API no
        # command line runs again (the CLI's own command, under a pytest-xdist worker's '-c' too, is kept)
        return None
    if first.suffix == ".py":
        return [*env, "python", *argv]
    return [*env, *argv]


def versions() -> dict[str, str | None]:
    """The installed version of each of LIBRARIES (None where missing), read once per
    process as the code digest is: the lookups cost about 20 ms a manifest, and a
    process does not change the libraries it has imported."""
    if not _VERSIONS:
        for name in LIBRARIES:
            try:
                _VERSIONS[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                _VERSIONS[name] = None
    return dict(_VERSIONS)


_VERSIONS: dict[str, str | None] = {}


def manifest(*, scenarios: list, seeds: dict[str, list[int]], started: dt.datetime | None, ended: dt.datetime,
             command: list[str] | None = None, extra: dict | None = None, kernel: bool | None = None,
             inputs: dict[str, str] | None = None, folder: Path | None = None) -> dict:
    """The provenance of a results folder; ``folder``: where its data files were written
    (output_digests: their bytes, for a rerun to be checked against); ``kernel``: the path its runs took
    (Results.kernel), where known (else the one the scenarios take now, engine_record);
    ``started`` None where no start was given (a folder written from Python): ``ended``;
    ``inputs``: the digests of the files the runs read as the command held them
    (held_inputs, checked unchanged since), else read now: a file edited while the
    folder was written was recorded by its new digest, which the runs never read."""
    from . import __version__

    return {
        "refsim_version": __version__,
        "git_sha": git_sha(),
        "git_dirty": git_dirty(),
        "code_digest": code_digest(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": versions(),
        "command": runnable_command(command) if command is not None else runnable_command(sys.argv, api=True),
        "cwd": str(Path.cwd()),
        "started": (started or ended).isoformat(timespec="seconds"),
        "ended": ended.isoformat(timespec="seconds"),
        "scenarios": [s.model_dump(mode="json") for s in scenarios],
        "seeds": seeds,
        "engine": engine_record(scenarios, kernel),
        # the bytes of the files the runs read (an edge list): an edited graph.txt reproduced other numbers unseen
        **({"inputs": digests} if (digests := inputs if inputs is not None else
                                   input_digests(p for s in scenarios for p in scenario_files(s))) else {}),
        # the bytes of the tables written beside it: "same scenario and seed, identical outputs" was checkable only
        # by keeping both folders
        **({"outputs": written} if folder is not None and (written := output_digests(folder)) else {}),
        **(extra or {}),
    }


#: The files output_digests records: the numbers. Reports, figures and the decision commands' databases carry
#: times or library metadata, so two identical runs need not write them byte for byte.
DATA_SUFFIXES = (".csv", ".parquet")


def output_digests(folder: Path) -> dict[str, str]:
    """``{file name: SHA-256}`` of the data files (DATA_SUFFIXES) in ``folder``, sorted:
    a rerun of the manifest's command on its seeds writes the same bytes, whatever the
    worker count or executor, so ``sha256sum`` of a rerun's files checks it."""
    return {path.name: file_digest(path) for path in sorted(Path(folder).iterdir())
            if path.is_file() and path.suffix in DATA_SUFFIXES and not path.name.startswith(".")}


def engine_record(scenarios: list, kernel: bool | None = None) -> dict:
    """REFSIM_ENGINE as this process read it, and the path the listed scenarios ran on
    together: ``kernel`` where the runs said it (``simulate(..., kernel=False)`` was
    recorded as the kernel's), else kernel.common_path. The two paths draw differently
    for one seed, so a folder's numbers are reproduced on its path only (docs/model.md)."""
    from .kernel import common_path, engine_choice

    record = {"REFSIM_ENGINE": engine_choice()}
    if scenarios:
        record["path"] = "kernel" if (common_path(scenarios) if kernel is None else kernel) else "numpy"
    return record


def study_engine_record(designs: list, parameters) -> dict:
    """engine_record of a study (optimize, sensitivity): its runs take the path that the
    designs with every end of each range applied share (Evaluator.on_study_path), not
    the designs' alone, which recorded "kernel" for a study that ran on numpy."""
    from .parameters import engine_probes

    return engine_record(engine_probes(designs, parameters))


_CODE_DIGEST: list[str] = []


def code_digest() -> str:
    """SHA-256 of the simulator package's source files (their paths and bytes): the
    code that turns a seed into numbers. Two processes with the same digest give the
    same runs; the git SHA alone misses uncommitted changes and an installed copy."""
    if not _CODE_DIGEST:
        import hashlib

        root = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE_DIGEST.append(digest.hexdigest())
    return _CODE_DIGEST[0]


def scenario_files(scenario) -> list[Path]:
    """The files a validated scenario reads when it runs (its edge list; validation has
    made the path absolute). A study fingerprints their contents with
    :func:`input_digests`, so that a file changed between a kill and a resume is
    never mixed into the same study."""
    network = getattr(scenario, "network", None)
    if getattr(network, "kind", None) == "edgelist":
        return [Path(network.path)]
    return []


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes ("missing" when there is no file to read)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return "missing"
    return digest.hexdigest()


def input_digests(paths) -> dict[str, str]:
    """``{absolute path: SHA-256 of its bytes}`` of every file in ``paths``, sorted by path."""
    return {str(path): file_digest(Path(path)) for path in sorted({str(Path(p)) for p in paths})}


def held_inputs(scenarios) -> dict[str, str]:
    """The digests of the files ``scenarios`` read (their edge lists), taken as a command
    starts, for :func:`check_unchanged` before it writes."""
    return input_digests(p for s in scenarios for p in scenario_files(s))


def check_unchanged(before: dict[str, str], what: str = "this command") -> None:
    """One ScenarioError line where a file a command reads (``before``: its digests when
    the command started) changed while it ran: the runs that started after the change
    read the new file, and a folder of 10 replicates held 2 of one graph and 8 of
    another under a manifest giving the new file's digest alone. Nothing is written;
    a resumable study keeps its finished runs, and refuses the changed file on resume."""
    if (path := InputWatch(before).changed()) is not None:
        raise changed_while_running(path, what, "so its results would mix two networks, and none were written")


class InputWatch:
    """The files a study reads (``before``: their digests as it started), looked at as
    each batch of runs comes back: ``changed()`` names the first whose bytes differ from
    its digest at the first look, or that was written to since the last look (its mtime
    and size), so that a study keeps only the runs that finished before the change. A sweep looked only at the
    end: the runs made on a new edge list stayed in runs/, and with the old file put back
    a resume took all 800 as done, 552 of them made on the other network."""

    def __init__(self, before: dict[str, str]):
        self.digests = dict(before)
        self.stats: dict[str, tuple[int, int] | None] = {}   # none yet: the first look reads the bytes

    def changed(self) -> str | None:
        """The first file whose bytes differ from its digest, or that was written to since
        the last look (its mtime or size moved: runs may have read it half written, or
        another file in between, though its bytes are the old ones again)."""
        from .run_cache import _stat

        for path, digest in self.digests.items():
            now = _stat(path)
            if now is not None and now == self.stats.get(path):
                continue
            if path in self.stats:
                # written to since the last look: an export rewriting the same bytes, or a file put back, may have been
                # read in between (runs kept as done on another network, or failed on a half-written one)
                return path
            try:
                moved = now is None or file_digest(Path(path)) != digest
            except OSError:
                moved = True
            if moved:
                return path
            self.stats[path] = now
        return None


def changed_while_running(path: str, what: str, outcome: str, then: str = "run again", digest: str | None = None):
    """The ScenarioError for a file that changed while ``what`` ran (``outcome``: what
    was done about it; ``then``: what to do next); ``digest``: its bytes' digest as the
    command started, where a write since the last look counts (InputWatch): a file
    touched, or rewritten with the same bytes, was said to be "the new file" the runs read."""
    from .errors import ScenarioError

    if digest is not None and file_digest(Path(path)) == digest:
        return ScenarioError(f"written to while {what} ran: its bytes are the ones it started with, but a run may have "
                             f"read it while it was written or replaced, {outcome}; leave the file as it is while a "
                             f"command runs (a touch or a save counts), and {then}", file=path, key="network.path")
    return ScenarioError(f"changed while {what} ran: the runs that started after the change read the new file, "
                         f"{outcome}; leave the file as it is while a command runs (write a new one under another "
                         f"name), and {then}", file=path, key="network.path")
