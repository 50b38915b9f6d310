"""Do the compiled kernel (simulator/kernel.py) and the numpy path agree in distribution?

    python bench/kernel_agreement.py                    # 200 replicates per path and case; prints the table
    python bench/kernel_agreement.py --replicates 500   # more power
    python bench/kernel_agreement.py --write            # also rewrites the block in docs/validation.md

The kernel draws per event and the numpy path per vector, so the same seed gives
different runs on the two paths: they can only agree in distribution. For each
case below, ``replicates`` runs on each path (one graph per case, shared by every
run: shared_network; independent seeds: run_seed(seed, path, replicate)) give one
sample per path of each statistic in STATISTICS, and a two-sample
Kolmogorov-Smirnov test (scipy.stats.ks_2samp) compares them.

Tolerance: Bonferroni over every comparison made (cases x statistics, including
those of cases the kernel cannot run): a single comparison fails when its
p-value is below FAMILY_ALPHA / m, so a kernel that agrees fails any of them with
probability at most FAMILY_ALPHA = 1% (the seeds are fixed, so a given kernel
passes or fails deterministically). KS on counts with ties is conservative (its
p-values are too large), which errs towards passing; the power check guards
against a test too weak to see anything: the kernel running the default case
with base_share raised by 20% must fail the same comparison.

tests/validation/test_kernel_agreement.py runs these comparisons (imported from
this file by path, as bench/ is not a package) at 200 replicates.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # one thread, as the other benchmarks (not when a test imports this file)
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the simulator of this tree, not an installed one

from simulator import load_scenario  # noqa: E402
from simulator.config import Scenario  # noqa: E402
from simulator.metrics import COLUMN_INDEX  # noqa: E402
from simulator.rng import run_seed  # noqa: E402

SCENARIOS = ROOT / "scenarios"
DOC = ROOT / "docs" / "validation.md"
BEGIN = "<!-- kernel-agreement -->"
END = "<!-- /kernel-agreement -->"

FAMILY_ALPHA = 0.01
REPLICATES = 200
#: run_seed's "point" per sample, so no two samples share a seed
NUMPY, KERNEL, KERNEL_PERTURBED = 0, 1, 2
#: the power check: base_share of the default case times this
PERTURBATION = 1.2


@dataclass(frozen=True)
class Case:
    """A library scenario, shortened where a full run would make 400 runs too dear."""

    key: str
    file: str
    overrides: tuple[str, ...]
    why: str
    required: bool  # the kernel must run it (issue 15); otherwise skipped with unsupported()'s reason

    def scenario(self, extra: tuple[str, ...] = ()) -> Scenario:
        return load_scenario(SCENARIOS / self.file, [*self.overrides, *extra])


CASES: tuple[Case, ...] = (
    Case("default", "default.yaml", ("population.size=5000", "days=180"),
         "the default program on 5,000 people (its 200 initial customers kept) for 180 days: the numpy path "
         "costs about a millisecond a day whatever the size, so 200 full runs (20,000 people, 365 days) would "
         "take minutes on their own; 180 days still cover onboarding asks, reminders, qualification (30 days), "
         "the conversion lag (30 days) and months of churn", True),
    Case("cascade", "independent-cascade.yaml", ("days=30",),
         "the cascade reduction on the bundled 1,000-person graph; every cascade is over by about day 10", True),
    Case("viral", "viral.yaml", ("days=90",),
         "300 people for 90 days (of 120: the network is full by then), asked at purchase with three reminders: the network fills, so saturation, "
         "reminder fatigue and running out of prospects are exercised", False),
    Case("budget", "budget-capped-campaign.yaml", ("population.size=3000", "program.incentive.budget=240", "days=150"),
         "campaign asks on days 30 and 90 on 3,000 people with a reward budget that runs out (about day 120) "
         "in most runs but not all", False),
    Case("monthly", "monthly-allowance.yaml", ("population.size=3000", "program.incentive.budget_per_month=20",
                                                "days=200"),
         "the double-sided credit on 3,000 people for 200 days within $20 of rewards a month, about half of what "
         "it would spend: the reward pauses most months, and the rewards it could not pay wait for the next", False),
    Case("b2b", "b2b-organization.yaml", ("population.size=2000", "days=400", "churn.renewal.every_days=180",
                                          "churn.renewal.notice_days=30"),
         "the B2B organization reward on 2,000 people for 400 days: milestone asks, the sales-pipeline conversion "
         "lag, a business audience's reward weights, and contracts that end only on renewal dates (every 180 "
         "days, 30 days' notice, so that two renewals fall within the horizon)", False),
    Case("no-program", "no-program.yaml", ("population.size=3000", "days=90"),
         "organic adoption and unprompted word of mouth only, on 3,000 people for 90 days: the no-program twin "
         "of every design", False),
    Case("first-deposit", "double-sided-credit.yaml", ("population.size=5000", "days=180",
                                                       "program.incentive.qualifying_share=0.4",
                                                       "program.incentive.paid_on=signup"),
         "the double-sided credit paid on signup on 5,000 people for 180 days, where only 40% of referral sign-ups "
         "ever qualify (a first deposit): 1.5 sign-ups who never do beside each referred customer, each paid as a "
         "referral is, which the profit statistics see", False),
)


def _column(name: str) -> int:
    return COLUMN_INDEX[name]


def _total(name: str) -> Callable[[np.ndarray], float]:
    col = _column(name)
    return lambda daily: float(daily[:, col].sum())


def _last(name: str) -> Callable[[np.ndarray], float]:
    col = _column(name)
    return lambda daily: float(daily[-1, col])


def _on_day(name: str, fraction: float) -> Callable[[np.ndarray], float]:
    col = _column(name)
    return lambda daily: float(daily[max(1, round((len(daily) - 1) * fraction)), col])


def _mean_over_days(name: str) -> Callable[[np.ndarray], float]:
    col = _column(name)
    return lambda daily: float(daily[1:, col].mean())


#: statistic -> (what it is, how it is read from a run's daily table; row d is day d, row 0 the seeding)
STATISTICS: dict[str, tuple[str, Callable[[np.ndarray], float]]] = {
    "customers_final": ("active customers on the last day", _last("customers")),
    "new_referred": ("tracked referred adoptions, all days", _total("new_referred")),
    "new_organic": ("organic adoptions, all days", _total("new_organic")),
    "shares": ("shares, asked and spontaneous, all days", _total("shares")),
    "asks": ("asks, all days", _total("asks")),
    "invites": ("invitations, all days", _total("invites")),
    "churned": ("churned by the last day", _last("churned")),
    "cumulative_profit": ("cumulative profit on the last day", _last("cumulative_profit")),
    "customers@10%": ("active customers after 10% of the horizon", _on_day("customers", 0.1)),
    "customers@25%": ("active customers after a quarter of the horizon", _on_day("customers", 0.25)),
    "customers@50%": ("active customers half-way", _on_day("customers", 0.5)),
    "mean customers/day": ("active customers, mean over the days", _mean_over_days("customers")),
    "mean new_referred/day": ("tracked referred adoptions, mean over the days", _mean_over_days("new_referred")),
    "mean shares/day": ("shares, mean over the days", _mean_over_days("shares")),
    "mean profit/day": ("profit, mean over the days", _mean_over_days("profit")),
}

#: comparisons in the family: every case's every statistic (the power check is not one: it must fail)
COMPARISONS = len(CASES) * len(STATISTICS)
LEVEL = FAMILY_ALPHA / COMPARISONS


def statistics(daily: np.ndarray) -> np.ndarray:
    """One run's statistics, in STATISTICS order."""
    return np.array([read(daily) for _what, read in STATISTICS.values()])


