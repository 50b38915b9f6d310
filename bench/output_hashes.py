"""A guard for changes that must not change any output: every scenarios/*.yaml through
``simulate`` (3 replicates with their twins, the people table of replicate 0, at most
120 days) on both paths, one SHA-256 per output table.

    python bench/output_hashes.py write hashes.json    # before a change
    python bench/output_hashes.py check hashes.json    # after it: exit 1 on any difference

Each path runs in a child process with REFSIM_ENGINE set, so the choice is made as a
user's run makes it. A refactoring of the engine, the runner or the metrics that is
meant to be pure passes only if every table hashes alike, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("numpy", "kernel")
REPLICATES, MAX_DAYS = 3, 120
TABLES = ("timeseries", "runs", "summary", "people", "baseline_timeseries", "k_by_month")


def table_hash(frame) -> str | None:
    """Columns, dtypes and every value (NaN included) of a table, hashed."""
    if frame is None:
        return None
    import pandas as pd

    digest = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def child() -> dict:
    sys.path.insert(0, str(ROOT))
    from simulator import load_scenario, simulate
    from simulator.kernel import unsupported

    out = {}
    kernel = os.environ.get("REFSIM_ENGINE") == "kernel"
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        scenario = scenario.model_copy(update={"days": min(scenario.days, MAX_DAYS)})
        if kernel and (lever := unsupported(scenario)) is not None:
            # REFSIM_ENGINE=kernel refuses a lever the kernel does not run (b2b-account-managers' targeting): that
            # scenario has no kernel tables to hash, which the file records
            out[path.name] = {name: f"not on the kernel ({lever})" for name in TABLES}
            continue
        results = simulate(scenario, replicates=REPLICATES, seed=12345)
        out[path.name] = {name: table_hash(getattr(results, name)) for name in TABLES}
    return out


def collect() -> dict:
    everything = {}
    for path in PATHS:
        env = {**os.environ, "REFSIM_ENGINE": path, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, __file__, "child"], env=env, capture_output=True, text=True)
        if done.returncode != 0:   # the child's own error, not only "returned non-zero exit status 1"
            sys.exit(f"the {path} child failed:\n{done.stderr.strip()}")
        everything[path] = json.loads(done.stdout.strip().splitlines()[-1])
    return everything


def main(argv: list[str]) -> int:
    if argv[:1] == ["child"]:
        print(json.dumps(child()))
        return 0
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print(__doc__)
        return 2
    now = collect()
    target = Path(argv[1])
    if argv[0] == "write":
        target.write_text(json.dumps(now, indent=1, sort_keys=True))
        print(f"{sum(len(v) for v in now.values())} scenario runs hashed into {target}")
        return 0
    before = json.loads(target.read_text())
    differ = [f"{path} {name} {table}" for path in before for name in before[path]
              for table in TABLES if before[path][name][table] != now.get(path, {}).get(name, {}).get(table)]
    for line in differ:
        print("DIFFERS:", line)
    print("identical" if not differ else f"{len(differ)} tables differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
