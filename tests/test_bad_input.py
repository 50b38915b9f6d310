"""Bad input gets one clean line (file, key path, what is valid), exit code 2,
no traceback, and no results folder. A property test throws well over a
thousand malformed scenarios at the CLI."""

from __future__ import annotations

import copy
import os
import random
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator.cli import app

from .conftest import ROOT, SCENARIOS

BASE = yaml.safe_load((SCENARIOS / "default.yaml").read_text())
BASE_TEXT = (SCENARIOS / "default.yaml").read_text()
runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, list(map(str, args)))
    return result.exit_code, result.stdout, result.stderr


def assert_clean_error(code, stdout, stderr, path, key_fragment=None):
    assert code == 2, f"exit {code}; stderr={stderr!r} stdout={stdout!r}"
    lines = stderr.rstrip("\n").split("\n")  # a blank line before the error is a second line
    assert len(lines) == 1, f"expected one line, got: {stderr!r}"
    assert "Traceback" not in stderr + stdout
    assert lines[0].startswith(f"error: {path}"), lines[0]
    if key_fragment:
        assert key_fragment in lines[0], lines[0]


def write(tmp_path, data=None, text=None, name="scenario.yaml"):
    path = tmp_path / name
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False))
    return path


# ----------------------------------------------------------------------------- named cases


@pytest.mark.parametrize("mutate, key, words", [
    (lambda d: d.__setitem__("dayz", 30), "dayz", ["unknown key 'dayz'", "did you mean 'days'"]),
    (lambda d: d["program"]["incentive"].__setitem__("referer_reward", 5), "program.incentive.referer_reward",
     ["did you mean 'referrer_reward'"]),
    (lambda d: d["program"].__setitem__("base_share", 1.5), "program.base_share", ["less than or equal to 1"]),
    (lambda d: d.__setitem__("days", "a year"), "days", ["valid integer"]),
    (lambda d: d["network"].__setitem__("kind", "erdos_renyl"), "network.kind", ["did you mean 'erdos_renyi'"]),
    (lambda d: d["population"].__setitem__("initial_customers", 50000), "population.initial_customers", ["more than population.size"]),
    # a count, ids or a block: a wrong id, or a count that is no whole number, was told "should be a block of
    # 'key: value' lines", the last form tried
    (lambda d: d["population"].__setitem__("initial_customers", [1, 2.5]), "population.initial_customers.1",
     ["valid integer (got 2.5)"]),
    (lambda d: d["population"].__setitem__("initial_customers", 2.5), "population.initial_customers",
     ["should be a whole number of people, a list of person ids, or a block with count: and strategy: (got 2.5)"]),
    (lambda d: d["population"].__setitem__("initial_customers", "ten"), "population.initial_customers",
     ["a list of person ids", "(got 'ten')"]),
    (lambda d: d["population"].__setitem__("initial_customers", {"count": 2.5}), "population.initial_customers.count",
     ["valid integer (got 2.5)"]),
    (lambda d: d["program"]["channels"][0].__setitem__("weight", 0.2), "program.channels", ["weights must sum to 1"]),
    (lambda d: d["program"]["channels"][1].__setitem__("atention", 0.2), "program.channels.1.atention", ["did you mean 'attention'"]),
    (lambda d: d["churn"].__setitem__("monthly_rate", -0.1), "churn.monthly_rate", ["greater than or equal to 0"]),
    # a key of another kind of the block: said so, not "did you mean" a key of this kind
    (lambda d: d["program"]["timing"].__setitem__("reach_share", 0.5), "program.timing.reach_share",
     ["'reach_share' is a key of kind milestone, not of kind 'onboarding'; change the kind", "valid keys here: delay_days"]),
    (lambda d: d.__setitem__("replicates", 10**30), "replicates", ["less than or equal to"]),
    # a YAML .nan fails every bound: it was told "should be less than or equal to 1000000000 (got nan)"
    (lambda d: d["program"]["incentive"].__setitem__("referrer_reward", float("nan")), "program.incentive.referrer_reward",
     ["should be a number, not NaN (got nan); valid: a number from 0 to 1,000,000,000"]),
    # and then "; input should be less than or equal to 1" followed, as if the NaN were too large: the range instead
    (lambda d: d["program"].__setitem__("base_share", float("nan")), "program.base_share",
     ["should be a number, not NaN (got nan); valid: a number from 0 to 1"]),
    # a whole-number key's range, as --set days=nan is told it
    (lambda d: d.__setitem__("days", float("nan")), "days",
     ["should be a number, not NaN (got nan); valid: a whole number from 1 to 36,500"]),
    # a count among the forms a key takes (a count, a list of ids, a block)
    (lambda d: d["population"].__setitem__("initial_customers", float("nan")), "population.initial_customers",
     ["should be a number, not NaN (got nan); valid: a whole number from 0 to 50,000,000"]),
    # single_sided pays no friend: a friend-side uplift there would change nothing, and was taken silently
    (lambda d: d["program"].__setitem__("incentive", {"kind": "single_sided", "referee_max_uplift": 2}),
     "program.incentive.referee_max_uplift",
     ["'referee_max_uplift' is a key of kind double_sided and tiered, not of kind 'single_sided'"]),
    (lambda d: d["program"].__setitem__("incentive", {"kind": "single_sided", "referee_share_uplift": 1}),
     "program.incentive.referee_share_uplift", ["is a key of kind double_sided and tiered"]),
])
def test_named_mistakes_get_one_line_with_key_path(tmp_path, mutate, key, words):
    assert_mistake_is_one_line(tmp_path, mutate, key, words)


def assert_mistake_is_one_line(tmp_path, mutate, key: str, words: list[str]) -> None:
    """The default scenario changed by ``mutate``: `refsim run` refuses it in one line that
    names the file, ``key`` and every one of ``words``, and writes no results folder."""
    data = copy.deepcopy(BASE)
    mutate(data)
    path = write(tmp_path, data)
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", path, "--out", out)
    assert_clean_error(code, stdout, stderr, path, key)
    for word in words:
        assert word in stderr, stderr
    assert not out.exists()
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_whole_floats_count_as_whole_numbers_in_every_form_of_initial_customers():
    """initial_customers: 10.0 was valid (as days: 10.0 is), but {count: 10.0} and
    [1.0, 2.0] were refused as not integers."""
    from simulator.scenario_io import validate

    for written, seeds in ((10.0, 10), ([1.0, 2.0], [1, 2]), ({"count": 3.0, "strategy": "degree"}, 3)):
        data = {**copy.deepcopy(BASE), "population": {"size": 300, "initial_customers": written}}
        scenario = validate(data)
        assert scenario.population.seed_count == (seeds if isinstance(seeds, int) else None)
        if isinstance(seeds, list):
            assert scenario.population.initial_customers == seeds


def test_line_numbers_point_at_the_mistake(tmp_path):
    text = BASE_TEXT.replace("days: 365", "days: -5")
    path = write(tmp_path, text=text)
    code, _, stderr = invoke("validate", path)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("days:"))
    assert code == 2 and f"days (line {line})" in stderr


def test_invalid_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, text="name: x\ndays: [1, 2\n")
    code, stdout, stderr = invoke("run", path, "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, path, "line")
    assert "invalid YAML" in stderr


def test_a_thousands_separator_inside_braces_names_the_block_and_the_fix(tmp_path):
    """`budget: 50,000}` inside {...} reads as budget: 50 and a key 000 (the number 0):
    pydantic's "Keys should be strings (got 0)" under program.incentive.0 named neither
    the block's keys nor the slip."""
    path = write(tmp_path, text="name: x\nprogram:\n  incentive: {kind: single_sided, referrer_reward: 10, "
                                "budget: 50,000}\n")
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, path, "program.incentive.budget (line 3)")
    assert "50,000 inside [...] or {...} reads as 2 values, 50 and 000" in stderr and "write 50000" in stderr
    assert "with spaces" not in stderr   # in {...} the part after the comma reads as a key, not as a value meant apart
    assert "Keys should be strings" not in stderr
    # a value the split cut short was refused for itself ("greater than or equal to 2 (got 1)"), naming no separator
    path = write(tmp_path, text="name: x\nnetwork: {kind: erdos_renyi, mean_degree: 1,200}\n")
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, path, "network.mean_degree (line 2)")
    assert "write 1200" in stderr
    # inside [...] the split made more values without a word: a sweep of [1,500, 2,250] ran four points
    sweep = write(tmp_path, text=f"name: s\nbase: {SCENARIOS / 'default.yaml'}\nmethod: grid\nparameters:\n"
                                 f"  program.incentive.referrer_reward: {{values: [1,500, 2,250]}}\n", name="sweep.yaml")
    code, stdout, stderr = invoke("sweep", sweep, "--dry-run")
    assert_clean_error(code, stdout, stderr, sweep, "parameters.program.incentive.referrer_reward.values.0 (line 5)")
    assert "write 1500 " in stderr and "1, 500 with spaces for 2 values" in stderr
    # two separators: the whole number is named (write 1500 gave [1500,000], two points without a word)
    sweep.write_text(sweep.read_text().replace("[1,500, 2,250]", "[1,500,000]"))
    code, stdout, stderr = invoke("sweep", sweep, "--dry-run")
    assert code == 2 and "1,500,000 inside" in stderr and "reads as 3 values, 1, 500 and 000" in stderr and \
        "write 1500000 " in stderr, stderr
    # two values written with a space, a quoted text, and a block list's 1,500 (one text, refused as no number) are not
    # splits: nothing is said of a separator
    # lists written without spaces that are no number with separators ([0,5,10,20,40,100,200], [10,100,1000],
    # [0.5,100] were refused as "40,100 ... write 40100") are not splits either
    for text in ("name: x\nnetwork: {kind: erdos_renyi, mean_degree: 8}\npopulation: {initial_customers: [1, 500]}\n",
                 "name: 'a,500'\ndescription: \"[1,500]\"\n",
                 "name: x\npopulation: {size: 2000, initial_customers: [0,5,10,20,40,100,200]}\n",
                 "name: x\npopulation: {size: 2000, initial_customers: [10,100,1000]}\n",
                 "name: x\npopulation: {size: 2000, initial_customers: [0,100]}\n",   # no number starts with 0
                 "name: x\nprogram: {base_share: 0.2}\ndescription: x\nk_window_days: 30\n"
                 "population: {initial_customers: [0,5]}\nacquisition: {organic_rate: 0.001}\n"):
        assert "reads as" not in invoke("validate", write(tmp_path, text=text))[2]
    # money written with its cents, 2,500.00 (it ran as two points again once lists were let through)
    sweep.write_text(sweep.read_text().replace("[1,500,000]", "[1,500.5, 3000]"))
    code, stdout, stderr = invoke("sweep", sweep, "--dry-run")
    assert code == 2 and "1,500.5 inside" in stderr and "write 1500.5 " in stderr, stderr
    sweep.write_text(sweep.read_text().replace("[1,500.5, 3000]", "[0.5,100]"))
    assert invoke("sweep", sweep, "--dry-run")[0] == 0
    # in a block given whole to --set, the key is named from the scenario's top, as in a file (it read 'budget')
    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set",
                                  "program.incentive={kind: double_sided, referrer_reward: 10, budget: 50,000}")
    assert code == 2 and "--set: program.incentive.budget (line 1): 50,000 inside" in stderr, stderr
    # a number where a key belongs, with no separator to blame, still names the block and its keys
    path = write(tmp_path, text="name: x\nnetwork:\n  kind: erdos_renyi\n  5: 3\n")
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, path, "network (line 2)")
    assert "where a key belongs" in stderr and "valid keys here:" in stderr and "mean_degree" in stderr
    assert "separator" not in stderr.split("where a key belongs")[1]   # no separator in the file to blame


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n"])
def test_an_empty_scenario_file_is_a_one_line_error(tmp_path, text):
    """An empty file ran the whole default scenario: likely a file saved empty by mistake."""
    path = write(tmp_path, text=text)
    code, stdout, stderr = invoke("validate", path)
    assert code == 2 and "the file is empty" in stderr and str(path) in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_missing_scenario_file(tmp_path):
    code, stdout, stderr = invoke("run", tmp_path / "nope.yaml")
    assert_clean_error(code, stdout, stderr, tmp_path / "nope.yaml")
    assert "not found" in stderr


