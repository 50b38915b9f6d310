"""Finished runs of a study kept on disk while it runs, so that an interrupted
``refsim sensitivity`` or ``refsim calibrate``, rerun into the same ``--out`` folder,
reads them back instead of running them again.

A run is known by what decides its numbers (:meth:`RunCache.keys`): the scenario as
validated, its seed, the metrics asked, whether its no-program twin and its daily
table were asked, the engine path, the bytes of every file it reads and the
simulator's code (provenance.code_digest). Two runs with the same key give the same
numbers, so a kept run *is* the run: a study resumed from kept runs writes what the
uninterrupted study writes, and a rerun with other settings reuses the runs both
share and runs the rest.

The runs live in ``.<out name>.runs/`` beside the results folder, which is written
whole at the end as before (results.ResultsFolder); each part file is a ``.npz``
written whole (results.atomic_write: temporary file, then rename), so a kill loses at most the runs
finished since the last part, a few seconds' worth. The folder is removed once the
results folder is in place.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .errors import ScenarioError

#: A part file of a run cache, its number in group 1.
CACHE_PART = re.compile(r"runs-(\d+)\.npz")
#: Kept runs are written to disk after this many runs, or this many seconds.
FLUSH_RUNS = 500
FLUSH_SECONDS = 5.0


def cache_folder(target: Path) -> Path:
    """Where a study writing the results folder ``target`` keeps its finished runs."""
    target = Path(target)
    return target.parent / f".{target.name}.runs"


class RunCache:
    """The finished runs of a study, by key (module docstring), in ``folder``."""

    def __init__(self, folder: Path):
        from .provenance import code_digest

        self.path = Path(folder)
        self.path.mkdir(parents=True, exist_ok=True)
        for leftover in self.path.glob(".*.tmp"):   # a write cut short by a kill
            leftover.unlink(missing_ok=True)
        self.code = code_digest()
        self._runs: dict[str, dict[str, Any]] = {}
        self.other_code = 0     # runs kept by another version of refsim: not reused
        self.read_back = 0      # runs an interrupted study kept, handed out instead of run (the manifest records it)
        self._from_disk: set[str] = set()   # their keys, each counted once
        numbers = [0]
        for part in sorted(self.path.glob("runs-*.npz")):
            match = CACHE_PART.fullmatch(part.name)
            if match is None:
                raise ScenarioError(f"{part.name} is not a file a study writes (runs-NNNNNN.npz); remove it from "
                                    f"{self.path} and rerun the same command", file=str(self.path), key="--out")
            numbers.append(int(match[1]))
            self._read(part)
        self._next = max(numbers) + 1
        self._pending: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
        self._written = time.monotonic()
        from .provenance import InputWatch

        self._watch = InputWatch({})   # the files the runs read: their digests, and (mtime, size) when last looked at

    def hold(self, digests: dict[str, str]) -> None:
        """The digests of the files the study reads as it started (provenance.held_inputs),
        so that its runs are keyed, and checked (:meth:`put`), against the files validation read."""
        self._watch.digests.update(digests)

    def study_seed(self, given: int | None) -> tuple[int, bool]:
        """The study's seed and whether it is one an interrupted study drew: ``given`` when
        a seed was given, else the one drawn by the study that kept these runs (its runs
        are keyed by it: a fresh draw on resume reused none of them), else a fresh draw,
        recorded here for a resume."""
        from .results import atomic_write_text
        from .rng import draw_seed

        if given is not None:
            return int(given), False
        recorded = self.path / "drawn_seed"
        try:
            return int(recorded.read_text().strip()), True
        except (OSError, ValueError):
            seed = draw_seed()
            atomic_write_text(recorded, f"{seed}\n")
            return seed, False

    def __len__(self) -> int:
        """How many runs are kept (on disk or about to be)."""
        return len(self._runs)

    def keys(self, requests: Sequence) -> list[str]:
        """The key of each evaluation.RunRequest: SHA-256 of what decides its numbers."""
        from .provenance import scenario_files

        scenarios: dict[int, str] = {}   # a study asks for each scenario on several seeds: dumped once
        keys = []
        for request in requests:
            scenario = request.scenario
            if id(scenario) not in scenarios:
                files = {str(path): self._digest(path) for path in scenario_files(scenario)}
                scenarios[id(scenario)] = json.dumps([scenario.model_dump(mode="json"), files], sort_keys=True,
                                                     default=str)
            text = json.dumps([self.code, scenarios[id(scenario)], int(request.seed), list(request.metrics),
                               bool(request.baseline), bool(request.daily), request.kernel])
            keys.append(hashlib.sha256(text.encode()).hexdigest())
        return keys

    def _digest(self, path: Path) -> str:
        """A file's SHA-256, read once per study (one changed between a kill and a resume
        gives other keys; one changed while the study runs is refused by :meth:`put`)."""
        from .provenance import file_digest

        digests = self._watch.digests
        if str(path) not in digests:
            self._watch.stats[str(path)] = _stat(path)
            digests[str(path)] = file_digest(Path(path))
        return digests[str(path)]

    def _check_files(self) -> None:
        """A ScenarioError where a file the study reads no longer has its digest: the run
        just finished may have read the new file, and a study of 200 runs went on to mix
        two networks in one result. A file's (mtime, size) is looked at after each run: one
        that moved since the file was last looked at stops the study, though its bytes may
        be the old ones again (a graph put in and taken out, an export rewriting the same
        bytes), as the run just finished may have read something else in between; at the
        first look (digests held from validation) its bytes are read against the digest."""
        from .provenance import changed_while_running

        if (path := self._watch.changed()) is not None:
            # the kept runs are the old file's: 'rerun to resume' with the new one read none back
            raise changed_while_running(path, "the study", "so the study stopped, keeping the runs it finished "
                                        "before the change", then="rerun the same command: with the file as it "
                                        "was, it resumes from them; with the new one, every run runs again",
                                        digest=self._watch.digests.get(path))

    def get(self, key: str) -> dict[str, Any] | None:
        """The values a kept run returned (a fresh copy), or None."""
        values = self._runs.get(key)
        if values is None:
            return None
        if key in self._from_disk:   # not a run this study made and asks again (the tornado's, a Sobol point's)
            self._from_disk.discard(key)
            self.read_back += 1
        return fresh_copy(values)

    def put(self, key: str, metrics: Sequence[str], values: dict[str, Any]) -> None:
        """Keep a finished run; written to disk with the next part (:meth:`flush`). A run
        finished after a file the study reads changed is refused (:meth:`_check_files`)."""
        self._check_files()
        self._runs[key] = values
        self._pending.append((key, tuple(metrics), values))
        if len(self._pending) >= FLUSH_RUNS or time.monotonic() - self._written >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the runs kept since the last part, one part file per kind of run."""
        groups: dict[tuple, list[tuple[str, dict[str, Any]]]] = {}
        for key, metrics, values in self._pending:
            groups.setdefault((metrics, "daily" in values), []).append((key, values))
        for (metrics, daily), runs in groups.items():
            arrays = {"code": np.array(self.code), "keys": np.array([key for key, _ in runs]),
                      "metrics": np.array(metrics, dtype=str),
                      "values": np.array([[values[m] for m in metrics] for _, values in runs], dtype=float)
                      .reshape(len(runs), len(metrics))}
            if daily:
                tables = [np.asarray(values["daily"], dtype=float) for _, values in runs]
                arrays["daily_rows"] = np.array([len(t) for t in tables], dtype=np.int64)
                arrays["daily"] = np.concatenate(tables)
            self._write(arrays)
        self._pending.clear()
        self._written = time.monotonic()

    def _write(self, arrays: dict[str, np.ndarray]) -> None:
        from .results import atomic_write

        def save(temporary: Path) -> None:
            with open(temporary, "wb") as handle:   # a file object: np.savez given a path adds ".npz" to it
                np.savez(handle, **arrays)

        atomic_write(self.path / f"runs-{self._next:06d}.npz", save, durable=True)
        self._next += 1

    def _read(self, part: Path) -> None:
        try:
            with np.load(part, allow_pickle=False) as data:
                if str(data["code"]) != self.code:
                    self.other_code += len(data["keys"])
                    return
                keys, metrics, values = data["keys"], [str(m) for m in data["metrics"]], data["values"]
                tables = (np.split(data["daily"], np.cumsum(data["daily_rows"])[:-1])
                          if "daily" in data.files else None)
        except Exception as error:   # cut, emptied or not ours: zipfile's BadZipFile, an EOFError, numpy's ValueError
            raise ScenarioError(f"{part.name} cannot be read ({type(error).__name__}); remove it from {self.path} (its "
                                f"runs run again) and rerun the same command", file=str(self.path), key="--out") from None
        for i, key in enumerate(keys):
            run: dict[str, Any] = {m: float(values[i, j]) for j, m in enumerate(metrics)}
            if tables is not None:
                run["daily"] = tables[i]
            self._runs[str(key)] = run
            self._from_disk.add(str(key))


