"""The figures docs/scenarios.md quotes from its `refsim compare` commands (the scenario
library and the program levers), printed as the doc rounds them: each design's paired
difference from the first file with its 95% interval, on the files' own seed and
replicate count unless the doc gives `-r N`. Compare the printed lines with the prose
after a change that moves the model; `refsim compare A.yaml B.yaml [-r N]` gives the
same numbers (comparison.csv).

    python scripts/scenario_library_figures.py            # every comparison, a few minutes on 2 cores
    python scripts/scenario_library_figures.py influencers # those whose files' names hold a word
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's simulator, whichever is installed

from simulator.compare import compare
from simulator.scenario_io import load_scenario

SCENARIOS = ROOT / "scenarios"
METRICS = ("incremental_value", "customers_final", "referred_customers", "cumulative_profit", "k_factor",
           "reward_cost", "attributed_roi", "equity_final", "cost_per_referred_customer", "incremental_roi",
           "incremental_cac", "ltv_referred")

# (first file, second file, replicates or None for the files' own), in the order docs/scenarios.md gives them
COMPARISONS = [
    ("single-sided-cash", "double-sided-credit", None), ("single-sided-cash", "double-sided-credit", 12),
    ("single-sided-cash", "double-sided-credit", 20),
    ("double-sided-credit", "budget-capped-campaign", None), ("double-sided-credit", "budget-capped-campaign", 12),
    ("double-sided-credit", "monthly-allowance", None), ("double-sided-credit", "monthly-allowance", 24),
    ("reminders-none", "reminders-three", None), ("reminders-none", "reminders-three", 20),
    ("reminders-none", "reminders-three", 24),
    ("b2b-gift-card", "b2b-organization", 30),
    ("double-sided-credit", "seeding-hubs", None), ("double-sided-credit", "influencers", None),
    ("double-sided-credit", "delight-passives", None), ("double-sided-credit", "delight-passives", 30),
    ("double-sided-credit", "staff-promotion", None), ("b2b-organization", "b2b-account-managers", None),
]


def fmt(value: float, sign: str = "") -> str:
    """As the doc writes it: whole dollars or people with thousands separators, small figures to 3 significant digits."""
    return f"{value:{sign},.0f}" if abs(value) >= 100 else f"{value:{sign}.3g}"


def main(words: list[str]) -> None:
    for first, second, replicates in COMPARISONS:
        if words and not any(word in first or word in second for word in words):
            continue
        designs = [load_scenario(SCENARIOS / f"{name}.yaml") for name in (first, second)]
        table = compare(designs, replicates=replicates, workers=1).table
        print(f"refsim compare scenarios/{first}.yaml scenarios/{second}.yaml" + (f" -r {replicates}" if replicates else ""))
        for metric in METRICS:
            ref = table[(table.metric == metric) & (table.design == first)].iloc[0]
            row = table[(table.metric == metric) & (table.design == second)].iloc[0]
            print(f"  {metric:20s} {fmt(ref['mean']):>10} -> {fmt(row['mean']):>10}   difference {fmt(row.diff_mean, '+')}"
                  f"  paired 95% CI {fmt(row.diff_ci_low)} to {fmt(row.diff_ci_high)}"
                  f"  (unpaired {fmt(row.unpaired_ci_low)} to {fmt(row.unpaired_ci_high)}, correlation {row.correlation:.2f})"
                  f"  {row.verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