def test_a_sweep_file_given_as_a_scenario_and_a_scenario_given_as_a_sweep_say_which_command_runs_them():
    """`refsim validate` of a sweep file said "unknown key 'base'", and `refsim sweep` of a
    scenario "unknown key 'days'": neither said what the file is, nor what runs it."""
    sweep_file, scenario = SCENARIOS / "sweeps" / "reward-size.yaml", SCENARIOS / "default.yaml"
    for command in ("validate", "run", "compare"):
        code, stdout, stderr = invoke(command, sweep_file, *([scenario] if command == "compare" else []))
        assert_clean_error(code, stdout, stderr, sweep_file, "this is a sweep file (it has 'base:' and 'parameters:'), "
                                                             f"not a scenario; run it with `refsim sweep {sweep_file}`")
    code, stdout, stderr = invoke("sweep", scenario)
    assert_clean_error(code, stdout, stderr, scenario, f"this is a scenario file, not a sweep; run it with `refsim run "
                                                       f"{scenario}`, or sweep it from a sweep file with 'base:' naming it")



def test_a_sweep_file_without_its_base_is_named_a_sweep_by_validate_run_and_scenarios(tmp_path):
    """A sweep file whose 'base:' was left out was taken for a scenario: `refsim validate`
    and `refsim run` said "unknown key 'parameters'", and `refsim scenarios` listed it
    under "refsim run FILE". They now say it is a sweep missing its base; `refsim sweep`
    says 'base:' is missing, as before."""
    folder = tmp_path / "mine"
    folder.mkdir()
    sweep_file = folder / "nobase.yaml"
    sweep_file.write_text("name: nb\nparameters:\n  program.incentive.referrer_reward: {values: [5, 10]}\n")
    for command in ("validate", "run"):
        code, stdout, stderr = invoke(command, sweep_file, *(["--out", tmp_path / "o"] if command == "run" else []))
        assert_clean_error(code, stdout, stderr, sweep_file, "this looks like a sweep file (it has 'parameters:') with "
                                                             "no 'base:', not a scenario; add 'base:'")
        assert f"run it with `refsim sweep {sweep_file}`" in stderr
    code, stdout, stderr = invoke("sweep", sweep_file, "--out", tmp_path / "s")
    assert_clean_error(code, stdout, stderr, sweep_file, "base: required key is missing; a sweep needs 'base:'")
    code, stdout, stderr = invoke("scenarios", folder)
    assert code == 0, stderr
    assert stdout.splitlines()[0] == f"sweeps in {folder}/ (refsim sweep FILE):", stdout
    assert "nobase.yaml" in stdout.splitlines()[1] and "refsim validate" in stdout.splitlines()[1]


def test_a_scenario_or_sweep_given_as_settings_or_as_a_base_is_named_for_what_it_is(tmp_path):
    """`sensitivity --settings scenarios/default.yaml` said "population is a setting of
    optimize, not of sensitivity" (a scenario's population block is not NSGA-II's), and
    optimize "unknown key 'name'"; a sweep file given as settings, or as a sweep's base,
    "metrics is a setting of sensitivity" or "unknown key 'base'". Each now says what the
    file is, as run and compare already did, in one line."""
    sweep_file, scenario = SCENARIOS / "sweeps" / "reward-size.yaml", SCENARIOS / "default.yaml"
    for command in ("optimize", "sensitivity", "calibrate"):
        code, stdout, stderr = invoke(command, "--settings", scenario)
        assert_clean_error(code, stdout, stderr, scenario, f"this is a scenario file (it has 'name:', 'description:', "
                                                           f"'days:'), not {command} settings; give it as the scenario")
        code, stdout, stderr = invoke(command, "--settings", sweep_file)
        assert_clean_error(code, stdout, stderr, sweep_file, f"this is a sweep file (it has 'base:' and 'parameters:'), "
                                                             f"not {command} settings; run it with `refsim sweep")
    # a settings file given to sweep ("unknown key 'scenario'")
    settings = ROOT / "docs" / "decide-credit-within-50k.yaml"
    code, stdout, stderr = invoke("sweep", settings, "--dry-run")
    assert_clean_error(code, stdout, stderr, settings, "this is a settings file (it has 'scenario', 'vary'), not a sweep; "
                                                       "give it as `refsim optimize --settings")
    nested = tmp_path / "nested.yaml"
    nested.write_text(yaml.safe_dump({"base": str(sweep_file), "parameters": {"days": {"values": [30, 60]}}}))
    code, stdout, stderr = invoke("sweep", nested, "--out", tmp_path / "s")
    assert_clean_error(code, stdout, stderr, sweep_file, "this is a sweep file (it has 'base:' and 'parameters:'), not "
                                                         "a sweep's base scenario")


def test_missing_edge_list_file(tmp_path):
    data = copy.deepcopy(BASE)
    data["network"] = {"kind": "edgelist", "path": "missing.txt"}
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("run", path, "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, path, "network.path")
    assert "missing.txt" in stderr and "not found" in stderr
    (tmp_path / "graphs").mkdir()
    data["network"]["path"] = "graphs"
    code, stdout, stderr = invoke("run", write(tmp_path, data), "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, path, "network.path")
    assert "'graphs' is a folder" in stderr   # not 'not found': it is there, and it is not a file


def test_edge_list_id_out_of_range(tmp_path):
    (tmp_path / "g.txt").write_text("# nodes: 3\n0 1\n1 7\n")
    data = copy.deepcopy(BASE)
    data["network"] = {"kind": "edgelist", "path": "g.txt"}
    data["population"] = {"initial_customers": [0]}
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("run", path, "--out", tmp_path / "out")
    assert code == 2 and "Traceback" not in stderr
    assert "g.txt" in stderr and "line 3" in stderr
    assert not (tmp_path / "out").exists()


def test_an_edge_list_line_error_names_the_scenario_that_points_at_it(tmp_path):
    """A line of an edge list it cannot read named the edge list alone: in a compare or a
    sweep of several scenarios, which one pointed at it was not said (every error names
    the file and the key path). It now ends with the scenario and its network.path."""
    (tmp_path / "g.txt").write_text("0 1\n1 1.5\n")
    data = copy.deepcopy(BASE)
    data["network"] = {"kind": "edgelist", "path": "g.txt"}
    data["population"] = {"initial_customers": [0]}
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, tmp_path / "g.txt", "line 2: cannot read '1 1.5'")
    assert stderr.rstrip().endswith(f"(in the edge list {tmp_path / 'g.txt'}, line 2, read as network.path for "
                                    f"{path})"), stderr
    # through --set the error is given under the scenario's name: the edge list and its line are in the message
    (tmp_path / "h.txt").write_text("0 1\n1 2\n2 x\n")
    code, stdout, stderr = invoke("validate", path, "--set", "network.path=h.txt")
    assert code == 2 and f"(in the edge list {tmp_path / 'h.txt'}, line 3, read as network.path for" in stderr, stderr


def test_more_initial_customers_than_people_in_an_edge_list(tmp_path):
    (tmp_path / "g.txt").write_text("0 1\n1 2\n")
    data = copy.deepcopy(BASE)
    data["network"] = {"kind": "edgelist", "path": "g.txt"}
    data["population"] = {"initial_customers": 10}
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("run", path, "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, path, "population.initial_customers")
    assert "only 3 people" in stderr
    assert not (tmp_path / "out").exists()


def test_an_initial_customer_id_beyond_the_edge_list_names_its_line(tmp_path):
    (tmp_path / "g.txt").write_text("0 1\n1 2\n")
    data = copy.deepcopy(BASE)
    data["network"] = {"kind": "edgelist", "path": "g.txt"}
    data["population"] = {"initial_customers": [0, 5]}
    path = write(tmp_path, data)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "initial_customers" in text)
    code, stdout, stderr = invoke("run", path, "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, path, f"population.initial_customers (line {line})")
    assert "id 5 is not a person" in stderr and "0..2" in stderr
    assert not (tmp_path / "out").exists()


def test_a_key_written_in_the_wrong_block_names_the_block_it_belongs_in(tmp_path):
    """program.budget, a strategist's first try at "a $50k budget", was told only "unknown
    key 'budget'; valid keys here: base_share, ..." with no word of program.incentive. A
    key of a block one or two levels down, or of a sibling block (population.mean_degree
    is network's), is now named; a name close to a key here (churn.rate: monthly_rate)
    gets no guess at another block."""
    cases = {"program.budget=50000": "unknown key 'budget' here; did you mean program.incentive.budget?",
             "budget=50000": "unknown key 'budget' here; did you mean program.incentive.budget?",
             "program.on_budget_exhausted=rewards_only": "did you mean program.incentive.on_budget_exhausted?",
             "population.mean_degree=8": "unknown key 'mean_degree' here; did you mean network.mean_degree?",
             # the horizon, a top-level key, before a campaign's days (offered alone, then refused on an onboarding ask)
             "program.days=90": "unknown key 'days' here; did you mean days or program.timing.days?"}
    for item, said in cases.items():
        code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", item)
        assert_clean_error(code, stdout, stderr, SCENARIOS / "default.yaml", said)
    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "churn.rate=0.1")
    assert_clean_error(code, stdout, stderr, SCENARIOS / "default.yaml", "unknown key 'rate'; valid keys here: monthly_rate")
    # a common word that several blocks have is no guess at one of them (churn.share was offered fraud.share, and
    # program.timing.rate negative_word_of_mouth.rate)
    for item, key in (("churn.share=0.1", "share"), ("program.timing.rate=0.1", "rate"), ("churn.days=3", "days")):
        code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", item)
        assert_clean_error(code, stdout, stderr, SCENARIOS / "default.yaml", f"unknown key '{key}'; valid keys here:")
    # in a file, with its line; and where optimize or sensitivity read the key
    data = copy.deepcopy(BASE)
    data["program"]["budget"] = 50000
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, path, "did you mean program.incentive.budget?")
    code, stdout, stderr = invoke("optimize", SCENARIOS / "default.yaml", "--vary", "program.budget=100:1000",
                                  "--out", tmp_path / "o")
    assert_clean_error(code, stdout, stderr, "--vary", "no key 'budget' under program; did you mean "
                                                       "program.incentive.budget?")