def _stat(path) -> tuple[int, int] | None:
    """A file's (mtime in ns, size), None where it cannot be read."""
    try:
        status = Path(path).stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def fresh_copy(values: dict[str, Any]) -> dict[str, Any]:
    """A run's values with its arrays (the daily table) copied: a caller changing one
    result changes no other."""
    return {name: value.copy() if isinstance(value, np.ndarray) else value for name, value in values.items()}


@contextmanager
def kept_runs(target: Path) -> Iterator[RunCache]:
    """The run cache of a study writing the results folder ``target``, locked against a
    second study of any kind into the same folder; removed once the study has
    finished (the body ran to its end), kept when it was interrupted or failed. Staging
    folders a killed study left beside ``target`` are removed."""
    from .results import StudyLock

    folder = cache_folder(target)
    made_parent = not folder.parent.exists()   # the default results/ of a first study
    nothing_kept = False
    try:
        # one lock whatever the kind: a calibrate into a sensitivity's running folder read its runs as its own, and
        # the sensitivity's end removed the calibrate's
        with StudyLock(folder, "study"):
            for staging in Path(target).parent.glob(f".{Path(target).name}.*.partial"):
                # left by a SIGKILL while a study wrote its folder (calibrate's stages its pyabc database from the
                # start): the lock says no study into this --out is running
                shutil.rmtree(staging, ignore_errors=True)
            cache = RunCache(folder)
            try:
                yield cache
            except BaseException:
                cache.flush()
                nothing_kept = not any(folder.glob("runs-*.npz"))
                raise
            cache.flush()
    finally:
        if nothing_kept:   # a mistake found before any run finished leaves no folder behind
            shutil.rmtree(folder, ignore_errors=True)
            if made_parent:   # nor an empty results/ made for it
                try:
                    folder.parent.rmdir()
                except OSError:   # something else was written there meanwhile
                    pass
    shutil.rmtree(folder, ignore_errors=True)


__all__ = ["RunCache", "cache_folder", "fresh_copy", "kept_runs"]
