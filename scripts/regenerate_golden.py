"""Regenerate (or check) the golden summaries of the default scenario, one per engine path.

    python scripts/regenerate_golden.py           # rewrite tests/golden/default_summary*.json
    python scripts/regenerate_golden.py --check   # compare only; list what moved; exit 1 if anything did

There is one file per path through a day (docs/model.md, "Two paths"):
default_summary.json for the compiled kernel, which runs the default scenario,
and default_summary_numpy.json for the numpy stages, the reference it is checked
against. The two paths draw differently, so their files differ by Monte Carlo
noise; each must stay put on its own.

The golden file holds, for scenarios/default.yaml with its own seed and 4
replicates (each with its no-program twin on the same seed): every run's seed
and summary metrics, every run's totals of the daily columns and its last
day's stocks, and the summary table (mean, 95% interval, outcome range).
Counts are stored as integers and must match exactly; other numbers are
floats and must match to a relative 1e-9 (summation order may differ in the
last bits between numpy builds, nothing more). tests/golden/README.md says how
to review a change of this file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "default.yaml"
GOLDEN = ROOT / "tests" / "golden" / "default_summary.json"
#: The golden file of each engine path (REFSIM_ENGINE).
GOLDENS = {"kernel": GOLDEN, "numpy": GOLDEN.with_name("default_summary_numpy.json")}
REPLICATES = 4
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-9  # for values that are zero up to rounding (e.g. a profit that nets to 0)

#: Run metrics that count people or days: compared exactly.
COUNT_METRICS = ("customers_final", "adopters", "referred_customers", "word_of_mouth_customers", "incremental_customers",
                 "budget_exhausted_day", "payback_day")
#: Keys of the file that describe how it was made and are not compared.
ABOUT = "_about"


def _number(value, count: bool):
    """JSON-ready: NaN becomes null, counts become int, everything else a float."""
    value = float(value)
    if math.isnan(value):
        return None
    if count:
        if value != round(value):
            raise ValueError(f"count {value!r} is not an integer")
        return int(round(value))
    return value


def golden_summary(path: str = "kernel") -> dict:
    """Simulate the default scenario on one engine path and collect what its golden file stores."""
    import os

    from simulator import __version__, load_scenario, simulate
    from simulator.metrics import COUNT_COLUMNS, DAILY_COLUMNS

    scenario = load_scenario(SCENARIO)
    before = os.environ.get("REFSIM_ENGINE")
    os.environ["REFSIM_ENGINE"] = path
    try:
        results = simulate(scenario, replicates=REPLICATES)
    finally:
        if before is None:
            del os.environ["REFSIM_ENGINE"]
        else:
            os.environ["REFSIM_ENGINE"] = before
    timeseries = results.timeseries
    stocks = ("prospects", "customers", "churned", "cumulative_profit")
    flows = [c for c in DAILY_COLUMNS if c not in stocks]
    runs = []
    for row in results.runs.to_dict("records"):
        daily = timeseries[timeseries["replicate"] == row["replicate"]]
        last = daily.iloc[-1]
        runs.append({
            "replicate": int(row["replicate"]),
            "seed": int(row["seed"]),
            "metrics": {k: _number(v, k in COUNT_METRICS) for k, v in row.items() if k not in ("scenario", "replicate", "seed")},
            "totals": {c: _number(daily[c].sum(), c in COUNT_COLUMNS) for c in flows},
            "last_day": {"day": int(last["day"]), **{c: _number(last[c], c in COUNT_COLUMNS) for c in stocks}},
        })
    summary = {}
    for row in results.summary.to_dict("records"):
        # means and interpolated percentiles of counts are not counts: floats
        summary[row["metric"]] = {k: _number(row[k], False) for k in ("mean", "ci_low", "ci_high", "p2_5", "p97_5")}
        summary[row["metric"]]["n"] = int(row["n"])
    return {
        ABOUT: {
            "what": f"scenarios/default.yaml, its seed, 4 replicates, the {path} path; regenerate with "
                    "scripts/regenerate_golden.py and review with tests/golden/README.md",
            "refsim": __version__, "numpy": np.__version__, "python": sys.version.split()[0],
            "pydantic": metadata.version("pydantic"),
        },
        "scenario": scenario.name,
        "seed": scenario.seed,
        "replicates": REPLICATES,
        "runs": runs,
        "summary": summary,
    }


def differences(expected, actual, path: str = "") -> list[str]:
    """Every place where ``actual`` departs from ``expected``: 'path: old -> new (relative change)'.

    Integers must be equal, floats equal to RELATIVE_TOLERANCE, nulls (NaN) null;
    keys under ``_about`` are ignored.
    """
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in sorted(set(expected) | set(actual), key=str):
            if key == ABOUT:
                continue
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                lines.append(f"{where}: missing now (was {expected[key]!r})")
            elif key not in expected:
                lines.append(f"{where}: new ({actual[key]!r})")
            else:
                lines.extend(differences(expected[key], actual[key], where))
        return lines
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} entries -> {len(actual)}"]
        return [line for i, (e, a) in enumerate(zip(expected, actual)) for line in differences(e, a, f"{path}[{i}]")]
    if isinstance(expected, bool) or isinstance(actual, bool) or isinstance(expected, str) or expected is None or actual is None:
        return [] if expected == actual else [f"{path}: {expected!r} -> {actual!r}"]
    if isinstance(expected, int) and isinstance(actual, int):
        return [] if expected == actual else [f"{path}: {expected} -> {actual} ({_relative(expected, actual)})"]
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE):
            return []
        return [f"{path}: {expected!r} -> {actual!r} ({_relative(expected, actual)})"]
    return [] if expected == actual else [f"{path}: {expected!r} -> {actual!r}"]


def _relative(old: float, new: float) -> str:
    return f"{(new - old) / abs(old):+.3%}" if old else "from zero"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file; write nothing")
    args = parser.parse_args(argv)
    status = 0
    for path, golden in GOLDENS.items():
        current = golden_summary(path)
        name = golden.relative_to(ROOT)
        if args.check:
            stored = json.loads(golden.read_text(encoding="utf-8"))
            moved = differences(stored, current)
            print("\n".join(f"{name}: {line}" for line in moved) if moved else f"{name}: unchanged")
            status |= bool(moved)
            continue
        old = json.loads(golden.read_text(encoding="utf-8")) if golden.exists() else None
        golden.parent.mkdir(parents=True, exist_ok=True)
        temp = golden.with_suffix(".json.tmp")
        temp.write_text(json.dumps(current, indent=1) + "\n", encoding="utf-8")
        temp.replace(golden)
        if old is not None:
            moved = differences(old, current)
            print("\n".join(f"{name}: {line}" for line in moved) if moved else f"{name}: no value changed")
        print(f"wrote {name}")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
