"""Which summary statistics should `refsim calibrate` fit a pilot by? Every candidate
summary and distance on the same bank of prior-predictive simulations, as rejection
ABC at an equal budget: for each held-out pilot (a bank draw, its truth known), the k
simulations nearest to it are its posterior sample, and the 90% interval of each
parameter is checked for the truth (coverage) and measured as a share of the prior
range on the prior's own scale (width). The method that narrows the intervals most at
the same coverage is the better default.

    python bench/calibrate_summaries.py            # 3,000 simulations, 100 pilots per setting (a few minutes)
    python bench/calibrate_summaries.py --full     # 5,800 and 200, the figures of bench/RESULTS_decide.md
    python bench/calibrate_summaries.py --fits 8   # and 8 real ABC-SMC fits per method (about 10 minutes)

Settings: scenarios/default.yaml; P1 fits program.base_share=0.05:0.5, P2 adds
acquisition.organic_rate=0.000005:0.00008:log (new_organic speaks to it); pilots of 21
and 60 days of new_organic, new_referred, shares and asks. One process, fixed seeds.
Methods: a) sqrt sums over 7-day bins (the old default); b) sqrt totals (the default
now); c) sqrt sums over halves or thirds of the pilot; d) a) to c) scaled by each
statistic's median absolute deviation over the bank (pyabc's AdaptivePNormDistance);
e) totals plus log ratios shares/asks and referred/shares, scaled.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = {"P1": ["program.base_share=0.05:0.5"],
        "P2": ["program.base_share=0.05:0.5", "acquisition.organic_rate=0.000005:0.00008:log"]}
DAYS = (21, 60)
NEAREST = (50, 100, 200)


def bank(name: str, size: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``size`` simulations of 60 days with parameters drawn from the prior (unit scale):
    (units, daily counts [draw, day, column], keys). A 21-day pilot is the first 22 rows."""
    from simulator.calibrate import DEFAULT_COLUMNS, pilot_scenario
    from simulator.evaluation import Evaluator
    from simulator.metrics import COLUMN_INDEX
    from simulator.parameters import parse_parameters
    from simulator.rng import replicate_seeds, stream_seed
    from simulator.scenario_io import load_scenario

    base = load_scenario(ROOT / "scenarios" / "default.yaml")
    parameters = parse_parameters(SETS[name], base, source="--fit")
    units = np.random.Generator(np.random.PCG64([2026, 1, len(name), ord(name[1])])).random((size, len(parameters)))
    seeds = replicate_seeds(stream_seed(2026 + ord(name[1]), "coverage pilots"), size)
    evaluate, columns = Evaluator(), [COLUMN_INDEX[c] for c in DEFAULT_COLUMNS]
    counts = np.empty((size, 61, len(columns)))
    for i in range(size):
        values = {p.key: p.from_unit(u) for p, u in zip(parameters, units[i])}
        counts[i] = evaluate([pilot_scenario(base, values, parameters, 60)], [seeds[i]], [], daily=True)[0]["daily"][:, columns]
    return units, counts, [p.key for p in parameters]