def test_bad_set_override(tmp_path):
    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "program.base_sahre=0.3")
    assert code == 2 and "did you mean 'base_share'" in stderr and "Traceback" not in stderr
    code, _, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "days")
    assert code == 2 and "key.path=value" in stderr


def test_a_settings_file_given_as_the_scenario_says_to_give_it_with_settings(tmp_path):
    """`refsim optimize docs/decide-credit-within-50k.yaml` (--settings forgotten) said
    "unknown key 'scenario'; valid keys here: acquisition, churn, ...". It now says what
    the file is and the command that reads it, as a sweep file given to run does."""
    settings = Path(__file__).resolve().parents[1] / "docs" / "decide-credit-within-50k.yaml"
    for command in ("optimize", "run"):
        code, _, stderr = invoke(command, settings)
        assert code == 2 and len(stderr.strip().splitlines()) == 1, stderr
        assert ("this is a settings file (it has 'scenario', 'vary'), not a scenario; give it as `refsim optimize "
                f"--settings {settings}`") in stderr, stderr
    fit = tmp_path / "fit.yaml"
    fit.write_text("fit: {program.base_share: '0.05:0.5'}\n")
    code, _, stderr = invoke("validate", fit)
    assert code == 2 and "give it as `refsim calibrate --settings" in stderr, stderr


def test_a_block_set_without_spaces_after_its_colons_says_so(tmp_path):
    """--set program.incentive={kind:single_sided,referrer_reward:5}: YAML reads
    'kind:single_sided' as one key with no value, and the error said "missing 'kind'"
    of a block where the user had typed it. It now names the glued key and how to write
    it; the same block with spaces is valid."""
    code, _, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set",
                             "program.incentive={kind:single_sided,referrer_reward:5}")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert ("program.incentive: 'kind:single_sided' reads as one key with no value: in YAML a ':' ends a key only "
            "before a space; write kind: single_sided") in stderr, stderr
    code, _, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set",
                             "program.incentive={kind: single_sided, referrer_reward: 5}")
    assert code == 0, stderr
    # a glued number with thousands separators: the whole number, not the part before the comma (budget: 1)
    code, _, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set",
                             "program.incentive={kind: single_sided, referrer_reward: 5, budget:1,000}")
    assert code == 2 and "'budget:1' reads as one key with no value" in stderr
    assert "write budget: 1000 (without thousands separators)" in stderr, stderr
    # a round million stopped YAML on a duplicate key 000 first; a decimal part was cut off
    for written, whole in (("1,000,000", "1000000"), ("1,000.5", "1000.5")):
        code, _, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set",
                                 f"program.incentive={{kind: single_sided, budget:{written}}}")
        assert code == 2 and "program.incentive: 'budget:1' reads as one key with no value" in stderr, stderr
        assert f"write budget: {whole} (without thousands separators)" in stderr, stderr


def test_a_block_written_without_spaces_after_its_colons_in_a_file_says_so_at_its_line(tmp_path):
    """In a scenario file, `budget:1,000,000` in a block said "duplicate key 0" and
    `budget:1,000` "unknown key 'budget:1'; did you mean 'budget'?", where the same in a
    --set named the glued key: the file gets the hint too, at its line. A comment that
    holds such text is not read as the cause of another mistake."""
    text = (SCENARIOS / "default.yaml").read_text()
    line = next(n for n, l in enumerate(text.splitlines(), 1) if "referee_reward: 10," in l)
    for written, said in (("1,000,000", "write budget: 1000000 (without thousands separators)"),
                          ("1,000", "write budget: 1000 (without thousands separators)"), ("1000", "write budget: 1000")):
        path = write(tmp_path, text=text.replace("referee_reward: 10,", f"referee_reward: 10, budget:{written},", 1))
        code, _, stderr = invoke("validate", path)
        assert code == 2 and len(stderr.strip().splitlines()) == 1, stderr
        assert f"line {line}: 'budget:1" in stderr and said in stderr, stderr
    path = write(tmp_path, text="name: x\n# budget:1,000 in a comment\npopulation: {size: 100\n")
    code, _, stderr = invoke("validate", path)
    assert code == 2 and "invalid YAML" in stderr and "budget" not in stderr, stderr
    # nor is a description holding such text read as the cause of a mistake on another line
    path = write(tmp_path, text='name: a\ndescription: "Reach goal:1,000,000 users"\ndays: 30\ndays: 40\n')
    code, _, stderr = invoke("validate", path)
    assert code == 2 and "line 4, column 1: duplicate key 'days'" in stderr and "goal" not in stderr, stderr
    path = write(tmp_path, text='description: "Reach goal:1,000,000 users"\nname: a\nname: b\n')   # the line before
    code, _, stderr = invoke("validate", path)
    assert code == 2 and "duplicate key 'name'" in stderr and "goal" not in stderr, stderr
    # a block written a key a line: the glued key reads as a value and YAML stops on the next line, or at the end
    block = "name: a\ndays: 30\nprogram:\n  incentive:\n    kind: single_sided\n    budget:1,000,000\n"
    for text, line in ((block + "  base_share: 0.2\n", 6), (block, 6), (block + "\n\n  base_share: 0.2\n", 6),
                       (block.replace("    kind: single_sided\n    budget:1,000,000\n",
                                      "    budget:1,000,000\n    kind: single_sided\n"), 5)):
        code, _, stderr = invoke("validate", write(tmp_path, text=text))
        assert code == 2 and f"line {line}: 'budget:1' reads as one key" in stderr, (text, stderr)
    # a sweep file and a study's settings file alike (they named the line after it, with YAML's words)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {SCENARIOS / 'default.yaml'}\nmethod: grid\nsamples:1,000\nparameters:\n"
                     f"  program.base_share: {{values: [0.1, 0.2]}}\n")
    code, _, stderr = invoke("sweep", sweep, "--dry-run")
    assert code == 2 and "sweep.yaml: line 3: 'samples:1' reads as one key" in stderr, stderr
    settings = tmp_path / "sens.yaml"
    settings.write_text(f"scenario: {SCENARIOS / 'default.yaml'}\nsamples:1,024\n"
                        f"uncertain: {{program.base_share: '0.1:0.3'}}\n")
    code, _, stderr = invoke("sensitivity", "--settings", settings, "--out", tmp_path / "s")
    assert code == 2 and "sens.yaml: line 2: 'samples:1' reads as one key" in stderr and "1024" in stderr, stderr
    # a block of one key, whose glued key YAML reads as the block's text, and a list item's first key
    for text, said in (("name: a\neconomics:\n  monthly_margin:8,000\n", "write monthly_margin: 8000 (without"),
                       ("name: a\neconomics:\n  monthly_margin:8000\n", "write monthly_margin: 8000"),
                       ("name: a\nprogram:\n  channels:\n    - weight:1,000\n      kind: direct\n",
                        "line 4: 'weight:1' reads as one key")):
        code, _, stderr = invoke("validate", write(tmp_path, text=text))
        assert code == 2 and "reads as one key with no value" in stderr and said in stderr, (text, stderr)
    path = write(tmp_path, text='name: x\ndescription: "reach budget:1 soon"\nprogram:\n'
                                '  incentive: {kind: double_sided, budget:1}\n')
    code, _, stderr = invoke("validate", path)
    assert code == 2 and "line 4: 'budget:1' reads as one key" in stderr, stderr   # the key's line, not the description's