def shared_network(scenario: Scenario):
    """The one graph every run of a case uses, on both paths: built as
    ``Engine(scenario, scenario.seed)`` would build it.

    Network generation is code the two paths share, not part of either; holding
    the graph fixed takes its variance out of both samples (the comparison is of
    the day-by-day dynamics, more sharply) and its cost out of every run."""
    from simulator.network import build_network
    from simulator.rng import Streams

    streams = Streams(scenario.seed)
    return build_network(scenario.network, scenario.population.size, streams("network"), streams("ties"),
                         base_dir=SCENARIOS)


def run_sample(scenario: Scenario, *, kernel: bool, point: int, replicates: int) -> np.ndarray:
    """``replicates`` runs on one path, on the case's shared network: a (replicates,
    statistics) array.

    Seeds are run_seed(scenario seed, point, r): distinct per replicate and per
    sample, so the two samples a KS test compares are independent given the graph
    (the same seed on both paths would share the satisfaction, fraud and organic
    draws, correlate the samples and weaken the test)."""
    from simulator.engine import Engine

    network = shared_network(scenario)
    rows = []
    for r in range(replicates):
        engine = Engine(scenario, run_seed(scenario.seed, point, r), network=network, kernel=kernel)
        # a kernel that quietly fell back to numpy would agree trivially
        if bool(engine.uses_kernel) != kernel:
            raise AssertionError(f"Engine(kernel={kernel}) ran with uses_kernel={engine.uses_kernel}")
        engine.run()
        rows.append(statistics(engine.daily))
    return np.array(rows)


