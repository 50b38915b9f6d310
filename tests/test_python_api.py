"""The Python API as a notebook user meets it: what README.md's "From Python" promises,
and the mistakes a user makes there, each one line naming the argument or key (no
traceback from numpy's SeedSequence or the engine's arrays)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import simulator
from simulator import Scenario, ScenarioError, load_scenario, simulate
from simulator.cli import app
from simulator.metrics import DAILY_COLUMNS
from simulator.model import Customer, ReferralModel

from .conftest import SCENARIOS

DEFAULT = SCENARIOS / "default.yaml"
TINY = ["days=20", "population.size=1500", "population.initial_customers=30"]


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(DEFAULT, TINY)


# --------------------------------------------------------------------------- what simulate takes


@pytest.mark.parametrize("given", [str(DEFAULT), DEFAULT])
def test_simulate_given_a_path_says_to_load_it(given):
    with pytest.raises(TypeError, match=r"simulate\(\) takes a Scenario, not a path: read it with load_scenario\('"):
        simulate(given, replicates=1, seed=1)


def test_simulate_given_a_dict_or_results_says_what_to_pass(tiny):
    with pytest.raises(TypeError, match=r"not a dict: make one with simulator.scenario_io.validate\(data\), which checks it as a file is checked"):
        simulate(tiny.model_dump(), replicates=1, seed=1)
    # the advice works, and its mistakes are a file's one line (Scenario.model_validate's were pydantic's, 4 lines)
    from simulator.scenario_io import validate

    assert validate(tiny.model_dump(mode="json")) == tiny
    with pytest.raises(ScenarioError) as error:
        validate({"program": {"incentive": {"kind": "double_sided", "referer_reward": 5}}})
    assert "\n" not in str(error.value) and "did you mean 'referrer_reward'" in str(error.value)
    results = simulate(tiny, replicates=1, seed=1, baseline=False)
    with pytest.raises(TypeError, match=r"simulate\(results.scenario, ...\) reruns it"):
        simulate(results)


@pytest.mark.parametrize("replicates", [0, -1])   # not 1,000,001: on the old code it runs them
def test_replicates_out_of_bounds_are_refused_not_replaced_by_the_scenarios(tiny, replicates):
    """replicates=0 ran the scenario's 10 replicates; -1 was numpy's OverflowError."""
    with pytest.raises(ScenarioError) as error:
        simulate(tiny, replicates=replicates, seed=1)
    assert error.value.key == "replicates" and "1..1,000,000" in str(error.value)


@pytest.mark.parametrize("seed", [-1, 2**63])
def test_a_seed_out_of_bounds_is_one_line_naming_seed(tiny, seed):
    """-1 was "expected non-negative integer" from numpy's bit_generator, ten frames down."""
    with pytest.raises(ScenarioError) as error:
        simulate(tiny, replicates=1, seed=seed)
    assert error.value.key == "seed" and "0..9,223,372,036,854,775,807" in str(error.value)


@pytest.mark.parametrize("seed, error, words", [(-1, ScenarioError, "0..9,223,372,036,854,775,807"),
                                                 (1.5, TypeError, "must be a whole number"),
                                                 (None, TypeError, "not NoneType None"),
                                                 ("x", TypeError, "not str 'x'")])
def test_the_bare_engine_refuses_a_bad_seed_in_one_line(tiny, seed, error, words):
    """Engine(s, -1) was numpy's "expected non-negative integer"; 1.5 ran as seed 1;
    'x' was told a seed could be None, which the bare engine refuses."""
    from simulator.engine import Engine

    with pytest.raises(error, match=r"Engine\(\): seed") as raised:
        Engine(tiny, seed)
    assert words in str(raised.value) and "or None" not in str(raised.value)


def test_api_calls_given_the_wrong_kind_of_thing_say_what_they_take(tiny):
    """A path for a scenario, a mapping for a path, a float for a person: each was an
    AttributeError or os.fspath's TypeError from deep inside, or (1.5) person 1."""
    from simulator.engine import Engine

    with pytest.raises(TypeError, match=r"Engine\(\): scenario must be a Scenario \(simulator.load_scenario\(path\)\)"):
        Engine(str(DEFAULT), 1)
    with pytest.raises(TypeError, match=r"load_scenario\(\): path must be a scenario file's path .*simulator.scenario_io.validate\(data\)"):
        load_scenario({"days": 10})
    model = ReferralModel(tiny, rng=1)
    for person in (1.5, True, "1"):
        with pytest.raises(TypeError, match="person must be a whole number"):
            model.customer(person)
    assert model.customer(np.int64(1)) is model.customer(1)


@pytest.mark.parametrize("kernel", [True, False])
def test_a_customers_satisfaction_is_the_score_the_model_reads(kernel):
    """Customer.satisfaction gave the score as drawn: an annoyed customer read 8.5, a
    promoter, where sharing and churn read 2.5, a detractor, and under drift every
    customer's segment could be off. It is now drawn less annoyance (docs/model.md), moved
    by drift over the tenure, s0 + drift * t / 365 cut to 0-10 (closed forms below); a
    prospect's is as drawn."""
    changes = ["population.size=1500", "population.initial_customers=60", "days=40",
               "program.timing.reminders.annoyance=1.0", "program.timing.reminders.count=3",
               "program.timing.reminders.interval_days=2"]
    model = ReferralModel(load_scenario(DEFAULT, changes), rng=5, kernel=kernel)
    model.run_model()
    people, lost = model.engine.people, model.engine.satisfaction_lost
    annoyed = np.flatnonzero((lost > 0) & (people.churn_day < 0))
    assert len(annoyed)
    for person in annoyed[:5]:
        assert model.customer(int(person)).satisfaction == pytest.approx(people.satisfaction[person] - lost[person], abs=1e-5)
    prospect = int(np.flatnonzero(people.adopted_day < 0)[0])
    assert model.customer(prospect).satisfaction == pytest.approx(float(people.satisfaction[prospect]))
    drifting = ReferralModel(load_scenario(DEFAULT, [*changes[:3], "satisfaction.drift_per_year=-10"]), rng=5,
                             kernel=False)
    drifting.run_model()
    people = drifting.engine.people
    for person in np.flatnonzero((people.adopted_day >= 0) & (people.churn_day < 0))[:5]:
        tenure = drifting.day - people.adopted_day[person] + people.tenure_at_start[person]
        expected = min(max(float(people.satisfaction[person]) - 10 * tenure / 365, 0.0), 10.0)
        assert drifting.customer(int(person)).satisfaction == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("name, value", [("seed", 1.5), ("seed", "7"), ("replicates", 2.5), ("replicates", True)])
def test_a_seed_or_replicates_that_is_not_a_whole_number_is_a_type_error(tiny, name, value):
    """seed=1.5 ran as seed 1, and seed='7' as seed 7."""
    with pytest.raises(TypeError, match=rf"simulate\(\): {name} must be a whole number or None"):
        simulate(tiny, **{"replicates": 1, "seed": 1, name: value})


def test_a_whole_float_for_replicates_is_told_it_is_the_type_refused(tiny):
    """'replicates must be a whole number or None, not float 2.0' read as refusing a
    whole number."""
    with pytest.raises(TypeError, match=r"replicates must be a whole number or None, not float 2\.0 \(an int: give 2\)$"):
        simulate(tiny, replicates=2.0)


@pytest.mark.parametrize("call, name, value, words", [
    ("simulate", "baseline", "no", "baseline must be True or False, not str 'no'"),
    ("simulate", "people", "no", "people must be True or False"),
    ("simulate", "people", 0, "people must be True or False, not int 0"),
    ("simulate", "progress", 5, "progress must be a function called with the number of runs finished, or None"),
    ("compare", "baseline", "no", "baseline must be True or False"),
    ("compare", "unpaired", 1, "unpaired must be True or False"),
    ("compare", "progress", "bar", "progress must be a function"),
])
def test_a_switch_that_is_not_true_or_false_or_a_progress_that_is_not_callable_is_a_type_error(tiny, call, name, value,
                                                                                                   words):
    """baseline='no' ran the twins and people='no' kept the people table (a non-empty
    string is true); progress=5 failed only after the first run, on "'int' object is not
    callable"."""
    from simulator.compare import compare

    with pytest.raises(TypeError, match=rf"{call}\(\): {re.escape(words)}"):
        if call == "simulate":
            simulate(tiny, replicates=1, seed=1, **{name: value})
        else:
            compare([tiny, tiny.model_copy(update={"name": "again"})], replicates=2, seed=1, **{name: value})