def test_bytes_that_are_not_utf8_in_a_set_value_an_out_folder_or_a_compared_files_name(tmp_path):
    """A --set value holding a byte that is not UTF-8 ended in PyYAML's traceback on
    every command; an --out name holding one let a sweep run every run and then crash in
    pyarrow (calibrate in its database address); a compared file's name holding one
    (labelling its design where two share a name) crashed compare after its runs. The
    shell hands such a byte to Python as a lone surrogate, as these arguments do."""
    import os

    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "days=10", "--set", "name=a\udcffb")
    assert_clean_error(code, stdout, stderr, "--set", "name: byte 0xff is not UTF-8 text; give the value as UTF-8")
    # in the key: pydantic's "unable to parse raw data as a unicode string", naming the block
    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "program.incentive.referrer_rew\udce9rd=5")
    assert_clean_error(code, stdout, stderr, "--set", "program.incentive.referrer_rew\ufffdrd: the key path holds a byte "
                                                      "that is not UTF-8")
    assert invoke("validate", SCENARIOS / "default.yaml", "--set", "name=h\u00e9llo")[0] == 0   # UTF-8 itself is fine
    # a sweep's parquet tables (and calibrate's database) cannot record such a path, the folders it lies in included:
    # refused before any run; run, compare and the other studies write it as it is
    out = tmp_path / "y\udcffz"
    code, stdout, stderr = invoke("sweep", SCENARIOS / "sweeps" / "reward-size.yaml", "--out", out / "sweep")
    assert_clean_error(code, stdout, stderr, str(tmp_path / "y\ufffdz" / "sweep"), "--out: the folder's path holds a "
                                                                                      "byte that is not UTF-8")
    assert not os.path.lexists(out)
    from simulator.outpath import check_out_path

    check_out_path(out)   # what run and compare check: no refusal (the console prints such a name as the shell does)
    # from Python too, and a sweep file's name holding one names the sweep with it replaced (its report's title could
    # not be written, after every run)
    from simulator.errors import ScenarioError
    from simulator.sweep import load_sweep, run_sweep

    named = Path(os.fsdecode(os.fsencode(tmp_path / "s") + b"\xff.yaml"))
    named.write_text((SCENARIOS / "sweeps" / "reward-size.yaml").read_text().replace(
        "base: ../default.yaml", f"base: {SCENARIOS / 'default.yaml'}").replace("name: reward-size\n", ""))
    sweep = load_sweep(named)
    assert sweep.name == "s\ufffd"
    with pytest.raises(ScenarioError, match="--out: the folder's path holds a byte that is not UTF-8"):
        run_sweep(sweep, out / "api", executor="serial")
    assert not os.path.lexists(out)
    # calibrate from a folder whose path holds one: pyabc records the folder it runs in, and crashed after the fit
    os.makedirs(out)
    pilot = tmp_path / "pilot.csv"
    pilot.write_text("day,shares\n" + "".join(f"{day},{day % 3}\n" for day in range(1, 21)))
    here = os.getcwd()
    os.chdir(out)
    try:
        code, stdout, stderr = invoke("calibrate", SCENARIOS / "default.yaml", "--data", pilot, "--fit",
                                      "program.base_share=0.05:0.5", "--set", "days=30", "--out", tmp_path / "cal")
        # from Python too, before any run (the fit ran, then SQLAlchemy's traceback)
        import pandas as pd

        from simulator import load_scenario
        from simulator.calibrate import calibrate
        from simulator.parameters import parse_parameters

        base = load_scenario(SCENARIOS / "default.yaml", ["days=30"])
        with pytest.raises(ScenarioError, match="current folder: the folder's path holds a byte that is not UTF-8"):
            calibrate(base, pd.read_csv(pilot), parse_parameters(["program.base_share=0.05:0.5"], base),
                      evaluate=lambda *a, **k: pytest.fail("a run started"))
    finally:
        os.chdir(here)
    assert_clean_error(code, stdout, stderr, str(tmp_path / "y\ufffdz"), "current folder: the folder's path holds a "
                                                                            "byte that is not UTF-8")
    assert not (tmp_path / "cal").exists()
    text = (SCENARIOS / "default.yaml").read_text()
    one, other = tmp_path / "a.yaml", Path(os.fsdecode(os.fsencode(tmp_path / "b") + b"\xffname.yaml"))
    one.write_text(text)
    other.write_text(text)
    code, stdout, stderr = invoke("compare", one, other, "--set", "population.size=300", "--set",
                                  "population.initial_customers=3", "--set", "days=10", "--replicates", "1",
                                  "--executor", "serial", "--out", tmp_path / "both")
    assert code == 0, stderr
    assert "(b\ufffdname)" in (tmp_path / "both" / "comparison.csv").read_text()


def test_a_bad_set_value_names_the_override_not_the_line_it_replaced(tmp_path):
    """days=abc given on the command line was reported at the file's 'days' line; the
    file was fine. A mistake in the file itself still names its line."""
    line = next(i for i, l in enumerate(BASE_TEXT.splitlines(), 1) if l.startswith("days:"))
    path = write(tmp_path, text=BASE_TEXT)
    code, _, stderr = invoke("validate", path, "--set", "days=abc")
    assert code == 2 and "with --set days=abc: days:" in stderr and f"(line {line})" not in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    code, _, stderr = invoke("validate", path, "--set", "days=30", "--set", "population.size=0")
    assert code == 2 and "with --set population.size=0: population.size:" in stderr
    bad = write(tmp_path, text=BASE_TEXT.replace("days: 365", "days: -5"))
    code, _, stderr = invoke("validate", bad, "--set", "population.size=500")
    assert code == 2 and f"days (line {line})" in stderr and "--set" not in stderr


@pytest.mark.parametrize("command", ["validate", "run", "compare", "sweep"])
def test_a_set_that_makes_another_key_of_the_file_invalid_is_named(tmp_path, command):
    """--set population.size=100 under the file's 200 initial customers, or a promoter
    share that the file's passives then overfill, was reported at the file's line as
    the file's mistake: the analyst was sent to a line that is right. The error names
    the --set that causes it (among others that do not) and keeps the key's line; a
    mistake of the file itself, with a --set beside it, still names no --set."""
    path = write(tmp_path, text=BASE_TEXT)
    line = next(i for i, l in enumerate(BASE_TEXT.splitlines(), 1) if "initial_customers:" in l)
    target = [str(path)] + ([str(SCENARIOS / "no-program.yaml")] if command == "compare" else [])
    if command == "sweep":
        sweep = write(tmp_path, {"base": str(path), "method": "grid", "replicates": 1,
                                 "parameters": {"program.incentive.referrer_reward": {"values": [5, 10]}}}, name="sweep.yaml")
        target = [str(sweep)]
    out = ["--out", str(tmp_path / "out")] if command != "validate" else []
    code, stdout, stderr = invoke(command, *target, *out, "--set", "days=30", "--set", "population.size=100")
    assert_clean_error(code, stdout, stderr, path, f"{path} with --set population.size=100: population.initial_customers "
                                                   f"(line {line})")
    assert "days=30" not in stderr
    code, stdout, stderr = invoke(command, *target, *out, "--set", "satisfaction.promoters=0.9")
    assert_clean_error(code, stdout, stderr, path, "with --set satisfaction.promoters=0.9: satisfaction.passives")
    assert "(got 0.9 + 0.35 = 1.25): with these passives promoters can be at most 0.65" in stderr   # what would be valid
    bad = write(tmp_path, text=BASE_TEXT.replace("initial_customers: 200", "initial_customers: 30000"), name="bad.yaml")
    code, stdout, stderr = invoke("validate", bad, "--set", "days=30")
    assert_clean_error(code, stdout, stderr, bad, "population.initial_customers")
    assert "--set" not in stderr


def test_existing_out_folder_is_never_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, stdout, stderr = invoke("run", SCENARIOS / "default.yaml", "--out", out, "--replicates", 1, "--set", "days=40")
    assert_clean_error(code, stdout, stderr, out, "--out")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


# ----------------------------------------------------------------------------- property test

LEAVES = []  # (path tuple, value) of every scalar in the default scenario


