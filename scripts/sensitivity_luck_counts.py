"""The counts docs/decide.md gives for the sensitivity report's guard against the runs'
luck: the seeded studies of tests/test_sensitivity.py (a lead of pure noise, three
assumptions that move nothing; then a real effect of base_share), printed where the
test only bounds them.

    python scripts/sensitivity_luck_counts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.parameters import parse_parameters
from simulator.sensitivity import (
    MATTERS,
    SensitivitySettings,
    decision_drivers,
    sensitivity,
)
from tests.test_sensitivity import tiny

KEYS = ["program.base_share=0:1", "program.link_use=0:1", "program.link_response=0:1"]


def lead(effect: float):
    def evaluate(scenarios, seeds, metrics, daily=False):
        return [{"incremental_value": (effect * s.program.base_share if s.name == "a" else 0.0) + np.random.default_rng(
            [seed, int(1e6 * s.program.base_share), int(1e6 * s.program.link_use), int(1e6 * s.program.link_response),
             len(s.name)]).normal(0, 1)} for s, seed in zip(scenarios, seeds)]
    return evaluate


def main() -> None:
    a = tiny().model_copy(update={"name": "a", "replicates": 4})
    b = a.model_copy(update={"name": "bb"})
    uncertain = parse_parameters(KEYS, a)
    hinged = sum(bool(sensitivity(a, uncertain, designs=[a, b], seed=study, evaluate=lead(0.0),
                                  settings=SensitivitySettings(samples=16, trajectories=2, tornado_replicates=1))
                      .flips["flips"].any()) for study in range(40))
    print(f"two tied designs, 40 studies: the decision said to hinge on an assumption in {hinged}")

    a = tiny().model_copy(update={"name": "a"})
    b = a.model_copy(update={"name": "bb"})
    settings = SensitivitySettings(samples=32, trajectories=2, tornado_replicates=1, replicates=4)
    index_over = spurious = found = 0
    for study in range(12):
        flips = sensitivity(a, uncertain, designs=[a, b], seed=study, evaluate=lead(0.0), settings=settings).flips
        index_over += bool(((~flips["flips"]) & (flips["ST_advantage"] >= MATTERS)).any())
        spurious += bool(decision_drivers(flips)[1])
        flips = sensitivity(a, uncertain, designs=[a, b], seed=study, evaluate=lead(3.0), settings=settings).flips
        hinges, sways = decision_drivers(flips)
        found += "program.base_share" in hinges + sways
    print(f"a lead of pure noise, 12 studies: a total index of {MATTERS} or more in {index_over}; "
          f"said to move the lead in {spurious}; a real effect (3 x base_share) found in {found} of 12")


if __name__ == "__main__":
    main()