def test_a_switch_given_none_takes_its_default(tiny):
    """check_switches says None means a switch's default, and simulate(baseline=None)
    kept it; people=None dropped the people table and compare(baseline=None) ran no
    twins, so decide ranked on net_value instead of incremental_value."""
    from simulator.compare import compare, decide

    assert simulate(tiny, replicates=1, seed=1, people=None).people.equals(simulate(tiny, replicates=1, seed=1).people)
    designs = [tiny, tiny.model_copy(update={"name": "again"})]
    default = compare(designs, replicates=2, seed=1)
    for switches in ({"baseline": None}, {"unpaired": None}):
        given = compare(designs, replicates=2, seed=1, **switches)
        assert given.table.equals(default.table) and decide(given).metric == decide(default).metric
    assert decide(default).metric == "incremental_value"


@pytest.mark.parametrize("workers", [0, -2])
def test_workers_out_of_bounds_are_refused_as_the_command_line_refuses_them(tiny, workers):
    """workers=0 quietly meant one process per core (None's meaning), where --workers 0
    is refused; the bounds are --workers' (1..100,000)."""
    with pytest.raises(ScenarioError) as error:
        simulate(tiny, replicates=1, seed=1, workers=workers)
    assert error.value.key == "workers" and "1..100,000" in str(error.value)


def test_numpy_integers_are_whole_numbers(tiny):
    results = simulate(tiny, replicates=np.int64(1), seed=np.uint32(1), baseline=False)
    assert len(results.runs) == 1 and results.scenario.seed == 1


def test_numpy_integers_and_whole_floats_in_a_model_copy_run_and_a_fraction_for_a_count_is_one_line(tiny, tmp_path):
    """days=np.int64(20) from a loop over np.arange ran before the scenario was checked
    (and was refused as "Input should be a valid integer"); days=20.0 passed the check
    as a whole float and stopped in the engine on "'float' object cannot be interpreted
    as an integer"."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # pydantic's serializer warns of the numpy value
        results = simulate(tiny.model_copy(update={"days": np.int64(20)}), replicates=1, seed=1, baseline=False)
        channel = tiny.program.channels[0].model_copy(update={"invite_all": np.bool_(False)})
        program = tiny.program.model_copy(update={"channels": [channel, *tiny.program.channels[1:]]})
        switched = simulate(tiny.model_copy(update={"program": program}), replicates=1, seed=1, baseline=False)
    assert len(results.timeseries) > 0
    # and the run's scenario holds Python's numbers, so its folder is written: it stopped on pydantic's
    # "Unable to serialize unknown type: <class 'numpy.int64'>", the runs lost
    assert type(results.scenario.days) is int and type(switched.scenario.program.channels[0].invite_all) is bool
    from simulator.report import write_run

    for name, ran in (("days", results), ("invite_all", switched)):
        folder = write_run(ran, tmp_path / name)
        assert json.loads((folder / "manifest.json").read_text())["scenarios"][0] == ran.scenario.model_dump(mode="json")
    # a whole float is the whole number it stands for, as in a file or --set: 'Input should be a valid integer
    # (got 20.0); valid: a whole number from 1 to 36,500' refused it; the run's scenario holds the int
    whole = simulate(tiny.model_copy(update={"days": 20.0}), replicates=1, seed=1, baseline=False)
    assert type(whole.scenario.days) is int and whole.timeseries.equals(results.timeseries)
    from simulator.config import Campaign

    campaign = tiny.program.model_copy(update={"timing": Campaign(kind="campaign", days=[5, 12])})
    listed = campaign.model_copy(update={"timing": campaign.timing.model_copy(update={"days": [5.0, 12]})})
    ran = simulate(tiny.model_copy(update={"days": 20, "program": listed}), replicates=1, seed=1, baseline=False)
    assert [type(day) for day in ran.scenario.program.timing.days] == [int, int]   # inside a kind's block and a list
    assert ran.timeseries.equals(simulate(tiny.model_copy(update={"days": 20, "program": campaign}), replicates=1,
                                          seed=1, baseline=False).timeseries)
    assert listed.timing.days == [5.0, 12]   # the caller's scenario is left as it was
    with pytest.raises(ScenarioError) as error:
        simulate(tiny.model_copy(update={"days": 20.5}), replicates=1, seed=1, baseline=False)
    assert error.value.key == "days" and "\n" not in str(error.value)
    # beside a fraction elsewhere, the fraction is named: "days ... (got 20.0)" was, beside k_window_days 10.5
    with pytest.raises(ScenarioError) as error:
        simulate(tiny.model_copy(update={"days": 20.0, "k_window_days": 10.5}), replicates=1, seed=1, baseline=False)
    assert error.value.key == "k_window_days" and "(got 10.5)" in str(error.value), str(error.value)
    with pytest.raises(ScenarioError) as error:
        load_scenario(SCENARIOS / "default.yaml", ["days=20.0", "k_window_days=10.5"])
    assert error.value.key == "k_window_days", str(error.value)


@pytest.mark.parametrize("update, key, words", [
    ({"days": 0}, "days", "greater than or equal to 1 (got 0)"),
    ({"days": -5}, "days", "greater than or equal to 1"),
    ({"dayz": 10}, "dayz", "did you mean 'days'?"),
])
def test_a_scenario_model_copy_made_invalid_is_refused_naming_the_key(tiny, update, key, words):
    """pydantic does not validate model_copy(update=...): days=0 ran a 0-day run, days=-5
    was numpy's "negative dimensions are not allowed", an unknown key was ignored."""
    with pytest.raises(ScenarioError) as error:
        simulate(tiny.model_copy(update=update), replicates=1, seed=1)
    assert error.value.key == key and words in str(error.value)


def test_a_block_model_copy_made_invalid_names_the_nested_key(tiny):
    program = tiny.program.model_copy(update={"base_share": 30})
    with pytest.raises(ScenarioError, match=r"program.base_share: .*30% is 0.3"):
        simulate(tiny.model_copy(update={"program": program}), replicates=1, seed=1)
    channel = tiny.program.channels[0].model_copy(update={"wieght": 1})
    program = tiny.program.model_copy(update={"channels": [channel]})
    with pytest.raises(ScenarioError, match=r"program.channels.0.wieght: unknown key 'wieght'; did you mean 'weight'"):
        simulate(tiny.model_copy(update={"program": program}), replicates=1, seed=1)


def test_load_scenario_takes_one_override_as_a_string():
    """A string was iterated: "'d' is not of the form key.path=value"."""
    assert load_scenario(DEFAULT, "days=30").days == 30
    assert load_scenario(Path(DEFAULT), ["days=30"]).days == 30


# --------------------------------------------------------------------------- the Mesa model


@pytest.mark.parametrize("rng, error, words", [
    (-1, ScenarioError, "rng: must be a whole number in 0.."),
    (3.7, TypeError, "rng must be a whole number or None"),
    (np.random.default_rng(3), TypeError, "not a numpy generator"),
])
def test_the_model_refuses_a_bad_rng_in_one_line(tiny, rng, error, words):
    with pytest.raises(error, match=words):
        ReferralModel(tiny, rng=rng)


def test_the_model_checks_its_scenario(tiny):
    with pytest.raises(TypeError, match=r"ReferralModel\(\) takes a Scenario, not a path"):
        ReferralModel(str(DEFAULT), rng=1)
    with pytest.raises(ScenarioError, match="days"):
        ReferralModel(tiny.model_copy(update={"days": 0}), rng=1)


def test_the_model_refuses_a_network_of_other_people_in_one_line(tiny):
    """A network of 100 people under a scenario of 2,000 ran 100 people while the model
    reported 2,000 (its collector's rows added up to 100); an edge-list file's name failed
    on "'str' object has no attribute 'n'". A network of the scenario's people runs as
    the one the model would build."""
    from simulator.network.generators import network_for

    size = tiny.population.size
    with pytest.raises(ValueError, match=f"network has 100 people and the scenario {size:,} \\(population.size\\)"):
        ReferralModel(tiny, rng=1, network=network_for(tiny.network, 100, 1))
    with pytest.raises(TypeError, match="network must be a simulator.network.Network .* not str 'graph.txt'"):
        ReferralModel(tiny, rng=1, network="graph.txt")
    given = ReferralModel(tiny, rng=1, network=network_for(tiny.network, size, 1))
    given.step()
    assert given.engine.people.n == size