def _collect(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            _collect(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _collect(v, path + (i,))
    else:
        LEAVES.append((path, node))


_collect(BASE)
MAPPINGS = [p for p, _ in LEAVES for p in [p[:-1]]] + [()]
OUT_OF_BOUNDS = [
    (("program", "base_share"), [1.0001, -0.5, 7]), (("days",), [0, -1, 10**9]), (("replicates",), [0, -3]),
    (("population", "size"), [0, -10, 10**12]), (("churn", "monthly_rate"), [1.5, -0.01]),
    (("acquisition", "organic_rate"), [2, -1e-9]), (("fraud", "share"), [0.31, 1.2]), (("seed",), [-1, 2**70]),
    (("program", "incentive", "referrer_reward"), [-10, 1e300]), (("economics", "monthly_margin"), [-1]),
    (("network", "mean_degree"), [0, -4, 1e6]), (("network", "clustering"), [1.5]),
    (("program", "timing", "reminders", "count"), [-1, 1000]), (("negative_word_of_mouth", "days"), [-2]),
]
WRONG_TYPES = ["not a number", [1, 2], {"a": 1}, "", "1.2.3", True]


def _get(data, path):
    for p in path:
        data = data[p]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value


def _misspell(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(len(word))
    return word[:i] + rnd.choice("xqz") + word[i + 1:]


@st.composite
def malformed(draw):
    kind = draw(st.sampled_from(["unknown", "misspelt", "wrong_type", "out_of_bounds", "non_mapping", "huge", "bad_kind"]))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    data = copy.deepcopy(BASE)
    if kind == "unknown":
        parent = rnd.choice([p for p in MAPPINGS if isinstance(_get(data, p), dict)])
        key = "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 12))) + "_x"
        _get(data, parent)[key] = draw(st.one_of(st.integers(), st.text(max_size=5), st.floats(allow_nan=False)))
    elif kind == "misspelt":
        path, _ = rnd.choice([(p, v) for p, v in LEAVES if isinstance(p[-1], str) and p[-1] != "kind"])
        parent = _get(data, path[:-1])
        wrong = _misspell(path[-1], rnd)
        if wrong in parent or wrong == path[-1]:
            wrong += "_x"
        parent[wrong] = parent.pop(path[-1])
    elif kind == "wrong_type":
        path, value = rnd.choice([(p, v) for p, v in LEAVES if p[-1] != "kind"])
        choices = [w for w in WRONG_TYPES if not isinstance(value, str) or not isinstance(w, str)]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            choices = [w for w in choices if w is not True]
        if isinstance(value, str):
            choices = [[1, 2], {"a": 1}]
        if path[-1] == "initial_customers":  # a count or a list of ids: a list is no wrong type here
            choices = [w for w in choices if not isinstance(w, list)]
        _set(data, path, rnd.choice(choices))
    elif kind == "out_of_bounds":
        path, values = rnd.choice(OUT_OF_BOUNDS)
        _set(data, path, rnd.choice(values))
    elif kind == "huge":
        path, value = rnd.choice([(p, v) for p, v in LEAVES if isinstance(v, (int, float)) and not isinstance(v, bool)
                                  and p[-1] not in ("referrer_reward", "referee_reward", "monthly_margin")])
        _set(data, path, rnd.choice([10**40, -(10**40), float("inf"), float("-inf"), 1e309]))
    elif kind == "bad_kind":
        block = rnd.choice([("network",), ("satisfaction",), ("program", "incentive"), ("program", "timing"),
                            ("program", "conversion_lag")])
        _set(data, block + ("kind",), rnd.choice(["", "unknown", 3, None, _misspell(_get(data, block + ("kind",)), rnd)]))
    if kind == "non_mapping":
        text = draw(st.sampled_from(["- 1\n- 2\n", "42\n", "just text\n", "[unclosed\n", "{a: 1\n", "\t- bad\n",
                                     "key: [1, 2\n", ": :\n", "a: b: c\n"]))
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return kind, text


@settings(max_examples=1200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(malformed())
def test_a_thousand_malformed_scenarios_get_clean_errors(tmp_path_factory, case):
    kind, text = case
    folder = tmp_path_factory.mktemp("bad")
    path = write(folder, text=text)
    out = folder / "out"
    code, stdout, stderr = invoke("run", path, "--out", out)
    assert_clean_error(code, stdout, stderr, path)
    assert not out.exists(), kind
    assert [p.name for p in folder.iterdir()] == ["scenario.yaml"], kind


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.integers(0, len(BASE_TEXT) - 1))
def test_truncated_files_are_valid_or_get_clean_errors(tmp_path_factory, cut):
    folder = tmp_path_factory.mktemp("cut")
    path = write(folder, text=BASE_TEXT[:cut])
    code, stdout, stderr = invoke("validate", path)
    if code != 0:
        assert_clean_error(code, stdout, stderr, path)


def test_a_percentage_for_a_rate_and_a_budget_at_or_below_zero_get_what_would_be_valid():
    """churn 8 meant 8%: the error said '<= 1' and no more. A budget of -200 was told
    'greater than or equal to 0', though 0 is refused too ('greater than 0')."""
    from simulator.errors import ScenarioError
    from simulator.scenario_io import load_scenario

    default = SCENARIOS / "default.yaml"
    with pytest.raises(ScenarioError, match=r"churn\.monthly_rate: .*\(got 8\); a share or rate is a fraction: 8% is 0\.08"):
        load_scenario(default, ["churn.monthly_rate=8"])
    # a share just past 1 is no percentage: "1.0001% is 0.010001" misled
    for value in ("1.0001", "1.01"):
        with pytest.raises(ScenarioError, match=rf"\(got {value}\)$"):
            load_scenario(default, [f"churn.monthly_rate={value}"])
    with pytest.raises(ScenarioError, match=r"1\.5% is 0\.015$"):
        load_scenario(default, ["program.base_share=1.5"])
    # a share capped below 1 (fraud at most 0.3): 3 for 3% has the hint; 40 for 40% is no valid share either way
    with pytest.raises(ScenarioError, match=r"\(got 3\); a share or rate is a fraction: 3% is 0\.03$"):
        load_scenario(default, ["fraud.share=3"])
    with pytest.raises(ScenarioError, match=r"\(got 40\)$"):
        load_scenario(default, ["fraud.share=40"])
    # a multiplier (unit '-') is no share: reminders' fatigue 2 for "twice as strong" was steered to 0.02
    for key in ("program.timing.reminders.fatigue", "program.link_response"):
        with pytest.raises(ScenarioError, match=r"\(got 2\)$"):
            load_scenario(default, [f"{key}=2"])
    # from 10 up a multiplier of at most 1 can only be a percentage (a fatigue of 90, an ease of 80)
    for key, value in (("program.timing.reminders.fatigue", "90"), ("program.channels.0.ease", "80")):
        with pytest.raises(ScenarioError, match=rf"\(got {value}\); a share or rate is a fraction: {value}% is 0\.{value[0]}$"):
            load_scenario(default, [f"{key}={value}"])
    # written with its percent sign: "a valid number ... from 0 to 1" alone; not for days
    with pytest.raises(ScenarioError, match=r"\(got '8%'\); valid: a number from 0 to 1; write 8% as 0\.08$"):
        load_scenario(default, ["churn.monthly_rate=8%"])
    with pytest.raises(ScenarioError, match=r"from 1 to 36,500$"):
        load_scenario(default, ["days=8%"])
    # a fraction capped above 1: the referred margin premium (at most 10) of 25 for 25%
    with pytest.raises(ScenarioError, match=r"\(got 25\); a share or rate is a fraction: 25% is 0\.25$"):
        load_scenario(default, ["economics.referred_margin_premium=25"])
    # a valid one (at most 10) from 1.5 up is run as written, and said: 5 for 5% ran as +500%, six times the margin
    from simulator.report.text import default_notes

    for value, said in (("5", "is 5: referred customers join earning 500% more margin than other customers "
                               "(6 times theirs)"), ("1.5", "earning 150% more margin")):
        notes = default_notes(load_scenario(default, [f"economics.referred_margin_premium={value}"]))
        assert any(said in note and f"so {value}% is 0.0" in note for note in notes), notes
    for value in ("0.05", "1.4"):   # a premium as meant, or one just past the margin itself
        notes = default_notes(load_scenario(default, [f"economics.referred_margin_premium={value}"]))
        assert not any("referred_margin_premium" in note for note in notes), notes
    for value in ("0", "-200"):
        with pytest.raises(ScenarioError, match=rf"budget_per_month: Input should be greater than 0 \(got {value}\)$"):
            load_scenario(default, [f"program.incentive.budget_per_month={value}"])


def test_one_key_set_in_a_block_the_file_leaves_out_changes_that_blocks_default(tmp_path):
    """`--set satisfaction.promoters=0.5` on a file without a satisfaction block wrote a
    block of one key, refused as "missing 'kind'" with no word of the kinds or of the
    default the user meant to change (nps_mix); then refused naming that kind and the
    --set that adds it. The block left out is its default: the --set now changes it,
    every other key at the default's value. A block the file writes without a kind is
    still refused, with the kinds and the default's kind to add."""
    from simulator.config import Scenario
    from simulator.scenario_io import load_scenario

    path = write(tmp_path, text="name: m\ndays: 30\npopulation: {size: 300, initial_customers: 5}\n")
    for item, block in (("satisfaction.promoters=0.5", "satisfaction"), ("network.mean_degree=8", "network")):
        changed = load_scenario(path, [item])
        default = getattr(Scenario(name="m"), block)
        key, value = item.split(".", 1)[1].split("=")
        assert getattr(changed, block) == default.model_copy(update={key: float(value)}), item
    written = write(tmp_path, text="name: m\ndays: 30\npopulation: {size: 300, initial_customers: 5}\n"
                                   "satisfaction: {promoters: 0.5}\n", name="written.yaml")
    code, stdout, stderr = invoke("validate", written)
    assert_clean_error(code, stdout, stderr, written, "satisfaction")
    assert "valid kinds: constant, nps_mix, beta" in stderr
    assert "left out, this block is kind nps_mix: add `kind: nps_mix` to it (or --set satisfaction.kind=nps_mix)" in stderr
    # a key of another kind than the default's (a stochastic block's shares): refused, with the kinds
    code, _, stderr = invoke("validate", path, "--set", "network.block_shares=[0.5, 0.5]")
    assert code == 2 and "missing 'kind'" in stderr and "valid kinds: erdos_renyi" in stderr, stderr
    # ... and the kind that has the key, which the list of every kind left to be found
    assert ("block_shares is a key of kind stochastic_block: add `kind: stochastic_block` "
            "(or --set network.kind=stochastic_block)") in stderr, stderr
    code, _, stderr = invoke("validate", path, "--set", "network.rewired=0.2")
    assert code == 2 and "no kind has a key rewired (see `refsim schema`)" in stderr, stderr
    code, _, stderr = invoke("validate", path, "--set", "program.incentive.referrer_reward=5")
    assert code == 2 and "valid kinds: none, single_sided" in stderr and "left out" not in stderr  # none has no reward
    assert "referrer_reward is a key of kinds single_sided, double_sided" in stderr, stderr
    # an item of a list the file leaves out: "program.channels: Input should be a valid list"
    code, stdout, stderr = invoke("validate", path, "--set", "program.channels.0.weight=0.5")
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1, stderr
    assert ("the file writes no program.channels, so it has no item 0; write the list program.channels in the "
            "scenario file, or give it whole (--set 'program.channels=[...]')") in stderr, stderr
    # a key no block has is named as unknown, with the key it was likely meant to be (it was told to write that list)
    code, _, stderr = invoke("validate", path, "--set", "program.chanels.0.weight=0.5")
    assert code == 2 and "unknown key 'chanels'; did you mean 'channels'?" in stderr and "writes no" not in stderr


@pytest.mark.parametrize("args, words", [
    (["run", SCENARIOS / "default.yaml", "--workers", "two"], ["run: Invalid value for '--workers'", "(see ", "run --help)"]),
    (["run"], ["run: Missing argument 'SCENARIO'"]),
    (["run", SCENARIOS / "default.yaml", "--bogus"], ["No such option: --bogus"]),
    (["compare", SCENARIOS / "default.yaml", "--seed", "x"], ["compare: Invalid value for '--seed'"]),
    (["nonsense"], ["No such command 'nonsense'"]),
])
def test_the_option_parsers_own_refusals_are_one_line(args, words):
    """A bad option value, an unknown option or command, a missing argument: click
    printed three lines (Usage, Try, Error) where every other refusal is one."""
    code, stdout, stderr = invoke(*args)
    lines = stderr.rstrip("\n").split("\n")
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr + stdout and "Usage:" not in stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_mistake_in_a_sweeps_inline_base_names_its_line_in_the_sweep_file(tmp_path):
    """Every sweep-file mistake names its line, said the docs, but one inside an inline
    `base:` scenario named none. Now its line in the sweep file is given; a base written
    as a {flow: mapping} still gets its one line, without a line number."""
    text = ("# a sweep with its base inline\nmethod: grid\nreplicates: 1\nbase:\n  name: tiny\n  days: 20\n"
            "  population: {size: 200, initial_customers: 6}\n  program:\n    base_shar: 0.3\n"
            "parameters:\n  program.incentive.referrer_reward: {values: [5, 10]}\n")
    sweep = write(tmp_path, text=text, name="sweep.yaml")
    code, stdout, stderr = invoke("sweep", sweep, "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, sweep, "program.base_shar (line 9): unknown key 'base_shar'")
    text = text.replace("base_shar: 0.3", "base_share: 0.3").replace("initial_customers: 6", "initial_customers: 600")
    code, stdout, stderr = invoke("sweep", write(tmp_path, text=text, name="sweep.yaml"), "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, sweep, "population.initial_customers (line 7): 600 is more than")
    flow = ("method: grid\nreplicates: 1\nbase: {name: tiny, days: 20, population: {size: 200, initial_customers: 600}}\n"
            "parameters:\n  program.incentive.referrer_reward: {values: [5, 10]}\n")
    code, stdout, stderr = invoke("sweep", write(tmp_path, text=flow, name="flow.yaml"), "--out", tmp_path / "out")
    assert_clean_error(code, stdout, stderr, tmp_path / "flow.yaml", "population.initial_customers: 600 is more than")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- the edges of what is valid


def _validated(**changes):
    from .conftest import small
    return small(**changes)


@pytest.mark.parametrize("ok, bad, words", [
    # population.size 2000 (conftest.small): every number the messages call valid is accepted, one past it is not
    ({"population": {"initial_customers": 2000}}, {"population": {"initial_customers": 2001}},
     "population.initial_customers: 2001 is more than population.size (2000); valid: 0..2000"),
    ({"population": {"initial_customers": [0, 1999]}}, {"population": {"initial_customers": [0, 2000]}},
     "population.initial_customers: id 2000 is not a person; valid ids are 0..1999"),
    # an id listed twice started the runs with one customer fewer than listed, without a word
    ({"population": {"initial_customers": [0, 1]}}, {"population": {"initial_customers": [0, 1, 0]}},
     "id 0 is listed twice; give each person once"),
    # influencers are recruited among the 2000 − 40 people who are not initial customers
    ({"program": {"influencers": {"count": 1960}}}, {"program": {"influencers": {"count": 1961}}},
     "program.influencers.count: 1961 influencers but only 1,960 of the 2,000 people are not initial customers, among "
     "whom they are recruited; valid: 0..1960"),
    ({"population": {"initial_customers": [0, 5, 9]}, "program": {"influencers": {"count": 1997}}},
     {"population": {"initial_customers": [0, 5, 9]}, "program": {"influencers": {"count": 1998}}},
     "1998 influencers but only 1,997 of the 2,000 people are not initial customers"),
    ({"days": 40, "program": {"timing": {"kind": "campaign", "days": [10, 40]}}},
     {"days": 40, "program": {"timing": {"kind": "campaign", "days": [10, 41]}}},
     "program.timing.days: day 41 is beyond the horizon (days = 40); valid: 1..40"),
    ({"program": {"incentive": {"kind": "tiered", "tiers": [{"after": 0, "referrer_reward": 5},
                                                            {"after": 1, "referrer_reward": 10}]}}},
     {"program": {"incentive": {"kind": "tiered", "tiers": [{"after": 0, "referrer_reward": 5},
                                                             {"after": 0, "referrer_reward": 10}]}}},
     "tiers: must start at after: 0 and strictly increase"),
    # the budget is company money: a credit reward of face value 10 costs 0.4 x 10 = 4 (cost_shares.credit);
    # a single-sided reward's referral is one reward, so a budget of 4 pays it and is accepted; 3 pays none
    ({"program": {"incentive": {"kind": "single_sided", "referrer_reward": 10,
                                "reward_type": "credit", "paid_on": "signup", "budget": 4}}},
     {"program": {"incentive": {"kind": "single_sided", "referrer_reward": 10,
                                "reward_type": "credit", "paid_on": "signup", "budget": 3}}},
     "program.incentive.budget: 3 is below one reward (4)"),
    # a referral commits both sides at once (4 + 4), paid on qualification or on signup: 5 was accepted as "one
    # reward", ended the program at the first referral and paid nothing
    ({"program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                "reward_type": "credit", "budget": 8}}},
     {"program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                "reward_type": "credit", "budget": 7.99}}},
     "program.incentive.budget: 7.99 is below one referral's rewards (8: a referral commits both sides at once)"),
    ({"program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                "reward_type": "credit", "paid_on": "signup", "budget": 8}}},
     {"program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                "reward_type": "credit", "paid_on": "signup", "budget": 7.99}}},
     "program.incentive.budget: 7.99 is below one referral's rewards (8: a referral commits both sides at once)"),
    # a tiered reward's first referral is paid at the first tier (50 + 5), whatever a later tier costs (5 + 5)
    ({"program": {"incentive": {"kind": "tiered", "tiers": [{"after": 0, "referrer_reward": 50},
                                                            {"after": 2, "referrer_reward": 5}],
                                "referee_reward": 5, "reward_type": "cash", "budget": 55}}},
     {"program": {"incentive": {"kind": "tiered", "tiers": [{"after": 0, "referrer_reward": 50},
                                                            {"after": 2, "referrer_reward": 5}],
                                "referee_reward": 5, "reward_type": "cash", "budget": 54}}},
     "program.incentive.budget: 54 is below one referral's rewards (55"),
    # (5 + 7) x 0.4 is 4.800000000000001 in floating point: the 4.8 the error asks for is accepted
    ({"program": {"incentive": {"kind": "double_sided", "referrer_reward": 5, "referee_reward": 7,
                                "reward_type": "credit", "paid_on": "signup", "budget": 4.8}}},
     {"program": {"incentive": {"kind": "double_sided", "referrer_reward": 5, "referee_reward": 7,
                                "reward_type": "credit", "paid_on": "signup", "budget": 4.79}}},
     "program.incentive.budget: 4.79 is below one referral's rewards (4.8: a referral commits both sides at once); "
     "give at least 4.8"),
    # the least named is rounded up to a figure accepted: 2 x 2499.99 x 0.37 = 1849.9926 was named 1849.99, and refused
    ({"program": {"incentive": {"kind": "double_sided", "referrer_reward": 2499.99, "referee_reward": 2499.99,
                                "cost_share": 0.37, "paid_on": "signup", "budget": 1850}}},
     {"program": {"incentive": {"kind": "double_sided", "referrer_reward": 2499.99, "referee_reward": 2499.99,
                                "cost_share": 0.37, "paid_on": "signup", "budget": 1849.99}}},
     "program.incentive.budget: 1849.99 is below one referral's rewards (1850: a referral commits both sides at "
     "once); give at least 1850"),
], ids=["initial-count", "initial-ids", "initial-ids-once", "influencers", "influencers-beside-listed", "campaign-day", "tiers", "budget-in-company-money",
        "budget-a-whole-referral", "budget-a-whole-referral-on-signup", "budget-a-first-tiered-referral", "budget-at-its-least-within-rounding",
        "budget-least-named-rounded-up"])
def test_the_last_valid_value_is_accepted_and_the_next_refused(ok, bad, words):
    """Each check's own message says what is valid ('valid: 0..size', 'valid ids are
    0..size-1', 'valid: 1..days', 'strictly increase', a budget in company money, face
    value times cost_share): the last valid value passes and the first invalid one is
    refused with that message. The cases above only tried values far past the edge
    (50,000 initial customers on 10,000 people, a campaign day twice the horizon, a cash
    reward where face value and cost are the same), so an off-by-one in any of these
    checks, or a budget checked against face value, went unnoticed."""
    from pydantic import ValidationError

    _validated(**ok)
    with pytest.raises(ValidationError) as refused:
        _validated(**bad)
    assert words in str(refused.value), str(refused.value)


@pytest.mark.parametrize("override, words", [
    ("days=abc", "days: Input should be a valid integer (got 'abc'); valid: a whole number from 1 to 36,500"),
    ("population.size=2.5", "valid integer (got 2.5); valid: a whole number from 1 to 50,000,000"),
    ("churn.monthly_rate=lots", "valid number (got 'lots'); valid: a number from 0 to 1"),
    # an optional budget's bounds sit inside its Optional; gt is 'above', not 'from'
    ("program.incentive.budget=lots", "valid number (got 'lots'); valid: a number above 0, at most 1,000,000,000, or "
                                      "null for none"),
    ("program.incentive.paid_on=1", "valid: signup, qualification"),   # not a type error: its own hint, unchanged
    # the tighter of a Probability's ge=0 and the field's own gt=0: 'from 0' offered a 0 the key refuses
    ("program.incentive.qualifying_share=abc", "valid: a number above 0, at most 1"),
    ("seed=x", "valid: a whole number from 0 to 9,223,372,036,854,775,807, or null (drawn and recorded when omitted)"),
    # null for an optional key is said as what it means: a cost share's default, not 'none' (no cost)
    ("program.incentive.cost_share=x", "valid: a number from 0 to 1, or null (unset uses program.cost_shares of the "
                                       "reward type)"),
])
def test_a_value_of_the_wrong_type_is_told_the_bounds_a_value_out_of_them_is(tmp_path, override, words):
    """`--set days=abc` was told "should be a valid integer" and nothing of what is valid,
    where `days=-3` is told its bound; a wrong type now gets the key's bounds as well."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text("population: {size: 300}\nprogram:\n  incentive: {kind: double_sided, budget: 500}\n")
    result = CliRunner().invoke(app, ["validate", str(scenario), "--set", override])
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output, result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_boolean_key_given_text_is_told_true_or_false(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("population: {size: 300}\nprogram:\n  channels: [{kind: direct, weight: 1, invite_all: sure}]\n")
    result = CliRunner().invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2 and "invite_all (line 3): Input should be a valid boolean (got 'sure'); valid: true or " \
                                      "false" in result.stderr, result.output


@pytest.mark.parametrize("setting, words", [
    # a rule the bounds do not say: 'a whole number from 2' offered 3, which Saltelli refuses
    ("samples: abc", "samples (line 1): Input should be a valid integer (got 'abc'); valid: a power of two from 2, "
                     "e.g. 64, or null (the command's default)"),
    # and out of its bound: '>= 2' alone offered 3
    ("samples: 1", "samples (line 1): Input should be greater than or equal to 2 (got 1); valid: a power of two from 2, "
                   "e.g. 64"),
    # null in a settings file is the command's default (--replicates: the scenario's), not 'none'
    ("replicates: x", "replicates (line 1): Input should be a valid integer (got 'x'); valid: a whole number from 1, or "
                      "null (the command's default)"),
])
def test_a_settings_value_of_the_wrong_type_is_told_what_is_valid_there(tmp_path, setting, words):
    settings = tmp_path / "sens.yaml"
    settings.write_text(setting + "\n")
    result = CliRunner().invoke(app, ["sensitivity", str(SCENARIOS / "default.yaml"), "--settings", str(settings),
                                      "--uncertain", "program.base_share=0.1:0.3"])
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("text, words", [
    ("population: {size: 300}\nprogram:\n#  base_share: 0.2\n",
     "program (line 2): should be a block of 'key: value' lines, but nothing is under it: give its keys, or delete the "
     "line to keep the defaults"),
    ("population: {size: 300}\nchurn:\n", "churn (line 2): should be a block of 'key: value' lines, but nothing is under it"),
    # an empty list key, an empty text key: 'Input should be a valid list (got None)'
    ("population: {size: 300}\nprogram:\n  channels:\n",
     "program.channels (line 3): should be a list ([a, b], or one '- item' line each), but nothing is given: give its "
     "items, or delete the line to keep the defaults"),
    ("population: {size: 300}\nname:\n", "name (line 2): should be text, but nothing is given: give a value"),
    # a list's item is deleted with its '- ' line (deleting the key line left 'a valid list (got None)')
    ("population: {size: 300}\nprogram:\n  channels:\n    -\n",
     "program.channels.0 (line 4): should be a block of 'key: value' lines, but nothing is under it: give the item's "
     "keys, or delete its '- ' line"),
    ("population: {size: 300}\nprogram:\n  timing:\n",
     "program.timing (line 3): should be a block of 'key: value' lines, but nothing is under it: give its keys, or delete "
     "the line to keep the defaults; valid kinds: never, at_purchase, onboarding, milestone, campaign"),
])
def test_a_block_with_nothing_under_it_says_so(tmp_path, text, words):
    """'program:' with its keys commented out was told "Input should be a valid dictionary
    or instance of Program", and a block with variants "... object to extract fields
    from", without its kinds."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    result = CliRunner().invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output, result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_settings_files_choices_are_read_as_written(tmp_path):
    """A settings file's choices were joined into 'a,b' text by str(): [[1, 2], 0.3] was
    told "value '[1' does not fit", null came back as the text 'None' and .inf as 'inf',
    "not a valid number". A list or block among them is refused naming the key, and
    null and .inf are read as YAML writes them."""
    from simulator.decide_settings import range_texts

    assert range_texts({"program.incentive.budget": [None, 500], "x": [float("inf"), True]}) == [
        "program.incentive.budget=null,500", "x=.inf,true"]
    settings = tmp_path / "o.yaml"
    settings.write_text("vary:\n  program.base_share: [[1, 2], 0.3]\n")
    result = CliRunner().invoke(app, ["optimize", str(SCENARIOS / "default.yaml"), "--settings", str(settings)])
    assert result.exit_code == 2 and "'program.base_share' lists [1, 2] among its choices; each choice is one number, " \
                                     "word, true/false or null" in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text, words", [
    ("days: [30]\n", "days (line 1): Input should be a valid integer (got a list); valid: a whole number from 1 to 36,500"),
    ("churn: {monthly_rate: {a: 1}}\n", "churn.monthly_rate (line 1): Input should be a valid number (got a block of "
                                        "'key: value' lines); valid: a number from 0 to 1"),
    ("~: 10\n", "(top level): null stands where a key belongs; valid keys here: "),   # not 'the number None'
    # inside a block: that block, not the top level
    ("program:\n  null: 3\n", "program (line 1): null stands where a key belongs; valid keys here: base_share"),
])
def test_a_list_block_or_null_where_it_does_not_belong_is_told_what_is_valid(tmp_path, text, words):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    result = CliRunner().invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output, result.output


def test_an_option_missing_its_value_names_the_command_and_its_help():
    """`refsim run FILE --out` (no folder after it) said "error: refsim: Option '--out'
    requires an argument. (see refsim --help)": click's parser gives that refusal no
    context, and the top-level help lists no --out. It now names the command, as every
    other refusal does."""
    for command, option in (("run", "--out"), ("compare", "-r"), ("sweep", "--set"), ("optimize", "--vary")):
        code, stdout, stderr = invoke(command, SCENARIOS / "default.yaml", option)
        assert code == 2 and len(stderr.strip().splitlines()) == 1, stderr
        assert f" {command}: Option '{option}' requires an argument." in stderr, stderr
        assert stderr.rstrip().endswith(f" {command} --help)"), stderr


@pytest.mark.parametrize("block", ["population", "network", "program.incentive", "program.timing"])
def test_a_block_given_as_a_list_is_told_to_be_a_block(tmp_path, block):
    """`population: [2000, 20]` was told "should be a block of 'key: value' lines, not a
    list", but the blocks chosen by their kind (the network, the incentive, the timing)
    read pydantic's "Input should be a valid dictionary or object to extract fields
    from". Every block now says the same."""
    data = copy.deepcopy(BASE)
    parent = data
    *path, last = block.split(".")
    for part in path:
        parent = parent.setdefault(part, {})
    parent[last] = [1, 2]
    file = write(tmp_path, data)
    code, stdout, stderr = invoke("validate", file)
    assert_clean_error(code, stdout, stderr, file, f"{block} (line")
    assert "should be a block of 'key: value' lines, not a list" in stderr, stderr


def test_a_single_value_where_a_list_belongs_is_told_to_be_a_list(tmp_path):
    """`program.channels: 5`, in the file or by --set, read pydantic's "Input should be a
    valid list (got 5)", which gives no hint of the form a list takes (a mapping there
    was already told "should be a list ([a, b], or one '- item' line each)")."""
    data = copy.deepcopy(BASE)
    data.setdefault("program", {})["channels"] = 5
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, path, "program.channels (line")
    assert "should be a list ([a, b], or one '- item' line each), not a single value (5)" in stderr, stderr
    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "program.channels=email")
    assert code == 2 and "should be a list ([a, b], or one '- item' line each), not text ('email')" in stderr, stderr


def test_a_set_of_a_block_to_null_is_not_told_to_delete_a_line(tmp_path):
    """`--set program=null` was told to "give its keys, or delete the line to keep the
    defaults": a --set has no line. It is now told to drop the --set; a file's own empty
    block keeps the line advice."""
    code, stdout, stderr = invoke("validate", SCENARIOS / "default.yaml", "--set", "program=null")
    assert code == 2 and "give its keys, or drop this --set to keep the file's or the default's" in stderr, stderr
    assert "delete the line" not in stderr
    empty = write(tmp_path, text="name: x\ndays: 30\nprogram:\n")
    code, stdout, stderr = invoke("validate", empty)
    assert code == 2 and "give its keys, or delete the line to keep the defaults" in stderr, stderr


def test_channels_whose_labels_collide_are_said_or_refused_and_named_ones_are_told_apart(tmp_path):
    """The people table's `channel` column tells channels apart by label alone: two
    unnamed `direct` channels (a 2% and a 20% one) merged their referrals there, and a
    channel named `seed` or `organic` made its referred customers read as initial
    customers or organic adopters; validate said "valid". Two channels of one label
    still run (each with its own settings), with a note; a reserved label is refused."""
    from simulator import simulate
    from simulator.scenario_io import load_scenario

    two = [{"kind": "direct", "weight": 0.5, "base_conversion": 0.02},
           {"kind": "direct", "weight": 0.5, "base_conversion": 0.2}]
    path = write(tmp_path, {**BASE, "program": {**BASE["program"], "channels": two}})
    code, out, err = invoke("validate", path)
    assert code == 0 and "note: Channels share a label in the people table's channel column (channels 0 and 1 are both " \
        "'direct', program.channels.N.name defaulting to the kind)" in out + err and "Give each a different name" in out + err
    # named alike by hand, the default is not the cause ('give each a name' was said of two channels named email)
    path = write(tmp_path, {**BASE, "program": {**BASE["program"], "channels": [{**two[0], "name": "email"},
                                                                            {**two[1], "name": "email"}]}})
    code, out, err = invoke("validate", path)
    assert code == 0 and "(channels 0 and 1 are both 'email'), so it cannot tell" in out + err, out + err
    # each pair told its own cause: the default's clause sat after a pair named by hand
    path = write(tmp_path, {**BASE, "program": {**BASE["program"], "channels": [
        {**two[0], "weight": 0.25}, {**two[1], "weight": 0.25}, {"kind": "broadcast", "name": "email", "weight": 0.25},
        {"kind": "direct", "name": "email", "weight": 0.25}]}})
    code, out, err = invoke("validate", path)
    assert "(channels 0 and 1 are both 'direct', program.channels.N.name defaulting to the kind; channels 2 and 3 are " \
        "both 'email'), so" in out + err, out + err
    for reserved in ("seed", "organic", "not acquired"):
        path = write(tmp_path, {**BASE, "program": {**BASE["program"], "channels": [
            {**two[0], "name": reserved}, {**two[1], "name": "sms"}]}})
        code, out, err = invoke("validate", path)
        assert_clean_error(code, out, err, path, "program.channels.0.name")
        assert "the people table's label for people no channel brought" in err, err
    # named, they are told apart in the people table: each referred customer carries its channel's own label
    path = write(tmp_path, {**BASE, "population": {"size": 2000, "initial_customers": 40}, "days": 30, "replicates": 1,
                            "program": {**BASE["program"], "channels": [{**two[1], "name": "email"},
                                                                        {**two[1], "name": "sms"}]}})
    people = simulate(load_scenario(path), replicates=1, people=True).people
    assert {"email", "sms"} <= set(people["channel"]) <= {"not acquired", "seed", "organic", "email", "sms"}


def test_a_set_that_does_not_fit_one_files_shape_names_that_file(tmp_path):
    """`refsim compare three.yaml two.yaml --set program.channels.2.weight=0.2` said
    "--set: '2' is not an index of a list of 2 items": two.yaml has two channels, and the
    line did not say which design it was. An error that depends on the file's own shape
    (a list index past its end, a list the file leaves out, a value where a block goes)
    now names the file; one in the --set itself (no '=') still names the --set alone."""
    channels = [{"kind": "direct", "weight": 0.5}, {"kind": "broadcast", "weight": 0.3}, {"kind": "direct", "weight": 0.2, "name": "sms"}]
    base = {"name": "x", "days": 10, "population": {"size": 300, "initial_customers": 5}}
    three = write(tmp_path, {**base, "program": {"channels": channels}}, name="three.yaml")
    two = write(tmp_path, {**base, "program": {"channels": [{**channels[0], "weight": 0.7}, channels[1]]}}, name="two.yaml")
    none = write(tmp_path, base, name="none.yaml")
    for files in ((three, two), (two, three)):
        code, stdout, stderr = invoke("compare", *files, "--set", "program.channels.2.weight=0.2",
                                      "--out", tmp_path / "o")
        assert_clean_error(code, stdout, stderr, two)
        assert f"{two} with --set: 'program.channels.2.weight=0.2': '2' is not an index of a list of 2 items" in stderr
    code, stdout, stderr = invoke("validate", none, "--set", "program.channels.0.weight=0.5")
    assert stderr.startswith(f"error: {none} with --set: 'program.channels.0.weight=0.5': the file writes no"), stderr
    code, stdout, stderr = invoke("validate", two, "--set", "days.x=3")
    assert stderr.startswith(f"error: {two} with --set: days.x: 'days.x=3': 'days' is a value, not a mapping"), stderr
    # deeper, the value reached is named, not the key past it ('program.channels.0.weight.x' is a value)
    code, stdout, stderr = invoke("validate", two, "--set", "program.channels.0.weight.x.y=3")
    assert "'program.channels.0.weight' is a value, not a mapping" in stderr, stderr
    code, stdout, stderr = invoke("validate", two, "--set", "days")
    assert stderr.startswith("error: --set: 'days' is not of the form key.path=value"), stderr
    assert not (tmp_path / "o").exists()


def test_an_empty_out_folder_that_cannot_be_written_is_refused_before_any_run(tmp_path, monkeypatch):
    """An existing, empty, immutable --out passed the check (its parent was writable):
    `refsim run ... --out imm` ran its 4 of 4 replicates, then "cannot write results here"
    lost them. The folder itself is now tried, before any run; and a sweep's folder that
    holds kept runs is said to be unwritable, not one where "no folder can be created",
    with "choose another --out", which would leave the runs behind. (The immutable flag
    needs root and a file system that keeps it, so it is stood in for here by the
    folder refusing the probe, as the system refuses it.)"""
    import errno
    import tempfile

    from simulator import outpath, runner as engine
    from simulator.errors import ScenarioError

    refused = {tmp_path / "imm", tmp_path / "kept"}
    made = tempfile.mkdtemp

    def mkdtemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) in refused:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return made(*args, dir=dir, **kwargs)

    monkeypatch.setattr(outpath.tempfile, "mkdtemp", mkdtemp)
    ran = []
    monkeypatch.setattr(engine, "simulate", lambda *a, **k: ran.append(1))
    (tmp_path / "imm").mkdir()
    code, stdout, stderr = invoke("run", SCENARIOS / "default.yaml", "-r", "2", "--out", tmp_path / "imm")
    assert code == 2 and not ran, stderr
    assert stderr.strip() == (f"error: {tmp_path / 'imm'}: --out: cannot write in this folder (Operation not "
                              f"permitted); make it writable, or choose an --out folder you can write to"), stderr
    (tmp_path / "kept" / "runs").mkdir(parents=True)
    # "rerun the same command: what it holds is kept" was untrue of a command with --force, which starts over
    with pytest.raises(ScenarioError, match="cannot write in this folder .*make it writable and rerun: without "
                                            "--force, what it holds is kept"):
        outpath.check_out_path(tmp_path / "kept", existing_ok=True)
    # a folder the study keeps inside its own (a sweep's runs/): the resumed sweep ran its new runs, then lost them
    refused.discard(tmp_path / "kept")
    refused.add(tmp_path / "kept" / "runs")
    with pytest.raises(ScenarioError, match=r"cannot write in its folder runs/ \(Operation not permitted\); make it "
                                            "writable and rerun: without --force, what it holds is kept"):
        outpath.check_out_path(tmp_path / "kept", existing_ok=True)
    # a folder of the user's own there is none of the study's: an immutable notes/ was refused
    refused.clear()
    refused.add(tmp_path / "kept" / "notes")
    (tmp_path / "kept" / "notes").mkdir()
    outpath.check_out_path(tmp_path / "kept", existing_ok=True)
    # a file the study wrote before and replaces: an immutable report.md stopped the resumed sweep with a traceback
    # once its new runs were done
    from simulator.sweep import sweep_output

    (tmp_path / "kept" / "report.md").write_text("x")
    (tmp_path / "kept" / "notes.txt").write_text("mine")
    linked = os.link

    def immutable(source, target, *args, **kwargs):   # an immutable or append-only file takes no second name
        if Path(source).name in ("report.md", "notes.txt"):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return linked(source, target, *args, **kwargs)

    monkeypatch.setattr(outpath.os, "link", immutable)
    with pytest.raises(ScenarioError, match=r"cannot replace its file report.md \(Operation not permitted\); make it "
                                            r"writable and rerun: without --force, what the folder holds is kept"):
        outpath.check_out_path(tmp_path / "kept", existing_ok=True, owns=sweep_output)
    assert (tmp_path / "kept" / "report.md").read_text() == "x"
    outpath.check_out_path(tmp_path / "kept", existing_ok=True, owns=sweep_output, write=False)   # a dry run: no probe
    # a file of the user's own is not the study's: an immutable notes.txt was refused as "its file"
    (tmp_path / "kept" / "report.md").unlink()
    outpath.check_out_path(tmp_path / "kept", existing_ok=True, owns=sweep_output)
    monkeypatch.setattr(outpath.os, "link", linked)
    # a read-only file of its own is the folder's to replace: opened for appending it was refused
    (tmp_path / "kept" / "sweep.csv").write_text("x")
    (tmp_path / "kept" / "sweep.csv").chmod(0o444)
    outpath.check_out_path(tmp_path / "kept", existing_ok=True, owns=sweep_output)
    assert not list((tmp_path / "kept").glob(".*refsim-probe"))
    # a writable empty folder still passes, and a new one under a writable parent
    (tmp_path / "free").mkdir()
    outpath.check_out_path(tmp_path / "free")
    outpath.check_out_path(tmp_path / "new")


def test_a_merge_key_and_a_second_document_are_said_as_such(tmp_path):
    """`population: {<<: *c}` read "unknown key '<<'", which did not say why the anchor's
    keys were not read (YAML 1.2, which refsim reads, has no merge keys); a file of two
    documents read "invalid YAML: but found another document", PyYAML's sentence without
    its start."""
    merged = write(tmp_path, text="name: a\ndays: 10\npopulation: {<<: {size: 300}}\n", name="merged.yaml")
    code, stdout, stderr = invoke("validate", merged)
    assert_clean_error(code, stdout, stderr, merged, "population.<< (line 3)")
    assert "unknown key '<<': a YAML merge key, which YAML 1.2 does not have; write the block's keys out" in stderr
    two = write(tmp_path, text="name: a\ndays: 10\n---\nname: b\n", name="two.yaml")
    code, stdout, stderr = invoke("validate", two)
    assert_clean_error(code, stdout, stderr, two, "line 3, column 1")
    assert "a second document starts here (after ---); the file holds one document: split it into files" in stderr
    assert "but found" not in stderr
    # a lone --- left at the end is to be deleted, not split off; and a sweep is not called a scenario file
    lone = write(tmp_path, text="name: a\ndays: 10\n---\n\n", name="lone.yaml")
    code, stdout, stderr = invoke("validate", lone)
    assert_clean_error(code, stdout, stderr, lone, "a --- line here starts a second, empty document; delete it")
    for tail in ("---\n# nothing more\n", "---\n---\n", "---\n...\n", "---\n--- # end\n", "---\n... # done\n"):   # comments and markers hold nothing either
        empty = write(tmp_path, text="name: a\ndays: 10\n" + tail, name="empty.yaml")
        assert "a --- line here starts a second, empty document; delete it" in invoke("validate", empty)[2], tail
    sweep = write(tmp_path, text=f"name: s\nbase: {SCENARIOS / 'default.yaml'}\n---\nname: t\n", name="sweep.yaml")
    code, stdout, stderr = invoke("sweep", sweep, "--dry-run")
    assert_clean_error(code, stdout, stderr, sweep, "a second document starts here")
    assert "scenario file" not in stderr, stderr


def test_a_missing_key_inside_a_block_says_what_to_give(tmp_path):
    """An edge-list network without its path read "network.path: required key is missing",
    saying nothing of what the key holds, where every other error says what would be
    valid. A required key missing inside a block now gives its description's first
    sentence (the schema's, as `refsim schema` gives it)."""
    from simulator.config import EdgeList

    data = copy.deepcopy(BASE)
    data["network"] = {"kind": "edgelist"}
    path = write(tmp_path, data)
    code, stdout, stderr = invoke("validate", path)
    assert_clean_error(code, stdout, stderr, path, "network.path")
    first = EdgeList.model_fields["path"].description.split(". ")[0]
    assert f"required key is missing; give 'path:' ({first[0].lower()}{first[1:]})" in stderr, stderr
    # a description with units: none pasted in ("give 'count:', the how many people to pick [people]")
    data["network"] = BASE["network"]
    data["population"] = {"initial_customers": {"strategy": "degree"}}
    code, stdout, stderr = invoke("validate", write(tmp_path, data))
    assert "required key is missing; give 'count:' (how many people to pick)" in stderr, stderr


def test_count_set_on_a_plain_count_scales_it_and_on_listed_ids_says_what_would_do():
    """A plain count is random seeding's block (`{count: N, strategy: random}`, drawn
    alike: behaviour.seeding.pick), but `--set population.initial_customers.count=20` on
    a file with one was refused ("'population.initial_customers' is a value, not a
    mapping"), so one --set could not scale a plain-count design beside seeding-hubs.
    It sets the count; on a list of ids, the error says what would do."""
    import numpy as np

    from simulator import load_scenario
    from simulator.engine import Engine
    from simulator.errors import ScenarioError

    default = SCENARIOS / "default.yaml"
    small = ["population.size=500", "days=5"]
    by_count = load_scenario(default, [*small, "population.initial_customers.count=20"])
    plain = load_scenario(default, [*small, "population.initial_customers=20"])
    assert by_count.population.initial_customers.count == 20
    assert by_count.population.initial_customers.strategy == "random"
    seeds = [Engine(s, seed=3)._initial_ids for s in (by_count, plain)]
    assert len(seeds[0]) == 20 and np.array_equal(*seeds)
    # a count written 60.0, which a file may hold and validate reads as 60, takes it too
    assert load_scenario(default, [*small, "population.initial_customers=60.0",
                                   "population.initial_customers.count=20"]).population.initial_customers.count == 20
    # and a study varies it on a plain count (sweep said 'does not read', sensitivity refused it as a value)
    from simulator.parameters import applies, parse_parameters

    assert applies(plain, "population.initial_customers.count")
    assert parse_parameters(["population.initial_customers.count=10:30"], plain)[0].low == 10
    with pytest.raises(ScenarioError, match=r"lists 3 person ids, which have no count; give "
                                            r"population.initial_customers=N for N customers picked at random"):
        load_scenario(default, ["population.initial_customers=[1, 2, 3]", "population.initial_customers.count=2"])


@pytest.mark.parametrize("written, shown", [("null", "(got null)"), ("~", "(got null)"), ("true", "(got true)"),
                                            ("false", "(got false)")])
def test_a_value_of_the_wrong_kind_is_quoted_as_the_file_writes_it(tmp_path, written, shown):
    """'Input should be a valid number (got None)' of a file that says null (or True of
    true): the error quotes the value as YAML writes it, in a file and in a --set."""
    from typer.testing import CliRunner

    from simulator.cli import app

    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\ndays: 10\nprogram:\n  incentive: {{kind: single_sided, referrer_reward: {written}}}\n")
    for command in (["validate", str(path)],
                    ["validate", str(ROOT / "scenarios" / "default.yaml"), "--set",
                     f"program.incentive.referrer_reward={written}"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and f"Input should be a valid number {shown}" in result.stderr, result.output
        assert "None" not in result.stderr and "True" not in result.stderr and "False" not in result.stderr
