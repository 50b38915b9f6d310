"""Docs that are generated from code must be current."""

from __future__ import annotations

import re
from pathlib import Path

from simulator import paramdoc

from .conftest import ROOT


def test_parameter_table_in_model_md_is_generated_from_the_schema():
    document = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert paramdoc.render(document) == document, "run `python -m simulator.paramdoc` to update docs/model.md"


def test_every_parameter_has_a_meaning_and_leaf_parameters_cite_a_source_or_say_assumption():
    """Defaults are not free choices (MODEL.md): each leaf names where it comes from
    ("Source: ...", scenario choice and definitions included) or says it is an assumption."""
    rows = paramdoc.rows()
    assert len(rows) > 60
    unsourced = [key for key, meaning, unit, default, bounds, source in rows
                 if not source and "assumption" not in meaning.lower()]
    for key, meaning, *_ in rows:
        assert meaning, f"{key} has no description"
    assert unsourced == [], f"parameters with neither a source nor 'assumption': {unsourced}"


def test_step_order_in_model_md_is_the_list_the_engine_runs():
    """The generated step list names exactly the stages, in order, that Engine.step
    calls: recorded by wrapping each stage of a live engine."""
    from simulator.config import Scenario
    from simulator.engine import STAGES, Engine

    engine = Engine(Scenario(population={"size": 200, "initial_customers": 5}, days=3,
                             network={"kind": "erdos_renyi", "mean_degree": 4}), seed=1, kernel=False)
    ran = []

    def recording(name):
        stage = getattr(engine, "_" + name)

        def run(today):
            ran.append(name)
            return stage(today)
        return run

    for stage in STAGES:
        setattr(engine, "_" + stage.name, recording(stage.name))
    engine.step()
    document = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    block = document[document.index(paramdoc.STEPS_BEGIN):document.index(paramdoc.STEPS_END)]
    listed = [line.split("**")[1] for line in block.splitlines() if line[:1].isdigit()]
    assert listed == ran
    assert len(ran) == len(set(ran)) >= 9


def test_the_kernel_runs_its_stages_in_the_same_order():
    """The compiled day (simulator/kernel/day.py) marks each stage it runs with a
    '# ---- <stage>' line: those are the stages of STAGES less the levers it does not
    compile, in the same order."""
    import re

    from simulator.engine import STAGES

    source = (ROOT / "simulator" / "kernel" / "day.py").read_text(encoding="utf-8")
    marked = re.findall(r"# ---- (\w+)", source)
    levers = {"delight", "targeting", "staff_asks", "influencers", "program_costs"}
    assert marked == [stage.name for stage in STAGES if stage.name not in levers]


def test_each_parameter_shows_one_lower_and_one_upper_bound():
    """A field's own gt=0 on a type that already says ge=0 once read "> 0, ≥ 0" in the
    table; the tightest bound of each side is shown, once."""
    rows = paramdoc.rows()
    budget = next(bounds for key, meaning, unit, default, bounds, source in rows
                  if key == "program.incentive[double_sided].budget")
    assert budget == "> 0, ≤ 1e+09", budget
    for key, meaning, unit, default, bounds, source in rows:
        lowers = sum(bounds.count(symbol) for symbol in ("≥", ">"))
        uppers = sum(bounds.count(symbol) for symbol in ("≤", "<"))
        assert lowers <= 1 and uppers <= 1, (key, bounds)