def test_stepping_the_model_on_a_replicates_seed_gives_that_replicate_as_the_readme_says(tiny):
    results = simulate(tiny, replicates=2, seed=7, baseline=False)
    for replicate, seed in enumerate(results.seeds):
        model = ReferralModel(tiny, rng=seed)
        while model.running:
            model.step()
        collected = model.datacollector.get_model_vars_dataframe()
        rows = results.timeseries[results.timeseries.replicate == replicate]
        # the README: "the collector's rows are its timeseries rows", dtypes too (counts were 79.0 in the collector)
        assert collected.equals(rows[list(DAILY_COLUMNS)].reset_index(drop=True))
    twin = ReferralModel(tiny, rng=results.seeds[-1])   # two models on one rng are identical
    twin.run_model()
    assert twin.datacollector.get_model_vars_dataframe().equals(collected)
    model.step()   # after the horizon: nothing happens
    assert model.day == tiny.days and not model.running and len(model.datacollector.get_model_vars_dataframe()) == tiny.days + 1
    assert model.steps == model.day   # Mesa's counter counts the days simulated, not the calls


def test_simulate_gives_the_numbers_refsim_run_writes(tiny, tmp_path):
    results = simulate(tiny, replicates=2, seed=5)
    out = tmp_path / "out"
    sets = [part for item in TINY for part in ("--set", item)]
    done = CliRunner().invoke(app, ["run", str(DEFAULT), *sets, "--replicates", "2", "--seed", "5", "--workers", "1",
                                    "--out", str(out)])
    assert done.exit_code == 0, done.stdout + done.stderr
    written = pd.read_csv(out / "timeseries.csv")
    columns = [c for c in results.timeseries.columns if c != "scenario"]
    np.testing.assert_allclose(written[columns].to_numpy(float), results.timeseries[columns].to_numpy(float), rtol=1e-9)
    runs = pd.read_csv(out / "runs.csv")
    assert runs["seed"].tolist() == results.seeds


# --------------------------------------------------------------------------- help()


def own_doc(obj) -> str | None:
    """The docstring ``obj`` defines itself (not one inherited from pydantic's or Mesa's base)."""
    return obj.__dict__.get("__doc__") if inspect.isclass(obj) else inspect.getdoc(obj)


@pytest.mark.parametrize("name", [n for n in simulator.__all__ if n != "__version__"])
def test_every_public_name_has_its_own_docstring(name):
    assert own_doc(getattr(simulator, name)), name


@pytest.mark.parametrize("cls", [ReferralModel, Customer])
def test_the_mesa_classes_document_their_own_members(cls):
    assert own_doc(cls)
    for member, value in vars(cls).items():
        if member.startswith("_"):
            continue
        function = value.fget if isinstance(value, property) else value
        assert function.__doc__, f"{cls.__name__}.{member}"
    assert "Fill in here" not in (ReferralModel.step.__doc__ or "")


# --------------------------------------------------------------------------- compare from Python


def test_compare_refuses_what_simulate_refuses(tiny):
    """replicates=0 ran the first design's count, seed=-1 was numpy's error, paths died
    on "'str' object has no attribute 'population'", an invalid copy ran."""
    from simulator.compare import compare

    other = tiny.model_copy(update={"name": "other"})
    with pytest.raises(ScenarioError, match="replicates: must be a whole number in 1.."):
        compare([tiny, other], replicates=0, seed=1)
    with pytest.raises(ScenarioError, match="seed: must be a whole number in 0.."):
        compare([tiny, other], replicates=2, seed=-1)
    with pytest.raises(TypeError, match=r"compare\(\) takes a Scenario, not a path"):
        compare([str(DEFAULT), str(DEFAULT)], replicates=2, seed=1)
    with pytest.raises(TypeError, match="a list of Scenarios"):
        compare(tiny, replicates=2, seed=1)
    with pytest.raises(ScenarioError, match="days"):
        compare([tiny, other.model_copy(update={"days": 0})], replicates=2, seed=1, unpaired=True)


def test_compare_speaks_of_its_arguments_not_the_command_lines_options(tiny):
    """A notebook's compare(precision=0) was told about "--precision", and designs that
    cannot be paired "give --unpaired": options of a command it never ran."""
    from simulator.compare import compare

    other = tiny.model_copy(update={"name": "other"})
    with pytest.raises(ScenarioError) as error:
        compare([tiny, other], replicates=2, seed=1, precision=0)
    assert error.value.key == "precision" and "--" not in str(error.value)
    with pytest.raises(ScenarioError) as error:
        compare([tiny, other.model_copy(update={"days": 30})], replicates=2, seed=1)
    assert "pass unpaired=True" in str(error.value) and "--" not in str(error.value)
    with pytest.raises(ScenarioError) as error:
        compare([tiny], replicates=2, seed=1)
    assert error.value.key == "scenarios" and "files" not in str(error.value)


def test_results_show_as_one_short_line(tiny):
    """A notebook cell ending in ``results`` printed the whole scenario and every frame."""
    results = simulate(tiny, replicates=2, seed=1)
    shown = repr(results)
    assert len(shown) < 400 and "\n" not in shown, shown
    assert shown.startswith(f"Results(scenario={tiny.name!r}, days=20, seed=1, replicates=2, timeseries=<42 rows>")


def test_a_block_a_model_copy_gives_as_a_dict_runs_as_the_same_block_from_a_file(tiny):
    """pydantic does not validate a copy's update, so update={"network": {...}} left a
    plain dict where the network belongs: it passed the check (its dump is valid) and
    stopped in the engine on "'dict' object has no attribute 'kind'". simulate, compare
    and ReferralModel now run the scenario validated from it: the same numbers as the
    block given with --set (load_scenario's overrides), which is the reference."""
    from simulator import ReferralModel
    from simulator.compare import compare

    block = {"kind": "erdos_renyi", "mean_degree": 8}
    copied = tiny.model_copy(update={"network": block, "churn": {"monthly_rate": 0.05}})
    loaded = load_scenario(DEFAULT, [*TINY, "network={kind: erdos_renyi, mean_degree: 8}", "churn={monthly_rate: 0.05}"])
    assert isinstance(copied.network, dict)   # what pydantic's copy holds: no block, a dict
    ours, reference = simulate(copied, replicates=2, seed=3), simulate(loaded, replicates=2, seed=3)
    pd.testing.assert_frame_equal(ours.timeseries, reference.timeseries)
    assert ours.scenario.network.kind == "erdos_renyi"
    model = ReferralModel(copied, rng=int(reference.seeds[0]))
    for _ in range(5):
        model.step()
    assert model.day == 5 and model.scenario.network.kind == "erdos_renyi"
    pairs = compare([copied, copied.model_copy(update={"name": "other"})], replicates=2, seed=3)
    assert [d.scenario.network.kind for d in pairs.designs] == ["erdos_renyi", "erdos_renyi"]
    # a dict with a bad value is still one line naming the key inside it
    with pytest.raises(ScenarioError) as error:
        simulate(tiny.model_copy(update={"network": {"kind": "erdos_renyi", "mean_degree": -1}}), replicates=1)
    assert "network.mean_degree" in str(error.value) and "\n" not in str(error.value)


def test_where_runs_execute_is_checked_in_the_apis_words(tiny):
    """simulate(executor="bogus") said "--executor: unknown executor", a flag no script
    gave, and scheduler= without executor="dask" was refused where --scheduler alone
    means Dask on the command line. The errors now name the arguments, and a scheduler
    alone means Dask (refused here by the unreachable address, not by the executor)."""
    from simulator.compare import compare

    with pytest.raises(ScenarioError) as error:
        simulate(tiny, replicates=1, executor="dsk")
    assert str(error.value).startswith("simulate(): executor: unknown executor 'dsk'; did you mean 'dask'?")
    with pytest.raises(ScenarioError) as error:
        compare([tiny, tiny.model_copy(update={"name": "b"})], replicates=1, executor="local", scheduler="tcp://127.0.0.1:9")
    assert str(error.value).startswith("compare(): scheduler: a scheduler address needs the dask executor") and \
        "executor='dask'" in str(error.value) and "--" not in str(error.value)
    with pytest.raises(ScenarioError) as error:
        simulate(tiny, replicates=1, scheduler="tcp://127.0.0.1:9")
    assert str(error.value).startswith("simulate(): scheduler: no Dask scheduler reachable at tcp://127.0.0.1:9") and \
        "leave out scheduler= to use a local cluster" in str(error.value) and "--" not in str(error.value)
    # the default is still a local run, on one worker in this process
    assert len(simulate(tiny, replicates=1, seed=1, baseline=False).runs) == 1


