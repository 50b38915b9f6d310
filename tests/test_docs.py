"""Docs that are generated from code must be current."""

from __future__ import annotations

from simulator import paramdoc

from .conftest import ROOT


def test_parameter_table_in_model_md_is_generated_from_the_schema():
    document = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert paramdoc.render(document) == document, "run `python -m simulator.paramdoc` to update docs/model.md"


def test_every_parameter_has_a_meaning_and_leaf_parameters_cite_a_source_or_choice():
    rows = paramdoc.rows()
    assert len(rows) > 60
    for key, meaning, unit, default, bounds, source in rows:
        assert meaning, f"{key} has no description"


def test_step_order_is_written_once_in_the_engine():
    from simulator.engine import STEP_ORDER, Engine

    doc = Engine.__module__
    assert STEP_ORDER == ("asks", "spontaneous", "share", "invite", "convert", "adopt", "churn", "money", "record")
    engine_doc = __import__(doc, fromlist=["x"]).__doc__
    positions = [engine_doc.index(f"{i}. {name}") for i, name in enumerate(STEP_ORDER, start=1)]
    assert positions == sorted(positions)