def test_every_variant_is_listed_even_one_without_settings_of_its_own():
    """kind: none (no incentive) had no row: it has no keys, and the table listed only the
    variants' keys, so a reader of the table had no way to write a program without one."""
    from simulator.paramdoc import rows

    kinds = {row[0]: row[4] for row in rows() if row[0].endswith(".kind")}
    assert kinds["program.incentive.kind"].split(" / ")[0] == "none"
    assert "never" in kinds["program.timing.kind"].split(" / ")
    assert "edgelist" in kinds["network.kind"].split(" / ")
    # a block of one class whose kind takes several values (a channel) had no row for it
    assert kinds["program.channels.kind"] == "direct / broadcast"


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation but hyphens and
    underscores dropped, spaces as hyphens (its documented slug rule)."""
    import re

    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_every_relative_link_in_the_docs_reaches_a_file_and_heading():
    """docs/scenarios.md linked `model.md#4-the-cascade-reduction`, a section that is
    number 5; a reader landed at the top of the page. Every relative link of README.md
    and docs/*.md names a file that is there and, with an anchor, a heading of it."""
    import re

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    anchors: dict[Path, set[str]] = {}

    def headings(page: Path) -> set[str]:
        if page not in anchors:
            seen: dict[str, int] = {}
            found = set()
            in_code = False
            for line in page.read_text().splitlines():
                in_code ^= line.startswith("```")
                if not in_code and (match := re.match(r"#{1,6} (.+)", line)):
                    slug = github_anchor(match.group(1))
                    found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
                    seen[slug] = seen.get(slug, 0) + 1
            anchors[page] = found
        return anchors[page]

    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):   # http:, https:, mailto:
                continue
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no file)")
            elif anchor and linked.suffix == ".md" and anchor not in headings(linked):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_paramdoc_takes_help_and_names_a_missing_file(tmp_path, capsys):
    """`python -m simulator.paramdoc --help` read '--help' as the document's path and died
    in a FileNotFoundError traceback; a missing path is now one line, exit 2."""
    import pytest

    with pytest.raises(SystemExit) as done:
        paramdoc.main(["--help"])
    assert done.value.code == 0 and "parameter table" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        paramdoc.main([str(tmp_path / "nope.md")])
    assert done.value.code == 2 and "nope.md: no such file" in capsys.readouterr().err
    other = tmp_path / "other.md"
    other.write_text("# no markers here\n")
    with pytest.raises(SystemExit) as done:
        paramdoc.main([str(other)])
    assert done.value.code == 2 and "has no marker lines" in capsys.readouterr().err
    assert other.read_text() == "# no markers here\n"


def test_the_reward_scale_description_gives_the_share_of_the_uplift_at_the_defaults():
    """reward_scale said "Reward at which 63% of the uplift is reached", true only of a
    reward paid at once: at the defaults (paid on qualification, 30 days, delay_discount
    0.01) a reward equal to the scale acts as R/1.3 and reaches 1 - e^(-1/1.3) = 54% (a
    walker measured 0.548 ± 0.014). The description now gives both, from the defaults."""
    import math

    from simulator.config import SingleSided

    fields = SingleSided.model_fields
    description = fields["reward_scale"].description
    waited = fields["qualification_days"].default if fields["paid_on"].default == "qualification" else 0
    share = 1 - math.exp(-1 / (1 + fields["delay_discount"].default * waited))
    assert f"{share:.0%}" in description and f"{1 - math.exp(-1):.0%}" in description
    assert f"after {waited} days" in description


def test_every_column_of_runs_csv_is_in_the_metrics_table_of_docs_model_md():
    """Six columns of runs.csv (fake_accounts, adopters, cost_per_referred_customer,
    customers_final, cumulative_profit, word_of_mouth_customers) were defined nowhere in
    the docs. The generated metrics table lists each column a run writes, with and
    without its twin."""
    from simulator import load_scenario, simulate

    document = (ROOT / "docs" / "model.md").read_text()
    block = document[document.index(paramdoc.METRICS_BEGIN):document.index(paramdoc.METRICS_END)]
    listed = set(re.findall(r"^\| `(\w+)` \|", block, flags=re.M))
    scenario = load_scenario(ROOT / "scenarios" / "default.yaml", ["population.size=600", "days=20"])
    written = set(simulate(scenario, replicates=1, seed=1, people=False).runs.columns) - {"scenario", "replicate", "seed"}
    assert written and written <= listed, sorted(written - listed)
    assert {"fake_accounts", "adopters", "net_value", "incremental_value"} <= listed