def test_compare_labels_tell_apart_designs_that_share_a_name_and_must_be_one_per_design(tiny):
    """labels= (one per design, as the command line passes the files' names) stopped on
    an IndexError when fewer were given and two designs shared a name."""
    from simulator.compare import compare

    other = tiny.model_copy(update={"program": tiny.program.model_copy(update={"incentive": tiny.program.incentive.model_copy(
        update={"referrer_reward": 30.0})})})
    named = compare([tiny, other], replicates=1, seed=2, baseline=False, labels=["ten", "thirty"])
    assert [d.scenario.name for d in named.designs] == [f"{tiny.name} (ten)", f"{tiny.name} (thirty)"]
    for labels, got in ((["only"], "got 1"), ("ab", "got 'ab'")):
        with pytest.raises(ScenarioError) as error:
            compare([tiny, other], replicates=1, labels=labels)
        assert str(error.value) == f"compare(): labels: give one label per design (2), or none; {got}"
    # sources= (the files the designs came from, named in a refusal to pair): one for two designs stopped on an
    # IndexError, and a string blamed its second character, '.', for a difference
    longer = other.model_copy(update={"days": other.days + 5})
    for sources, got in ((["one.yaml"], "got 1"), ("x.yaml", "got 'x.yaml'")):
        with pytest.raises(ScenarioError) as error:
            compare([tiny, longer], replicates=1, sources=sources)
        assert str(error.value) == (f"compare(): sources: give one source (the file each design came from) per "
                                    f"design (2), or none; {got}")
    with pytest.raises(ScenarioError, match="b.yaml: differs from the reference"):
        compare([tiny, longer], replicates=1, sources=["a.yaml", "b.yaml"])
    # seeds alone differing: the API's own argument, seed=, is offered (not the command line's --seed)
    seeded = tiny.model_copy(update={"seed": 5}), tiny.model_copy(update={"seed": 6, "name": "six"})
    with pytest.raises(ScenarioError, match=r"\(seed=N runs every design on one seed; else change the design"):
        compare(list(seeded), replicates=1)


def test_what_ran_is_not_the_callers_scenario_object():
    """simulate, compare and ReferralModel kept the caller's Scenario (and its blocks):
    a what-if edit of results.scenario changed the caller's scenario and its next run,
    an edit of the caller's changed results.scenario, and so a manifest written later
    recorded values that never ran; a model stopped at a horizon set mid-run."""
    from simulator.compare import compare

    scenario = load_scenario(DEFAULT, TINY)
    results = simulate(scenario, replicates=1, seed=3, baseline=False)
    results.scenario.program.incentive.referrer_reward = 40.0
    assert scenario.program.incentive.referrer_reward != 40.0
    scenario.population.size = 3000
    assert results.scenario.population.size == 1500
    scenario = load_scenario(DEFAULT, TINY)
    other = scenario.model_copy(deep=True, update={"name": "other"})
    comparison = compare([scenario, other], replicates=2, seed=3, baseline=False)
    other.program.incentive.referee_reward = 41.0   # the manifest is written from the designs' scenarios
    assert comparison.designs[1].scenario.program.incentive.referee_reward != 41.0
    model = ReferralModel(scenario, rng=3)
    model.step()
    scenario.days = 5
    model.run_model()
    assert model.day == 20 and model.scenario.days == 20


def test_a_compared_design_that_ran_on_the_numpy_stages_is_replayed_on_them():
    """compare runs every design on the numpy stages when the kernel cannot run one of
    them (influencers): ReferralModel(design.scenario, rng=design.seeds[r]) then
    stepped through other days (final customers 114 against 122), and nothing said
    which path had run. Results.kernel says it, and ReferralModel takes it."""
    from simulator.compare import compare

    small = ["population.size=1500", "days=40"]
    cash = load_scenario(SCENARIOS / "single-sided-cash.yaml", small)
    seeding = load_scenario(SCENARIOS / "influencers.yaml", small)
    designs = compare([cash, seeding], replicates=2, seed=7, baseline=False).designs
    assert [d.kernel for d in designs] == [False, False]
    assert simulate(cash, replicates=1, seed=7, baseline=False).kernel in (True, False)
    for design in designs:
        for replicate, seed in enumerate(design.seeds):
            model = ReferralModel(design.scenario, rng=seed, kernel=design.kernel)
            model.run_model()
            collected = model.datacollector.get_model_vars_dataframe()
            rows = design.timeseries[design.timeseries.replicate == replicate]
            np.testing.assert_array_equal(collected[list(DAILY_COLUMNS)].to_numpy(float),
                                          rows[list(DAILY_COLUMNS)].to_numpy(float))
    with pytest.raises(TypeError, match=r"ReferralModel\(\): kernel must be True or False"):
        ReferralModel(cash, rng=1, kernel="yes")
    # simulate(design.scenario) reran it on the kernel, other numbers, though Results' docstring said it reran it:
    # simulate takes the path too
    again = simulate(designs[0].scenario, baseline=False, people=False, kernel=designs[0].kernel)
    assert again.kernel is False
    pd.testing.assert_frame_equal(again.runs, designs[0].runs)
    with pytest.raises(TypeError, match=r"simulate\(\): kernel must be True or False"):
        simulate(cash, kernel="no")
    with pytest.raises(ScenarioError, match=r"^kernel: the compiled kernel does not run program.influencers .*kernel=False"):
        simulate(seeding, replicates=1, kernel=True)


def test_a_copy_switched_to_an_edge_list_is_checked_as_a_file_would_be():
    """model_copy(update={"network": {"kind": "edgelist", ...}}) on a scenario that gives
    population.size ran the file's 1,000 people under results.scenario's 20,000; a file
    saying the same is refused. The copy is now refused alike, and one that gives no size
    gets the file's."""
    scenario = load_scenario(DEFAULT, ["days=5"])   # default.yaml gives population.size: 20000
    graph = {"kind": "edgelist", "path": str(SCENARIOS / "graph.txt")}
    with pytest.raises(ScenarioError, match=r"simulate\(\): population.size: 20000 people, but the network in "
                                            r"graph.txt has 1000"):
        simulate(scenario.model_copy(update={"network": graph}), replicates=1, seed=1)
    unsized = Scenario.model_validate({"name": "unsized", "days": 5, "population": {"initial_customers": 10}})
    results = simulate(unsized.model_copy(update={"network": graph}), replicates=1, seed=1, baseline=False)
    assert results.scenario.population.size == 1000 == len(results.people)
    # a scenario whose size came from one edge list takes another's when a copy switches to it (not "given")
    small = SCENARIOS / "graph.txt"
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "six.txt"
        other.write_text("0 1\n1 2\n2 3\n3 4\n4 5\n")
        cascade = load_scenario(SCENARIOS / "independent-cascade.yaml", ["days=3", "population.initial_customers=2"])
        assert cascade.network.path == str(small.resolve()) and cascade.population.size == 1000
        moved = simulate(cascade.model_copy(update={"network": {**cascade.network.model_dump(), "path": str(other)}}),
                         replicates=1, seed=1, baseline=False)
        assert moved.scenario.population.size == 6 == len(moved.people)


def test_mesa_batch_run_takes_the_scenario_in_a_list_and_says_so_when_given_it_alone(tiny):
    """README: mesa.batch_run takes each parameter's values as a list. A Scenario given
    alone was iterated into its (key, value) pairs, and the model said only 'not tuple'."""
    import mesa

    with pytest.raises(TypeError, match=r"give parameters=\{'scenario': \[scenario\], \.\.\.\}"):
        mesa.batch_run(ReferralModel, parameters={"scenario": tiny, "rng": [1]}, iterations=1, display_progress=False,
                       number_processes=1)
    rows = mesa.batch_run(ReferralModel, parameters={"scenario": [tiny], "rng": [1, 2]}, iterations=1,
                          display_progress=False, number_processes=1)
    # one row a model: its collector's row steps − 1 (Mesa's issue #2514), the day before the horizon
    assert [row["rng"] for row in rows] == [1, 2] and all(row["Step"] == tiny.days - 1 for row in rows)
    model = ReferralModel(tiny, rng=2)
    model.run_model()
    collected = model.datacollector.get_model_vars_dataframe()
    assert rows[1]["customers"] == collected["customers"].iloc[tiny.days - 1]


