"""Every figure a command writes, laid out and drawn for real.

The other tests write a blank PNG in place of each figure (tests/conftest.py,
_draw_figures): drawing took half the time of the commands' tests. Here each command
runs once on a tiny scenario, its designs named with the characters matplotlib reads
as markup ($, _, ^, %, \\), and every PNG it writes must be a drawn figure of the size
the reports use (7 inches at 110 dpi is 770 pixels wide), not a blank one.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import pytest
import yaml
from typer.testing import CliRunner

from simulator.cli import app

pytestmark = pytest.mark.draw

SCENARIOS = Path(__file__).parents[1] / "scenarios"
TINY = ["--set", "population.size=400", "--set", "population.initial_customers=10", "--set", "days=45",
        "--set", "program.incentive.qualification_days=7"]
runner = CliRunner()


def ok(*args) -> None:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr + result.stdout


def drawn(folder: Path, at_least: int) -> list[str]:
    """The PNGs under ``folder``, each checked to be a drawn figure; their names."""
    found = sorted(folder.rglob("*.png"))
    assert len(found) >= at_least, [p.name for p in found]
    for path in found:
        height, width = matplotlib.image.imread(path).shape[:2]
        assert width >= 300 and height >= 200, (path.name, width, height)
    return [p.name for p in found]


@pytest.fixture
def designs(tmp_path):
    """Two consumer designs whose names hold matplotlib's markup characters."""
    paths = []
    for source, name in (("default.yaml", "credit $10_a^2 50% \\ and $20"), ("single-sided-cash.yaml", "cash $20")):
        data = yaml.safe_load((SCENARIOS / source).read_text())
        data["name"] = name
        path = tmp_path / f"{len(paths)}.yaml"
        path.write_text(yaml.safe_dump(data))
        paths.append(path)
    return paths


def test_run_and_compare_draw_every_figure(tmp_path, designs):
    ok("run", designs[0], *TINY, "--replicates", "2", "--out", tmp_path / "run", "--executor", "serial")
    assert "k_by_month.png" in drawn(tmp_path / "run", 4)
    ok("compare", *designs, *TINY, "--replicates", "2", "--out", tmp_path / "compare", "--executor", "serial")
    assert "incremental_value.png" in drawn(tmp_path / "compare", 5)


def test_a_sweep_draws_every_figure(tmp_path, designs):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"base": str(designs[0]), "method": "grid", "replicates": 2, "seed": 3,
                                     "metrics": ["customers_final", "incremental_value"],
                                     "parameters": {"program.incentive.referrer_reward": {"values": [0, 10, 20]},
                                                    "program.base_share": {"values": [0.2, 0.4]}}}))
    ok("sweep", sweep, *TINY[:6], "--out", tmp_path / "sweep", "--executor", "serial")
    drawn(tmp_path / "sweep", 2)


def test_sensitivity_and_optimize_draw_every_figure(tmp_path, designs):
    ok("sensitivity", *designs, *TINY, "--uncertain", "program.base_share=0.1:0.4", "--uncertain",
       "churn.monthly_rate=0.02:0.06", "--samples", "2", "--trajectories", "2", "--replicates", "2",
       "--tornado-replicates", "2", "--seed", "3", "--out", tmp_path / "sensitivity", "--executor", "serial")
    assert {"tornado.png", "sobol.png"} <= set(drawn(tmp_path / "sensitivity", 2))
    ok("optimize", designs[0], *TINY, "--vary", "program.incentive.referrer_reward=0:40", "--objective",
       "incremental_value", "--objective", "reward_cost", "--trials", "4", "--replicates", "2", "--seed", "5",
       "--out", tmp_path / "optimize", "--executor", "serial")
    drawn(tmp_path / "optimize", 1)


def test_calibrate_draws_every_figure(tmp_path, designs):
    from simulator.metrics import COLUMN_INDEX
    from simulator.runner import run_replicate
    from simulator.scenario_io import load_scenario

    import pandas as pd

    scenario = load_scenario(SCENARIOS / "default.yaml", [*TINY[1::2], "program.base_share=0.3"])
    daily = run_replicate(scenario.model_copy(update={"days": 20}), 0, 99).daily
    pilot = tmp_path / "pilot.csv"
    pd.DataFrame({"day": range(21), **{c: daily[:, COLUMN_INDEX[c]] for c in ("new_organic", "new_referred", "shares",
                                                                                "asks")}}).to_csv(pilot, index=False)
    ok("calibrate", SCENARIOS / "default.yaml", *TINY, "--data", pilot, "--fit", "program.base_share=0.05:0.6",
       "--particles", "6", "--generations", "1", "--draws", "3", "--design", designs[1], "--seed", "8",
       "--out", tmp_path / "calibrate", "--executor", "serial")
    drawn(tmp_path / "calibrate", 2)
