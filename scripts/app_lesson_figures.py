"""The figures docs/app.md quotes from the app's lesson, read off the class runs the app
steps (simulator.classroom.ClassRun) on the presets' own seeds: what a teacher sees on the
page, day by day, without a browser.

    python scripts/app_lesson_figures.py
"""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's simulator, whichever is installed

from simulator.classroom import MIN_COHORT, ClassRun, Design, NetworkChoice, speeding_up, verdict
from simulator.scenario_io import load_scenario

SCENARIOS = ROOT / "scenarios"


def changes(said: list[str]) -> int:
    return sum(a != b for a, b in pairwise(said))


def main() -> None:
    fading = load_scenario(SCENARIOS / "fading.yaml")
    run = ClassRun(fading, NetworkChoice.of(fading), [Design.of(fading)])
    counted = None
    while not run.finished:
        run.advance(1)
        frame = run.frames()[0]
        if counted is None and frame.k.customers >= 10:
            counted = (run.day, frame.k.k, frame.verdict.tone)
        if run.day == 100:
            print(f"fading, day 100: generations {' → '.join(map(str, frame.generations))}")
    print(f"fading: 10 customers count from day {counted[0]}: K {counted[1]:.2f}, verdict {counted[2]}")

    viral = load_scenario(SCENARIOS / "viral.yaml")
    run = ClassRun(viral, NetworkChoice.of(viral), [Design.of(viral), Design.of(viral).with_incentive(kind="none")])
    half = b_counted = None
    kept, memoryless, k_a, generations_a, k_b = [], [], {}, {}, {}
    while not run.finished:
        run.advance(1)
        a, b = run.frames()
        k_a[run.day] = (a.k.k, a.k.customers)
        generations_a[run.day] = a.generations
        if half is None and a.adopters >= a.state.size / 2:
            half = (run.day, a.generations[:6], a.verdict.tone, a.verdict.grew)
        k_b[run.day] = (b.k.k, b.k.customers)
        if b_counted is None and b.k.customers >= 10:
            b_counted = run.day
        if b.k.customers >= MIN_COHORT:  # hysteresis holds the verdicts read from K
            kept.append(b.verdict.headline)
            memoryless.append(verdict(b.k, b.generations, b.prospects_left, speeding_up(b.new_referred)).headline)
    print(f"viral A: half the people joined on day {half[0]} (verdict {half[2]}, quoting {half[3]}); day 30: generations "
          f"{' → '.join(map(str, generations_a[30]))}; K first shown on day "
          f"{next(d for d in sorted(k_a) if k_a[d][1] > 0)} (at or above 1 from then: "
          f"{all(k_a[d][0] >= 1 for d in sorted(k_a) if k_a[d][1] > 0 and d <= 35)}); "
          f"K on day 35: {k_a[35][0]:.1f} on {k_a[35][1]} customers; "
          f"K first shown as 0.95 on day {next(d for d in sorted(k_a) if d > 35 and f'{k_a[d][0]:.2f}' == '0.95')}")
    print("viral B (no reward): K " + ", ".join(f"{k_b[d][0]:.2f} on {k_b[d][1]} on day {d}" for d in (33, 34, 36)))
    print(f"viral B (no reward): 10 customers count from day {b_counted}; its verdict changed {changes(kept)} times "
          f"in the {len(kept)} days K could be read, {changes(memoryless)} times read without memory (no hysteresis)")


if __name__ == "__main__":
    main()