def test_the_last_raw_python_errors_of_the_api_are_one_line_naming_the_argument(tiny):
    """decide(metric=5), compare(precision="0.05") and compare(a generator) stopped on
    Python's own words ("'int' object is not iterable", "'<' not supported", "has no
    len()"); load_scenario(path, None) on "'NoneType' object is not iterable"."""
    from simulator.compare import compare, decide

    other = tiny.model_copy(update={"name": "other"})
    with pytest.raises(TypeError, match=r"compare\(\): precision must be a number"):
        compare([tiny, other], replicates=2, seed=1, precision="0.05")
    with pytest.raises(TypeError, match=r"compare\(\) takes a list of Scenarios.*not generator"):
        compare(s for s in [tiny, other])
    comparison = compare((tiny, other), replicates=2, seed=1, precision=np.float64(0.05))   # a tuple, numpy's float
    with pytest.raises(TypeError, match=r"decide\(\): metric must be a metric's name"):
        decide(comparison, metric=5)
    with pytest.raises(TypeError, match=r"decide\(\) takes the Comparison that compare\(\) returns, not DataFrame"):
        decide(comparison.table)
    assert load_scenario(DEFAULT, None) == load_scenario(DEFAULT)   # None: no overrides
    # a dict was refused as "--set: 'days' is not of the form key.path=value"; 5 and a non-text item as Python's words
    with pytest.raises(TypeError, match=r"not a dict: \['days=60'\]"):
        load_scenario(DEFAULT, {"days": 60})
    for wrong in (5, ["days=60", 7]):
        with pytest.raises(TypeError, match=r"load_scenario\(\): overrides is a list of 'key.path=value' strings"):
            load_scenario(DEFAULT, wrong)
    assert load_scenario(DEFAULT, (o for o in ["days=60"])).days == 60   # a generator is read once, not used up
    # numpy's numbers and booleans are numbers and booleans: float32's 0.05 was "not a number", np.True_ "not True"
    compare([tiny, other], replicates=2, seed=1, precision=np.float32(0.05))
    assert ReferralModel(tiny, rng=1, kernel=np.False_).engine.uses_kernel is False


# --------------------------------------------------------------------------- what the decision functions take


@pytest.mark.parametrize("call", ["optimize", "sensitivity"])
@pytest.mark.parametrize("parameter, words", [
    (("program.incentive.bogus", "float", 0, 5), "no key 'bogus' under program.incentive"),
    (("program.base_share", "float", 0.6, 0.05), "give a range LO:HI with LO < HI (got 0.6:0.05)"),
    (("program.base_share", "float", 0, 3), "value 3.0 does not fit the scenario"),
])
def test_a_hand_built_parameter_is_checked_as_the_command_line_checks_it(tiny, call, parameter, words):
    """Parameters built by hand reached the runs unchecked: a misspelt key gave sensitivity
    indices of 0 (no effect, where the key does not exist) and optimize a 'best' value of
    it; a reversed range flipped the sign of Morris' mu; an end out of bounds failed trials
    as they ran. calibrate already refused them; optimize and sensitivity now do, before
    any run."""
    from simulator.optimize import optimize
    from simulator.parameters import Parameter
    from simulator.sensitivity import sensitivity

    function = optimize if call == "optimize" else sensitivity
    with pytest.raises(ScenarioError, match=re.escape(words)):
        function(tiny, [Parameter(*parameter)], seed=1, evaluate=_never_run)


def _never_run(*args, **kwargs):
    raise AssertionError("a run started before the parameters were checked")


@pytest.mark.parametrize("call, arguments, words", [
    ("optimize", {"settings": {"trials": 3}}, "optimize(): settings must be an OptimizeSettings"),
    ("optimize", {"objectives": "incremental_value"}, "parse_objective('incremental_value')"),   # not 'i'
    ("optimize", {"parameters": "program.base_share=0.1:0.4"}, "not str 'program.base_share=0.1:0.4'"),   # not 'p'
    ("sensitivity", {"settings": {"samples": 4}}, "sensitivity(): settings must be a SensitivitySettings"),
    ("sensitivity", {"constraints": ["reward_cost<=100"]}, "parse_constraint('reward_cost<=100')"),
    ("sensitivity", {"designs": [str(DEFAULT)]}, "sensitivity() takes a Scenario, not a path"),
    ("sensitivity", {"parameters": "program.base_share=0.1:0.4"}, "not str 'program.base_share=0.1:0.4'"),
    ("calibrate", {"settings": {"particles": 10}}, "calibrate(): settings must be a CalibrationSettings"),
    ("forecast", {"calibration": pd.DataFrame({"shares": [1, 2]})}, "forecast(): calibration must be a Calibration (what "
                                                                   "simulator.calibrate.calibrate returns), not DataFrame"),
    ("compare_designs", {"calibration": None}, "compare_designs(): calibration must be a Calibration"),
])
def test_the_decision_functions_given_the_wrong_kind_of_thing_say_what_they_take(tiny, call, arguments, words):
    """settings={...} was "'dict' object has no attribute 'rungs'", a path among designs
    "'str' object has no attribute 'name'", a text constraint "... no attribute 'metric'",
    and one name where a list belongs was read one character at a time ('i', 'p')."""
    from simulator import calibrate as calibrate_module
    from simulator.optimize import optimize
    from simulator.parameters import parse_parameter
    from simulator.sensitivity import sensitivity

    parameter = [parse_parameter("program.base_share=0.1:0.4", tiny)]
    arguments = dict(arguments)
    if call == "optimize":
        call_it = lambda: optimize(tiny, arguments.pop("parameters", parameter), evaluate=_never_run, **arguments)  # noqa: E731
    elif call == "sensitivity":
        call_it = lambda: sensitivity(tiny, arguments.pop("parameters", parameter), evaluate=_never_run, **arguments)  # noqa: E731
    elif call == "calibrate":
        call_it = lambda: calibrate_module.calibrate(tiny, pd.DataFrame({"shares": [1, 2]}), parameter, **arguments)  # noqa: E731
    elif call == "forecast":
        call_it = lambda: calibrate_module.forecast(tiny, **arguments, evaluate=_never_run)  # noqa: E731
    else:
        call_it = lambda: calibrate_module.compare_designs([tiny, tiny], **arguments, evaluate=_never_run)  # noqa: E731
    with pytest.raises(TypeError) as raised:
        call_it()
    assert words in str(raised.value) and "\n" not in str(raised.value), str(raised.value)
    # the example it gives takes the keyword it shows: CalibrationSettings(particles=...) was refused by the class
    if example := re.search(r"simulator\.(\w+)\.(\w+Settings)\((\w+)=\.\.\.\)", str(raised.value)):
        import dataclasses
        import importlib

        settings = getattr(importlib.import_module(f"simulator.{example[1]}"), example[2])
        assert example[3] in {field.name for field in dataclasses.fields(settings)}, str(raised.value)


def test_a_parameter_of_no_kind_is_refused():
    """Parameter("program.base_share", "floaty", 0.1, 0.4) ran, as a whole-number range:
    every kind but float and categorical took the int path."""
    from simulator.parameters import Parameter

    with pytest.raises(ScenarioError, match=re.escape("kind 'floaty' is none of float, int, categorical")):
        Parameter("program.base_share", "floaty", 0.1, 0.4)
    assert Parameter("program.base_share", "float", 0.1, 0.4).from_unit(0.5) == pytest.approx(0.25)

def test_one_metric_or_column_given_alone_is_one_name_not_its_letters():
    """metrics="customers_final" was "unknown metric 'c'", columns="customers" "'c' is not
    a timeseries column"; a name given alone is now that one name, as load_scenario takes
    one override given alone."""
    from simulator.scenario_io import as_items

    assert as_items("customers_final") == ["customers_final"]
    assert as_items(("a", "b")) == ["a", "b"] and as_items(x for x in "ab") == ["a", "b"]
    assert as_items(None) == [None]


def test_the_model_takes_mesas_seed_keyword_as_rng(tiny):
    """Mesa's Model takes seed= as well as rng=; ReferralModel(s, seed=7) was "unexpected
    keyword argument 'seed'", and mesa.batch_run over seeds failed alike. seed=7 is rng=7
    (the same days), and both at once are refused, as Mesa refuses them."""
    import mesa

    by_seed, by_rng = ReferralModel(tiny, seed=7), ReferralModel(tiny, rng=7)
    for model in (by_seed, by_rng):
        model.run_model()
    assert by_seed.seed == 7
    assert by_seed.datacollector.get_model_vars_dataframe().equals(by_rng.datacollector.get_model_vars_dataframe())
    with pytest.raises(TypeError, match="give rng or seed, not both"):
        ReferralModel(tiny, rng=7, seed=7)
    with pytest.raises(TypeError, match="ReferralModel\\(\\): seed must be a whole-number seed"):   # named as given
        ReferralModel(tiny, seed=np.random.default_rng(3))
    rows = mesa.batch_run(ReferralModel, parameters={"scenario": [tiny], "seed": [1, 2]}, iterations=1,
                          number_processes=1, display_progress=False)
    assert {row["seed"] for row in rows} == {1, 2}