def bins(c: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([np.sqrt(c[:, s:s + size].sum(1)) for s in range(0, c.shape[1], size)], axis=1)


def parts(c: np.ndarray, k: int) -> np.ndarray:
    return np.concatenate([np.sqrt(p.sum(1)) for p in np.array_split(c, k, axis=1)], axis=1)


def ratios(c: np.ndarray) -> np.ndarray:
    t = c.sum(1)   # columns: new_organic, new_referred, shares, asks
    return np.stack([np.log((t[:, 2] + .5) / (t[:, 3] + .5)), np.log((t[:, 1] + .5) / (t[:, 2] + .5))], axis=1)


def mad(x: np.ndarray) -> np.ndarray:
    m = np.median(np.abs(x - np.median(x, 0)), 0)
    return np.where(m > 1e-12, m, np.inf)   # as pyabc: a statistic without spread gets weight 0


METHODS = {
    "a weekly": (lambda c: bins(c, 7), False),
    "b total": (lambda c: parts(c, 1), False),
    "c halves": (lambda c: parts(c, 2), False),
    "c thirds": (lambda c: parts(c, 3), False),
    "d weekly, scaled": (lambda c: bins(c, 7), True),
    "d total, scaled": (lambda c: parts(c, 1), True),
    "e total+ratios, scaled": (lambda c: np.concatenate([parts(c, 1), ratios(c)], 1), True),
}


def compare(units: np.ndarray, counts: np.ndarray, keys: list[str], days: int, pilots: int) -> pd.DataFrame:
    rows = []
    counts = counts[:, :days + 1]
    for k, (method, (summary, scaled)) in itertools.product(NEAREST, METHODS.items()):
        stats = summary(counts)
        weight = 1 / mad(stats[pilots:]) if scaled else np.ones(stats.shape[1])
        reference, drawn = stats[pilots:] * weight, units[pilots:]
        for i in range(pilots):
            distance = np.sqrt(((reference - stats[i] * weight) ** 2).sum(1))
            near = np.argpartition(distance, k)[:k]
            for j, key in enumerate(keys):
                low, high = np.quantile(drawn[near, j], [.05, .95])
                rows.append({"days": days, "k": k, "method": method, "parameter": key,
                             "covered": low <= units[i, j] <= high, "width": high - low})
    return pd.DataFrame(rows)


def fits(pilots: int) -> pd.DataFrame:
    """Real fits (``calibrate``, ABC-SMC, 100 particles, at most 6 generations, the default
    stops) of ``pilots`` 60-day P1 pilots with truths from the prior, by weekly bins
    (``bin_days`` 7) and by totals (the default), on the same pilots and fit seeds."""
    from simulator.calibrate import DEFAULT_COLUMNS, CalibrationSettings, calibrate, pilot_scenario
    from simulator.evaluation import Evaluator
    from simulator.metrics import COLUMN_INDEX
    from simulator.parameters import parse_parameters
    from simulator.rng import replicate_seeds, stream_seed
    from simulator.scenario_io import load_scenario

    base = load_scenario(ROOT / "scenarios" / "default.yaml")
    parameters = parse_parameters(SETS["P1"], base, source="--fit")
    truths = np.random.Generator(np.random.PCG64(stream_seed(71, "coverage truths"))).random((pilots, len(parameters)))
    seeds, evaluate, rows = replicate_seeds(stream_seed(71, "coverage pilots"), pilots), Evaluator(), []
    for i in range(pilots):
        truth = {p.key: p.from_unit(u) for p, u in zip(parameters, truths[i])}
        daily = evaluate([pilot_scenario(base, truth, parameters, 60)], [seeds[i]], [], daily=True)[0]["daily"]
        pilot = pd.DataFrame(daily[:, [COLUMN_INDEX[c] for c in DEFAULT_COLUMNS]], columns=list(DEFAULT_COLUMNS))
        for method, bin_days in (("a weekly", 7), ("b total", None)):
            start = time.perf_counter()
            fit = calibrate(base, pilot, parameters, seed=stream_seed(71, "coverage fits", i), evaluate=evaluate,
                            settings=CalibrationSettings(population_size=100, generations=6, bin_days=bin_days))
            row = fit.intervals.iloc[0]
            p = parameters[0]
            rows.append({"method": method, "covered": row["low"] <= truth[p.key] <= row["high"],
                         "width": (row["high"] - row["low"]) / (p.high - p.low), "simulations": fit.simulations,
                         "generations": len(fit.generations), "seconds": time.perf_counter() - start})
            print(f"pilot {i} {method}: {rows[-1]['simulations']} simulations, {rows[-1]['seconds']:.0f} s", flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="5,800 simulations and 200 pilots per setting")
    parser.add_argument("--fits", type=int, default=0, metavar="N",
                        help="also N real fits of 60-day pilots (weekly bins against totals; about 40 s a fit)")
    args = parser.parse_args()
    if args.fits:
        table = fits(args.fits).groupby("method").agg(pilots=("covered", "size"), coverage=("covered", "mean"),
                                                      width=("width", "mean"), simulations=("simulations", "mean"),
                                                      generations=("generations", "mean"), seconds=("seconds", "mean"))
        print(table.round(3).to_string())
    size, pilots = (5800, 200) if args.full else (3000, 100)
    frames = []
    for name in SETS:
        start = time.perf_counter()
        units, counts, keys = bank(name, size)
        print(f"{name}: {size} simulations in {time.perf_counter() - start:.0f} s", flush=True)
        for days in DAYS:
            frames.append(compare(units, counts, keys, days, pilots).assign(setting=f"{name} {days}d"))
    table = (pd.concat(frames).groupby(["setting", "parameter", "method"], sort=False)
             .agg(coverage=("covered", "mean"), width=("width", "mean")).round(3))
    print(f"coverage / width of the 90% interval (share of the prior range on its own scale), {pilots} pilots, "
          f"k = {', '.join(map(str, NEAREST))} nearest pooled")
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.to_string())


if __name__ == "__main__":
    main()
