"""The default scenario's summary still matches the stored golden file.

Tolerance: counts exactly, other numbers to a relative 1e-9 (the last bits of a
float sum may differ between numpy builds; any change of the model moves them by
far more). When this fails on purpose, regenerate with
``python scripts/regenerate_golden.py`` and review the diff as tests/golden/README.md says.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script():
    """scripts/ is not a package: import the regeneration script by path, so the test and
    the script compute the file in one way only."""
    spec = importlib.util.spec_from_file_location("regenerate_golden", ROOT / "scripts" / "regenerate_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden = _load_script()


@pytest.mark.parametrize("path", sorted(golden.GOLDENS))
def test_default_scenario_matches_golden_summary(path):
    """On each engine path: the compiled kernel and the numpy reference stages."""
    stored = json.loads(golden.GOLDENS[path].read_text(encoding="utf-8"))
    moved = golden.differences(stored, golden.golden_summary(path))
    assert not moved, (f"{len(moved)} values moved from {golden.GOLDENS[path].name} (regenerate with scripts/regenerate_golden.py "
                       f"and review per tests/golden/README.md):\n" + "\n".join(moved[:40]))


def test_differences_tells_counts_from_floats():
    """The comparison itself: a count off by one, a float off by 1e-6 relative and a
    vanished metric are reported; a float off by 1e-12 relative and the _about block are not."""
    old = {"_about": {"numpy": "1"}, "runs": [{"adopters": 10, "roi": 1.5, "ltv": None, "gone": 1.0}]}
    new = {"_about": {"numpy": "2"}, "runs": [{"adopters": 11, "roi": 1.5 * (1 + 1e-12), "ltv": None}]}
    assert golden.differences(old, new) == ["runs[0].adopters: 10 -> 11 (+10.000%)", "runs[0].gone: missing now (was 1.0)"]
    assert golden.differences({"roi": 1.5}, {"roi": 1.5 * (1 + 1e-6)}) != []
    assert golden.differences({"n": 4}, {"n": 4}) == []
    with pytest.raises(ValueError):
        golden._number(2.5, count=True)