def test_the_model_and_a_comparison_print_in_a_line_a_notebook_can_read():
    """ReferralModel printed as '<simulator.model.ReferralModel object at 0x...>', and a
    Comparison as every design's Results and a 64-row table cut in the middle."""
    from simulator.compare import compare

    scenario = load_scenario(DEFAULT, TINY).model_copy(update={"days": 5})
    model = ReferralModel(scenario, rng=3)
    for _ in range(2):
        model.step()
    customers = int(model.datacollector.get_model_vars_dataframe()["customers"].iloc[-1])
    text = repr(model)
    assert text.startswith(f"ReferralModel({scenario.name!r}, day 2 of 5, seed 3, {scenario.population.size:,} people, "
                           f"{customers:,} customers, ") and len(text) < 200, text
    comparison = compare([scenario, scenario.model_copy(update={"name": "b"})], replicates=2, seed=1)
    text = repr(comparison)
    assert text == (f"Comparison(designs=[{scenario.name!r}, 'b'], reference={scenario.name!r}, replicates=2, paired=True, "
                    f"seed=1, table=<{len(comparison.table)} rows: comparison.csv>)")


def test_the_decision_results_and_a_sweep_print_in_a_line_a_notebook_can_read(tmp_path):
    """OptimizeResult, SensitivityResult, Calibration, Sweep, SweepOutcome and Scenario printed as
    their dataclass reprs: every trial, Sobol point, particle and run row, and whole
    scenarios, thousands of characters for a result on its own notebook line. Each now
    prints its sizes and what identifies it, in one line."""
    import pandas as pd

    from simulator.calibrate import Calibration
    from simulator.optimize import Objective, OptimizeResult
    from simulator.parameters import parse_parameters
    from simulator.sensitivity import SensitivityResult
    from simulator.sweep import SweepOutcome
    from simulator.sweep_spec import load_sweep

    scenario = load_scenario(DEFAULT, TINY)
    big = pd.DataFrame({"trial": range(5_000), "value": 1.0})
    (reward,) = parse_parameters(["program.incentive.referrer_reward=0:40"], scenario, source="--vary")
    shown = {
        "OptimizeResult": OptimizeResult(seed=4, objectives=(Objective("incremental_value"),), constraints=(), trials=big,
                                         best={"program.incentive.referrer_reward": 12.5}, best_scenario=scenario,
                                         confirmation=big.head(20), feasible=True, best_trial=3),
        "SensitivityResult": SensitivityResult(seed=5, parameters=[reward], designs=["a"], morris=big, sobol=big,
                                               points=big, tornado=big),
        "Calibration": Calibration(seed=6, parameters=[reward], columns=["new_referred"], pilot_days=30, particles=big,
                                   posterior=big, intervals=big.head(1), generations=big.head(3), simulations=9_000),
        "SweepOutcome": SweepOutcome(folder=tmp_path / "s", runs=5_000, ran=10, skipped=4_990, failed=0, points=500,
                                     seed=7, frame=big),
    }
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(f"base: {DEFAULT}\nparameters:\n  program.incentive.referrer_reward: {{values: [5, 10]}}\n")
    shown["Sweep"] = load_sweep(sweep_file)
    shown["Scenario"] = scenario   # pydantic's repr and str: every key of every block, 3,000 characters
    for name, result in shown.items():
        text = repr(result)
        assert text.startswith(f"{name}(") and "\n" not in text and len(text) < 400, (name, len(text), text[:500])
    assert "trials=<5,000 rows>" in repr(shown["OptimizeResult"]) and "best_trial=3" in repr(shown["OptimizeResult"])
    assert "points=<5,000 rows>" in repr(shown["SensitivityResult"])
    assert "posterior=<5,000 rows>" in repr(shown["Calibration"]) and "simulations=9,000" in repr(shown["Calibration"])
    assert "pilot=days 0-29" in repr(shown["Calibration"])   # pilot_days=30 read as a length where it is the last day + 1
    assert "ran=10, skipped=4,990" in repr(shown["SweepOutcome"])
    assert "parameters=['program.incentive.referrer_reward']" in repr(shown["Sweep"])
    assert str(scenario) == repr(scenario) and f"name={scenario.name!r}" in repr(scenario)
    assert f"size={scenario.population.size}, network={scenario.network.kind!r}" in repr(scenario)


def test_two_runs_of_one_scenario_and_seed_compare_equal():
    """`simulate(s, seed=1) == simulate(s, seed=1)` raised "The truth value of a
    DataFrame is ambiguous" (the dataclass compared its tables with DataFrame's ==), and
    so did two Comparisons or two loads of one OptimizeResult: only an object compared
    with itself worked. Equal results are equal, tables by DataFrame.equals (a missing
    value where the other has one is alike); another seed's are not."""
    from simulator.calibrate import Calibration
    from simulator.compare import compare

    scenario = load_scenario(DEFAULT, ["population.size=600", "population.initial_customers=10", "days=20"])
    first, again = simulate(scenario, replicates=2, seed=1), simulate(scenario, replicates=2, seed=1)
    assert first is not again and first == again and not (first != again)
    assert first.runs["k_factor"].isna().all()   # 20 days, no 30-day window closed: missing in each, alike
    assert first != simulate(scenario, replicates=2, seed=2)
    assert first != simulate(scenario.model_copy(update={"name": "other"}), replicates=2, seed=1)
    designs = [scenario, scenario.model_copy(update={"name": "b"})]
    assert compare(designs, replicates=2, seed=1) == compare(designs, replicates=2, seed=1)
    table = pd.DataFrame({"draw": [0, 1], "x": [0.1, float("nan")]})
    fit = dict(seed=1, parameters=[], columns=["asks"], pilot_days=5, particles=table, posterior=table,
               intervals=table, generations=table)
    assert Calibration(**fit) == Calibration(**{**fit, "posterior": table.copy()})
    assert Calibration(**fit) != Calibration(**{**fit, "posterior": table.assign(x=[0.1, 0.2])})
    with pytest.raises(TypeError):
        hash(first)   # mutable: unhashable, as before
    # a sweep's outcome holds its points' table in a Points: compared by value too, not with DataFrame ==
    from pathlib import Path

    from simulator.sweep import SweepOutcome
    from simulator.sweep_points import Points

    points = Points(values=[{"x": 1}], table=pd.DataFrame({"point_id": [0], "x": [1]}))
    outcome = dict(folder=Path("s"), runs=1, ran=1, skipped=0, failed=0, points=1, seed=1, frame=table, table=points)
    assert SweepOutcome(**outcome) == SweepOutcome(**{**outcome, "table": Points(points.values, points.table.copy())})