@dataclass(frozen=True)
class Comparison:
    case: str
    statistic: str
    d: float
    p: float
    numpy_mean: float
    numpy_se: float
    kernel_mean: float
    kernel_se: float

    @property
    def agrees(self) -> bool:
        return self.p >= LEVEL


def compare(case: str, numpy_sample: np.ndarray, kernel_sample: np.ndarray) -> list[Comparison]:
    """Two-sample KS per statistic (two-sided, scipy's exact/asymptotic choice)."""
    from scipy.stats import ks_2samp

    out = []
    for j, name in enumerate(STATISTICS):
        a, b = numpy_sample[:, j], kernel_sample[:, j]
        if np.array_equal(np.unique(a), np.unique(b)) and len(np.unique(a)) == 1:
            d, p = 0.0, 1.0  # both constant and equal (e.g. no churn in the cascade): ks_2samp agrees, without warnings
        else:
            result = ks_2samp(a, b)
            d, p = float(result.statistic), float(result.pvalue)
        out.append(Comparison(case, name, d, p, float(a.mean()), _se(a), float(b.mean()), _se(b)))
    return out


def _se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan


def unsupported(scenario: Scenario) -> str | None:
    from simulator.kernel import unsupported as why

    return why(scenario)


def power_check(numpy_default: np.ndarray, replicates: int) -> list[Comparison]:
    """The default case on the kernel with base_share x PERTURBATION against the numpy
    default: the harness must reject (some p-value below LEVEL), or it could not see
    a kernel that is 20% off in the share decision."""
    case = CASES[0]
    base = case.scenario()
    raised = case.scenario((f"program.base_share={base.program.base_share * PERTURBATION:.6g}",))
    sample = run_sample(raised, kernel=True, point=KERNEL_PERTURBED, replicates=replicates)
    return compare(f"{case.key}, kernel base_share x{PERTURBATION:g}", numpy_default, sample)


# --------------------------------------------------------------------------- report


def _fmt(mean: float, se: float) -> str:
    digits = 0 if abs(mean) >= 100 else 2
    return f"{mean:,.{digits}f} ± {se:,.{digits}f}"


def table(rows: list[Comparison]) -> list[str]:
    lines = ["| scenario | statistic | KS D | p-value | numpy mean ± se | kernel mean ± se | verdict |",
             "|---|---|---|---|---|---|---|"]
    for c in rows:
        verdict = "agree" if c.agrees else "**differ**"
        lines.append(f"| {c.case} | {c.statistic} | {c.d:.3f} | {c.p:.3g} | {_fmt(c.numpy_mean, c.numpy_se)} | "
                     f"{_fmt(c.kernel_mean, c.kernel_se)} | {verdict} |")
    return lines