def test_an_assignment_the_schema_refuses_is_one_line_naming_the_block_and_key():
    """`scenario.days = -5` in a notebook raised pydantic's multi-line error ('1 validation
    error for Scenario', the key, the message, a link); a file's value is refused in one
    line naming the key and what is valid. An assignment now is too, and a valid one
    still takes."""
    from simulator import ScenarioError

    import pickle

    scenario = load_scenario(DEFAULT)
    copied = pickle.loads(pickle.dumps(scenario.model_copy(deep=True)))   # a copy, and one back from a worker
    cases = [(lambda: setattr(scenario, "days", -5), "Scenario: days: Input should be greater than or equal to 1 (got -5)"),
             (lambda: setattr(scenario.population, "size", 0), "Scenario: population.size: "),
             (lambda: setattr(scenario.program.incentive, "referrer_reward", "lots"),
              "Scenario: program.incentive.referrer_reward: Input should be a valid number"),
             # the key path from the scenario's top, as docs/model.md's table names it: "DoubleSided: referrer_reward"
             # named a class the docs never use, and the last key alone; inside a list, and in a deep copy, too
             (lambda: setattr(scenario.program.channels[0], "base_conversion", 3),
              "Scenario: program.channels.0.base_conversion: Input should be less than or equal to 1 (got 3)"),
             (lambda: setattr(copied.program.timing.reminders, "count", -1),
              "Scenario: program.timing.reminders.count: Input should be greater than or equal to 0 (got -1)"),
             # an assignment has no line to delete
             (lambda: setattr(scenario.program.timing, "reminders", None),
              "Scenario: program.timing.reminders: should be a block of keys, but nothing is under it: give its keys "
              "as a dict ({} keeps the defaults)"),
             # a block with variants needs its kind: "{} keeps the defaults" was then refused for a missing kind, whose
             # advice was a --set of a path from the block ('--set incentive.kind=none')
             (lambda: setattr(scenario.program, "incentive", None),
              "Scenario: program.incentive: should be a block of keys, but nothing is under it: give its keys as a "
              "dict with its kind ({'kind': ...}); valid kinds: none, single_sided, double_sided, tiered"),
             (lambda: setattr(scenario.program, "incentive", {}),
              "Scenario: program.incentive: missing 'kind'; every block with variants needs one; valid kinds: none, "
              "single_sided, double_sided, tiered; left out, this block is kind none: assign {'kind': 'none', ...}"),
             # a kind picks the block's variant: "valid: powerlaw_cluster", the block's own kind, read as the only one
             (lambda: setattr(scenario.network, "kind", "erdos_renyi"),
              "Scenario: network.kind: a block's kind picks its variant, with keys of its own, and cannot be changed "
              "in place; assign the block whole (network = {'kind': 'erdos_renyi', ...}, or load the file with --set "
              "network.kind=erdos_renyi); kinds: erdos_renyi, configuration, "),
             (lambda: setattr(scenario.program.incentive, "kind", "single"),
              "Scenario: program.incentive.kind: unknown kind 'single'; valid: none, single_sided, double_sided, tiered"),
             # a block built on its own is named by its class
             (lambda: setattr(type(scenario.economics)(), "monthly_margin", -1), "Economics: monthly_margin: ")]
    for assign, said in cases:
        with pytest.raises(ScenarioError) as refused:
            assign()
        assert str(refused.value).startswith(said) or said in str(refused.value), str(refused.value)
        assert "\n" not in str(refused.value) and "errors.pydantic.dev" not in str(refused.value)
    scenario.days = 30
    assert scenario.days == 30 and scenario.population.size == load_scenario(DEFAULT).population.size
    # a kind that is a plain choice of one block (a channel's direct or broadcast) is assigned as any key
    scenario.program.channels[0].kind = "broadcast"
    assert scenario.program.channels[0].kind == "broadcast"
    scenario.network = {"kind": "erdos_renyi", "mean_degree": 6}   # the block whole, as the error says
    scenario.program.timing.reminders = {}
    assert scenario.network.kind == "erdos_renyi" and scenario.program.timing.reminders.count == 0


def test_a_refused_assignment_leaves_the_block_as_it_was_and_an_unknown_key_is_named():
    """A check across keys (promoters + passives at most 1, channel weights summing to 1,
    seeds within the population) runs after pydantic has set the value: the refused
    assignment stayed, so a notebook that caught the error held an invalid scenario whose
    next simulate named a key never touched. An unknown key said "Object has no attribute
    'base_shar'", with no key it meant nor the keys there are, as a file is told."""
    from simulator import ScenarioError

    scenario = load_scenario(DEFAULT)
    pristine = scenario.model_dump()
    assignments = [(scenario.satisfaction, "promoters", 0.9, "promoters + passives must be at most 1"),
                   (scenario.program, "channels", [{"kind": "direct", "weight": 0.5}], "channel weights must sum to 1"),
                   (scenario, "population", {"size": 10, "initial_customers": 20}, "is more than population.size (10)")]
    for block, key, value, said in assignments:
        with pytest.raises(ScenarioError, match=re.escape(said)):
            setattr(block, key, value)
    assert scenario.model_dump() == pristine   # every block as it was
    assert simulate(scenario.model_copy(update={"days": 5}), replicates=1, seed=1).runs["customers_final"].iloc[0] > 0
    with pytest.raises(ScenarioError, match=re.escape("Scenario: program.base_shar: unknown key 'base_shar'; did you mean "
                                                      "'base_share'? valid keys here: base_share, ")):
        scenario.program.base_shar = 0.3
    with pytest.raises(ScenarioError, match=re.escape("unknown key 'referer_reward'; did you mean 'referrer_reward'?")):
        scenario.program.incentive.referer_reward = 5



def test_an_assignment_refused_for_an_earlier_one_says_so():
    """`sc.population.size = 50` beside 200 initial customers passes (an assignment to a
    block checks that block alone, and seeds within the population is the scenario's
    check); `sc.days = 30` was then refused with that error, as if days were wrong. It
    now says the scenario was already so and days was not changed; an assignment that is
    itself the problem gets no such words."""
    from simulator import ScenarioError

    scenario = load_scenario(DEFAULT, ["population.size=1000"])
    scenario.population.size = 50
    with pytest.raises(ScenarioError) as caught:
        scenario.days = 30
    said = str(caught.value)
    assert "population.initial_customers: 200 is more than population.size (50)" in said
    assert "the scenario was already so before this assignment" in said and "`days` was not changed" in said
    assert scenario.days != 30
    # an assignment refused for its own value is not said to find the scenario so: days was never 0
    with pytest.raises(ScenarioError) as caught:
        scenario.days = 0
    assert "greater than or equal to 1" in str(caught.value) and "already so" not in str(caught.value)
    fresh = load_scenario(DEFAULT)
    with pytest.raises(ScenarioError) as caught:
        fresh.days = 0
    assert "already so" not in str(caught.value)


# --------------------------------------------------------------------------- the decision commands' objects built by hand


def _never(*_args, **_kwargs):   # an evaluator that fails the test if a study runs anything
    raise AssertionError("the study ran before refusing its arguments")


@pytest.mark.parametrize("study", ["optimize", "sensitivity"])
def test_a_hand_built_constraint_on_a_misspelt_metric_is_refused_before_anything_runs(tiny, study):
    """Constraint('reward_cots', '<=', 100) ran the whole optimize study (no trial
    feasible, a "best" picked against nothing) and every sensitivity point (then 'NaN
    at 8 of 8 points'); parse_constraint refused the same text at once. Both now check
    it as parse_constraint does."""
    from simulator.optimize import Constraint, OptimizeSettings, Parameter, optimize
    from simulator.sensitivity import SensitivitySettings, sensitivity

    vary = [Parameter("program.incentive.referrer_reward", "float", 0, 40)]
    with pytest.raises(ScenarioError, match=r"--constraint: unknown metric 'reward_cots'; did you mean 'reward_cost'\?"):
        if study == "optimize":
            optimize(tiny, vary, constraints=[Constraint("reward_cots", "<=", 100)], evaluate=_never,
                     settings=OptimizeSettings(trials=4, replicates=2, max_replicates=2, batch=2, startup_trials=2))
        else:
            sensitivity(tiny, vary, constraints=[Constraint("reward_cots", "<=", 100)], evaluate=_never,
                        settings=SensitivitySettings(samples=4, trajectories=2))


@pytest.mark.parametrize("parameter, words", [
    (("program.incentive.referrer_reward", "float", 0, 10, True), "a log range needs LO > 0 (got 0:10)"),
    (("program.timing.kind", "categorical"), "give two choices or more to vary (got 0: [])"),
    (("program.incentive.cap_per_referrer", "int", 1.5, 3.7), "the key holds whole numbers; give whole LO and HI (got 1.5:3.7)"),
    # a kind's choice checked by name: the study ran to its first trial, whose error named no parameter
    (("program.timing.kind", "categorical", None, None, False, ("onboarding", "neverr")),
     "value 'neverr' does not fit: unknown kind 'neverr'; did you mean 'never'?"),
])
@pytest.mark.parametrize("study", ["optimize", "sensitivity"])
def test_a_hand_built_parameter_is_refused_as_parse_parameter_refuses_its_text(tiny, study, parameter, words):
    """From Python a log range from 0 raised optuna's 'low > 0 must hold' or a math
    domain error, naming no key; no choices an IndexError; and a whole-number range of
    1.5:3.7 ran and tried 1. Each is now one line naming the key, before anything runs."""
    from simulator.optimize import Parameter, optimize
    from simulator.sensitivity import SensitivitySettings, sensitivity

    vary = [Parameter(*parameter)]
    with pytest.raises(ScenarioError) as caught:
        if study == "optimize":
            optimize(tiny, vary, evaluate=_never)
        else:
            sensitivity(tiny, vary, evaluate=_never, settings=SensitivitySettings(samples=4, trajectories=2))
    assert parameter[0] in str(caught.value) and words in str(caught.value), str(caught.value)