def write_block(lines: list[str], out: Path = DOC) -> None:
    """Replace the marked block of ``out`` (temp file + rename, so a reader never sees half)."""
    text = out.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{out}: the markers {BEGIN} ... {END} are missing; add them where the table belongs")
    block = "\n".join([BEGIN, *lines, END])
    text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="KS agreement of the compiled kernel and the numpy path")
    parser.add_argument("--replicates", type=int, default=REPLICATES, help="runs per path and case (default 200)")
    parser.add_argument("--write", action="store_true", help=f"rewrite the {BEGIN} block of docs/validation.md")
    parser.add_argument("--cases", nargs="*", choices=[c.key for c in CASES], help="a subset of the cases")
    args = parser.parse_args(argv)
    if args.replicates < 2:
        parser.error("--replicates: at least 2")
    started, cpu = time.perf_counter(), time.process_time()
    rows: list[Comparison] = []
    skipped: list[str] = []
    numpy_default = None
    for case in CASES:
        if args.cases and case.key not in args.cases:
            continue
        scenario = case.scenario()
        reason = unsupported(scenario)
        if reason is not None:
            skipped.append(f"{case.key} ({case.file}): not run by the kernel yet ({reason})")
            print(f"{case.key}: skipped, {reason}", flush=True)
            continue
        t = time.perf_counter()
        numpy_sample = run_sample(scenario, kernel=False, point=NUMPY, replicates=args.replicates)
        t_numpy = time.perf_counter() - t
        t = time.perf_counter()
        kernel_sample = run_sample(scenario, kernel=True, point=KERNEL, replicates=args.replicates)
        t_kernel = time.perf_counter() - t
        if case.key == "default":
            numpy_default = numpy_sample
        found = compare(case.key, numpy_sample, kernel_sample)
        rows += found
        print(f"{case.key}: numpy {t_numpy:.1f} s, kernel {t_kernel:.1f} s for {args.replicates} runs each; "
              f"{sum(not c.agrees for c in found)} of {len(found)} differ", flush=True)
    power = power_check(numpy_default, args.replicates) if numpy_default is not None else []
    power_rejects = any(not c.agrees for c in power)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu

    disagree = [c for c in rows if not c.agrees]
    lines = [
        f"Written by `python bench/kernel_agreement.py --replicates {args.replicates}"
        f"{' --cases ' + ' '.join(args.cases) if args.cases else ''}{' --write' if args.write else ''}` on "
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')} ({wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU). "
        f"{args.replicates} runs per path and case, independent seeds, one graph per case. A comparison agrees when "
        f"its KS p-value is at least {FAMILY_ALPHA:g} / {COMPARISONS} = {LEVEL:.2g} (Bonferroni, family level {FAMILY_ALPHA:g}).",
        "",
        # 'the paths agree' beside a power check the test could not reject read as a finding: it was too weak to see one
        f"**Verdict: {f'{len(disagree)} comparison(s) differ' if disagree else 'no comparison differs, but the test is too weak to tell at these replicates (the power check was not rejected): run more' if power and not power_rejects else 'the paths agree on every comparison'}.**"
        + (f" Power check (the kernel with base_share x{PERTURBATION:g} on the default case): "
           f"{'rejected' if power_rejects else 'NOT rejected: the test is too weak'}, smallest p-value "
           f"{min(c.p for c in power):.2g} ({min(power, key=lambda c: c.p).statistic})." if power else ""),
        "",
    ]
    if skipped:
        lines += ["Not compared (the kernel falls back to numpy for them): " + "; ".join(skipped) + ".", ""]
    lines += table(rows)
    if power:
        lines += ["", "The power check, in full (every row should differ on the statistics the share decision moves):", "",
                  *table(power)]
    print("\n".join(lines))
    if args.write:
        write_block(lines)
        print(f"wrote {DOC}")
    return 0 if not disagree and (power_rejects or not power) else 1


if __name__ == "__main__":
    sys.exit(main())