@pytest.mark.parametrize("settings, words", [
    ({"samples": 4.5}, "--samples: a whole number (got 4.5)"),
    ({"screen": 2.0}, "screen: screen is a share of the largest Morris effect, from 0 to below 1 (got 2.0)"),
    ({"screen": -1.0}, "from 0 to below 1 (got -1.0)"),
])
def test_sensitivity_settings_built_by_hand_are_held_to_the_settings_files_bounds(tiny, settings, words):
    """SensitivitySettings(samples=4.5) was a TypeError from '&', and a screen of 2 or -1
    ran as 0 (nothing screened); the settings file refuses both."""
    from simulator.optimize import Parameter
    from simulator.sensitivity import SensitivitySettings, sensitivity

    with pytest.raises(ScenarioError, match=re.escape(words)):
        sensitivity(tiny, [Parameter("program.base_share", "float", 0.1, 0.4)], evaluate=_never,
                    settings=SensitivitySettings(**{"trajectories": 2, "samples": 4, **settings}))


@pytest.mark.parametrize("settings, words", [
    ({"bin_days": 7, "parts": 2}, "parts: give bin_days or parts, not both"),
    ({"posterior_samples": 1}, "posterior_samples: must be a whole number >= 10 (got 1)"),
    ({"parts": 101}, "parts: must be at most 100 (got 101)"),
])
def test_calibration_settings_built_by_hand_are_held_to_the_settings_files_bounds(settings, words):
    """CalibrationSettings(bin_days=7, parts=2) dropped parts without a word (the settings
    file refuses both together), and posterior_samples=1 was taken where the file holds 10."""
    from simulator.calibrate import CalibrationSettings

    with pytest.raises(ScenarioError, match=re.escape(words)):
        CalibrationSettings(**settings)
    assert CalibrationSettings(bin_days=7).parts == 1   # bin_days alone, parts at its default, stands


def test_the_decided_payback_interval_does_not_reach_past_the_day_after_the_horizon():
    """decide(metric='payback_day') counts a payback that never came as the day after the
    horizon; over [1, never, 1, 1] on a 120-day run its interval reached day 126.5, a mean
    no runs can give. It is now cut at day 121, as the other metrics' intervals are cut
    to the values they can take."""
    from types import SimpleNamespace

    from simulator.compare import decide

    design = load_scenario(SCENARIOS / "single-sided-cash.yaml", ["days=120"])
    runs = pd.DataFrame({"replicate": range(4), "payback_day": [1.0, np.nan, 1.0, 1.0]})
    comparison = SimpleNamespace(designs=[SimpleNamespace(scenario=design, runs=runs)], paired=True,
                                 baseline=True)
    decision = decide(comparison, metric="payback_day")
    assert decision.mean == pytest.approx((1 + 1 + 1 + 121) / 4)
    assert decision.ci_high == 121.0 and decision.ci_low == 1.0   # t(3): 31 ± 3.18 × 60 / 1 → cut at both ends


def test_help_on_the_models_constructors_is_refsims_not_mesas():
    """help(ReferralModel) showed Mesa's constructor text ('Overload this method...';
    rng 'passed to numpy.random.default_rng'), which ReferralModel refuses."""
    assert "whole-number seed" in inspect.getdoc(ReferralModel.__init__)
    assert "Overload" not in inspect.getdoc(ReferralModel.__init__)
    assert "Create a new agent" not in inspect.getdoc(Customer.__init__)


@pytest.mark.parametrize("kernel", [True, False])
def test_a_models_scenario_is_fixed_once_built_and_the_callers_stays_theirs(kernel):
    """Between steps, m.scenario.program.base_share = 0.9 was taken, then ignored on the
    compiled path (which read the scenario when it started) and applied on the numpy
    path: the two paths, meant to compute the same model, gave 60 shares and 404.
    m.scenario.days = 90 ran the kernel past its arrays ("double free or corruption",
    Python aborted). Each assignment to the model's scenario is now one ScenarioError line,
    on either path, and the run goes on as built: its days are simulate's on its seed. The
    scenario given stays the caller's to change for the next model."""
    given = load_scenario(DEFAULT, ["population.size=2000", "population.initial_customers=20", "days=40"])
    ran = simulate(given, replicates=1, seed=5, kernel=kernel, baseline=False, people=False)
    model = ReferralModel(given, rng=ran.seeds[0], kernel=kernel)
    for _ in range(10):
        model.step()
    for change in (lambda m: setattr(m.scenario, "days", 90),
                   lambda m: setattr(m.scenario.program, "base_share", 0.9),
                   lambda m: setattr(m.scenario.program.channels[0], "weight", 0.5),
                   lambda m: setattr(m, "scenario", given),
                   # a list inside, changed in place: taken, and ignored on the compiled path, as assignments had been
                   lambda m: m.scenario.program.channels.__setitem__(
                       0, m.scenario.program.channels[0].model_copy(update={"extra_invites": 40.0})),
                   lambda m: m.scenario.program.channels.pop(),
                   lambda m: m.scenario.program.channels.append(m.scenario.program.channels[0])):
        with pytest.raises(ScenarioError, match="fixed once the model is built") as refused:
            change(model)
        assert "\n" not in str(refused.value)
    while model.running:
        model.step()
    rows = model.datacollector.get_model_vars_dataframe()
    assert len(rows) == 41 and model.scenario == given
    assert rows["customers"].tolist() == ran.timeseries["customers"].tolist()
    assert rows["shares"].tolist() == ran.timeseries["shares"].tolist()
    given.program.base_share = 0.3   # the caller's own object: theirs to change
    copy = model.scenario.model_copy(deep=True)
    copy.days = 90
    copy.program.channels.append(copy.program.channels[0])   # a deep copy's lists are its own too
    assert copy.days == 90 and model.scenario.days == 40 and model.scenario.program.base_share == 0.2
    assert len(model.scenario.program.channels) == len(given.program.channels) == len(copy.program.channels) - 1
    import pickle

    assert pickle.loads(pickle.dumps(model.scenario)) == model.scenario   # sent to a worker as any scenario is
    # a model copied mid-run (a what-if branch) runs the same fixed scenario: a deep copy's took changes, ignored on
    # the compiled path, and a longer horizon stopped it with an IndexError
    import copy

    branch = ReferralModel(given, rng=3, kernel=kernel)
    branch.step()
    _a_fixed_copy_runs_on_as_the_original(branch, copy.deepcopy(branch))


def _a_fixed_copy_runs_on_as_the_original(original, copied) -> None:
    """``copied`` (a deep copy, or unpickled) refuses changes to its scenario, and both run
    to the horizon day for day alike."""
    for change in (lambda m: setattr(m.scenario, "days", 90), lambda m: setattr(m.scenario.program, "base_share", 0.9),
                   lambda m: m.scenario.program.channels.append(m.scenario.program.channels[0])):
        with pytest.raises(ScenarioError, match="fixed once the model is built"):
            change(copied)
    for m in (original, copied):
        while m.running:
            m.step()
    assert copied.datacollector.get_model_vars_dataframe().equals(original.datacollector.get_model_vars_dataframe())


@pytest.mark.parametrize("kernel", [True, False])
def test_a_model_pickled_mid_run_goes_on_as_the_original_and_stays_fixed(kernel):
    """A model saved mid-run or sent to another process: on the compiled path pickling
    failed ("Can't pickle local object '_kernel_rows.<locals>.<lambda>'"), and on the
    numpy path the unpickled model's scenario took changes again (pickling gives plain
    blocks). It now pickles on either path, runs on day for day as the original does, and
    its scenario stays fixed, as a deep copy's does."""
    import pickle

    given = load_scenario(DEFAULT, ["population.size=2000", "population.initial_customers=20", "days=30"])
    model = ReferralModel(given, rng=11, kernel=kernel)
    for _ in range(8):
        model.step()
    restored = pickle.loads(pickle.dumps(model))
    _a_fixed_copy_runs_on_as_the_original(model, restored)
    assert len(restored.datacollector.get_model_vars_dataframe()) == 31


def test_the_docs_name_the_metric_decide_ranks_on_without_twins(tiny):
    """docs/scenarios.md said `decide` ranks on `cumulative_profit` where compare ran no
    twins; it ranks on `net_value`, five times the profit lead in the README's comparison,
    so a reader took a value lead for one year's profit. The docs name what it does."""
    from simulator.compare import compare, decide

    text = " ".join((Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text().split())
    said = re.search(r"or on `(\w+)`[^`]*? where `compare\(\.\.\., baseline=False\)` ran no twins", text)
    assert said, "docs/scenarios.md no longer says what decide ranks on without twins"
    other = tiny.model_copy(update={"name": "other", "program": tiny.program.model_copy(
        update={"base_share": 0.4})})
    assert decide(compare([tiny, other], replicates=2, baseline=False)).metric == said.group(1)
