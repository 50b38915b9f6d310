"""A generated corpus of hostile and careless input, checked in-process through the
CLI's entry point (typer's CliRunner): YAML 1.1 coercions, duplicate keys, alias
bombs, deep nesting, huge integers, bytes that are not UTF-8, runaway ``--set``
key paths, edge-list ids that are not whole numbers, option values past the
schema's bounds, unusable ``--out`` folders and impossible networks, in scenario
files, in ``--set`` and in sweep files.

Every case must end the same way: exit code 2, exactly one line on stderr that
starts with ``error: `` and names where the mistake is, no traceback, and nothing
written. Hypothesis runs derandomized, so the corpus is the same on every run;
the counts of the tests below add up to well over 2,000 cases.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator.cli import app
from simulator.yaml_reader import MAX_DEPTH, MAX_INT_DIGITS, MAX_KEY_PARTS

from .conftest import SCENARIOS

DEFAULT = SCENARIOS / "default.yaml"
BASE_TEXT = DEFAULT.read_text()
BASE = yaml.safe_load(BASE_TEXT)
runner = CliRunner()
CORPUS = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


def invoke(*args) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def assert_refused(outcome, where: str, *fragments: str) -> None:
    code, stdout, stderr = outcome
    assert code == 2, f"exit {code}: stderr={stderr[:500]!r} stdout={stdout[:300]!r}"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[:2000]
    assert "Traceback" not in stderr + stdout
    assert lines[0].startswith(f"error: {where}"), lines[0][:300]
    assert len(lines[0]) < 1000, "an error line must stay short whatever the input"
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0][:300])


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, path + (i,))
    else:
        yield path, node


# scalar leaves whose line in default.yaml reads "key: value" (block style), by kind of value
BLOCK_LINES = {m.group(1): i for i, line in enumerate(BASE_TEXT.splitlines())
               for m in [re.match(r"^\s*([a-z_]+): [^{\[#]", line)] if m}
NUMERIC = sorted({path for path, value in _leaves(BASE)
                  if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(path[-1], str)})
FLAGS = sorted({path for path, value in _leaves(BASE) if isinstance(value, bool)})
# what YAML 1.1 turned into numbers, booleans or dates, and YAML 1.2 leaves as text
YAML_1_1 = ["yes", "no", "Yes", "NO", "on", "off", "On", "y", "n", "Y", "N", "1:30", "190:20:30", "-1:00", "0b1010",
            "1_000", "0x_1f", "2024-01-01", "2001-12-14t21:59:43.10-05:00", "+.5e", ".NaN_", "1__0"]


SENTINEL = "REFSIM_FUZZ_VALUE"


def _set_path(data: dict, path: tuple, value) -> dict:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _as_text(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)


def bomb(levels: int, fan: int, name: str = "b") -> list[str]:
    """Anchor definitions that expand to fan**levels values (each line one level)."""
    lines = [f"&{name}0 [{', '.join(['x'] * fan)}]"]
    for i in range(1, levels):
        lines.append(f"&{name}{i} [{', '.join([f'*{name}{i - 1}'] * fan)}]")
    return lines


def deep(depth: int, style: str) -> str:
    if style == "list":
        return "[" * depth + "1" + "]" * depth
    return "{a: " * depth + "1" + "}" * depth


# ----------------------------------------------------------------------------- scenario files


@st.composite
def hazardous_scenario(draw):
    """(kind, bytes of a scenario file, fragment the error must contain)."""
    kind = draw(st.sampled_from(["yaml_1_1", "duplicate", "bomb", "deep", "huge_int", "not_utf8", "loop",
                                 "impossible_degree"]))
    data = yaml.safe_load(BASE_TEXT)
    if kind == "yaml_1_1":
        path = draw(st.sampled_from(NUMERIC + FLAGS))
        word = draw(st.sampled_from(YAML_1_1))
        # the scalar unquoted, as a user would write it
        text = _as_text(_set_path(data, path, SENTINEL)).replace(SENTINEL, word)
        return kind, text.encode(), str(path[-1])
    if kind == "duplicate":
        lines = BASE_TEXT.splitlines()
        candidates = [i for i, line in enumerate(lines)
                      if re.match(r"^\s*[a-z_]+: \S", line) and line.count("{") == line.count("}")]
        i = draw(st.sampled_from(candidates))
        lines.insert(i + 1, lines[i])
        return kind, ("\n".join(lines) + "\n").encode(), "duplicate key"
    if kind == "bomb":
        levels, fan = draw(st.integers(6, 12)), draw(st.integers(10, 40))
        lines = bomb(levels, fan)
        text = BASE_TEXT + "".join(f"zz{i}: {line}\n" for i, line in enumerate(lines))
        return kind, text.encode(), "expands to more than"
    if kind == "deep":
        depth = draw(st.integers(MAX_DEPTH + 1, 20_000))
        key = draw(st.sampled_from(["days", "name", "churn", "extra"]))  # one-line keys: removing them leaves valid YAML
        text = re.sub(rf"^{key}:.*$", "", BASE_TEXT, count=1, flags=re.M) + f"{key}: {deep(depth, draw(st.sampled_from(['list', 'map'])))}\n"
        return kind, text.encode(), "nesting deeper than"
    if kind == "huge_int":
        digits = draw(st.integers(MAX_INT_DIGITS + 1, 120_000))
        path = draw(st.sampled_from(NUMERIC))
        text = _as_text(_set_path(data, path, SENTINEL)).replace(SENTINEL, "7" * digits)
        return kind, text.encode(), "digits is out of range"
    if kind == "not_utf8":
        bad = draw(st.sampled_from([b"\xe9", b"\xff", b"\xc3\x28", b"\xa0\xa1", b"\xf0\x28\x8c\x28", b"\xed\xa0\x80"]))
        raw = BASE_TEXT.encode()
        cut = draw(st.integers(0, len(raw)))
        while cut < len(raw) and (raw[cut] & 0xC0) == 0x80:
            cut += 1
        return kind, raw[:cut] + bad + raw[cut:], "not UTF-8"
    if kind == "loop":
        name = draw(st.text("abcdefgh", min_size=1, max_size=6))
        return kind, (BASE_TEXT + f"zz: &{name} [1, [2, *{name}]]\n").encode(), "its own anchor"
    size = draw(st.integers(2, 999))
    degree = draw(st.integers(size, 1000))
    data["population"]["size"] = size
    data["population"]["initial_customers"] = 1
    data["network"] = {"kind": draw(st.sampled_from(["erdos_renyi", "configuration", "stochastic_block"])),
                       "mean_degree": degree}
    return kind, _as_text(data).encode(), "mean_degree"


@settings(CORPUS, max_examples=700)
@given(hazardous_scenario())
def test_hazardous_scenario_files_get_one_line(tmp_path_factory, case):
    kind, raw, fragment = case
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "scenario.yaml"
    path.write_bytes(raw)
    command = ("validate", path) if kind in ("deep", "bomb", "huge_int") else ("run", path, "--out", folder / "out")
    assert_refused(invoke(*command), str(path), fragment)
    assert sorted(p.name for p in folder.iterdir()) == ["scenario.yaml"], (kind, command)


# ----------------------------------------------------------------------------- --set


@st.composite
def hazardous_override(draw):
    kind = draw(st.sampled_from(["yaml_1_1", "long_key", "bomb", "deep", "huge_int", "loop"]))
    if kind == "yaml_1_1":
        path = draw(st.sampled_from(NUMERIC + FLAGS))
        return f"{'.'.join(map(str, path))}={draw(st.sampled_from(YAML_1_1))}", str(DEFAULT), path[-1]
    if kind == "long_key":
        parts = draw(st.integers(MAX_KEY_PARTS + 1, 60_000))
        part = draw(st.sampled_from(["a", "program", "0", "x_y"]))
        return ".".join([part] * parts) + "=1", "--set", f"{parts:,} parts"
    if kind == "bomb":
        levels, fan = draw(st.integers(6, 12)), draw(st.integers(10, 30))
        return f"name=[{', '.join(bomb(levels, fan))}]", "--set", "expands to more than"
    if kind == "deep":
        return f"days={deep(draw(st.integers(MAX_DEPTH + 1, 30_000)), draw(st.sampled_from(['list', 'map'])))}", \
            "--set", "nesting deeper than"
    if kind == "huge_int":
        return f"seed={'1' * draw(st.integers(MAX_INT_DIGITS + 1, 100_000))}", "--set", "digits"
    return "name=[&a [1, *a]]", "--set", "its own anchor"


@settings(CORPUS, max_examples=500)
@given(hazardous_override())
def test_hazardous_set_values_get_one_line(case):
    item, where, fragment = case
    assert_refused(invoke("validate", DEFAULT, "--set", item), where, str(fragment))


# ----------------------------------------------------------------------------- sweep files


@st.composite
def hazardous_sweep(draw):
    kind = draw(st.sampled_from(["bomb", "deep", "huge_int", "duplicate", "yaml_1_1", "samples"]))
    head = f"base: {DEFAULT}\nmethod: grid\n"
    if kind == "bomb":
        levels, fan = draw(st.integers(6, 10)), draw(st.integers(10, 30))
        return head + f"parameters:\n  name:\n    values: [{', '.join(bomb(levels, fan))}]\n", "expands to more than"
    if kind == "deep":
        depth = draw(st.integers(MAX_DEPTH + 1, 10_000))
        return head + f"parameters:\n  days:\n    values: [{deep(depth, 'list')}]\n", "nesting deeper than"
    if kind == "huge_int":
        return head + f"parameters:\n  days:\n    values: [{'3' * draw(st.integers(MAX_INT_DIGITS + 1, 50_000))}]\n", "digits"
    if kind == "duplicate":
        return head + "parameters:\n  days: {values: [30]}\n  days: {values: [40]}\n", "duplicate key"
    if kind == "yaml_1_1":
        word = draw(st.sampled_from(["yes", "on", "1:30", "0b11", "1_0"]))
        return head + f"parameters:\n  days: {{values: [{word}]}}\n", "does not fit"
    samples = draw(st.integers(10**8, 10**12))
    return f"base: {DEFAULT}\nmethod: random\nsamples: {samples}\nparameters:\n  days: {{low: 30, high: 60, integer: true}}\n", \
        "samples"


@settings(CORPUS, max_examples=200)
@given(hazardous_sweep())
def test_hazardous_sweep_files_get_one_line(tmp_path_factory, case):
    text, fragment = case
    folder = tmp_path_factory.mktemp("sweep")
    path = folder / "sweep.yaml"
    path.write_text(text)
    assert_refused(invoke("sweep", path, "--out", folder / "out"), str(path), fragment)
    assert not (folder / "out").exists()


# ----------------------------------------------------------------------------- edge lists


#: '"7"': pandas read a quoted id as the number (the line parser refuses it), so a quoted file ran and, with one
#: bad line elsewhere, was refused at its first line
BAD_IDS = ["1e2", "1E3", "1.0", "2.5", "0x10", "1_0", "+-1", "--1", "one", "1e400", "nan", "inf", "١", "²", "-", '"7"']


@settings(CORPUS, max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=30),
       st.sampled_from(BAD_IDS), st.integers(0, 1), st.data())
def test_edge_list_ids_that_are_not_whole_numbers_are_refused(tmp_path_factory, edges, bad, column, data):
    folder = tmp_path_factory.mktemp("edges")
    lines = [f"{u} {v}" for u, v in edges]
    at = data.draw(st.integers(0, len(lines)))
    good = data.draw(st.integers(0, 50))
    lines.insert(at, f"{bad} {good}" if column == 0 else f"{good} {bad}")
    (folder / "g.txt").write_text("# a graph with e and . in its comment.\n" + "\n".join(lines) + "\n")
    scenario = folder / "scenario.yaml"
    scenario.write_text(_as_text({"name": "edges", "network": {"kind": "edgelist", "path": "g.txt"},
                                  "population": {"initial_customers": 1}}))
    assert_refused(invoke("validate", scenario), str(folder / "g.txt"), f"line {at + 2}")


# ----------------------------------------------------------------------------- options and --out


@settings(CORPUS, max_examples=250)
@given(st.sampled_from(["--replicates", "--seed", "--workers"]),
       st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63), st.integers(10**6 + 1, 10**12)),
       st.sampled_from(["run", "compare"]))
def test_option_values_past_the_schema_bounds_are_refused(tmp_path_factory, option, value, command):
    if option == "--seed" and 0 <= value < 2**63:
        value = -value - 1
    folder = tmp_path_factory.mktemp("options")
    files = [DEFAULT] if command == "run" else [DEFAULT, DEFAULT]
    assert_refused(invoke(command, *files, option, value, "--out", folder / "out"), option)
    assert not (folder / "out").exists()


@st.composite
def bad_out(draw, root):
    kind = draw(st.sampled_from(["under_file", "dangling", "symlink", "is_file", "proc"]))
    name = draw(st.text("abcdefghij_-", min_size=1, max_size=12))
    if kind == "under_file":
        (root / "f").write_text("a file")
        depth = draw(st.integers(1, 4))
        return kind, root.joinpath("f", *[name] * depth), "which is a file"
    if kind == "dangling":
        (root / name).symlink_to(root / "nowhere" / name)
        return kind, root / name, "dangling symbolic link"
    if kind == "symlink":
        (root / "real").mkdir(exist_ok=True)
        (root / name).symlink_to(root / "real")
        return kind, root / name, "symbolic link"
    if kind == "is_file":
        (root / name).write_text("x")
        return kind, root / name, "is a file"
    return kind, __import__("pathlib").Path("/proc") / f"refsim-{name}", "cannot create a folder"


@settings(CORPUS, max_examples=250)
@given(st.data(), st.sampled_from(["run", "sweep"]))
def test_unusable_out_folders_are_refused_before_any_work(tmp_path_factory, data, command):
    root = tmp_path_factory.mktemp("out")
    kind, out, fragment = data.draw(bad_out(root))
    before = sorted(os.listdir(root))
    if command == "sweep":
        sweep = root.parent / f"{root.name}-sweep.yaml"
        sweep.write_text(f"base: {DEFAULT}\nparameters:\n  days: {{values: [30]}}\n")
        outcome = invoke("sweep", sweep, "--out", out)
    else:
        outcome = invoke("run", DEFAULT, "--out", out, "--replicates", 1)
    if command == "run" and kind == "is_file":
        assert_refused(outcome, str(out), "--out")  # a file is "not empty" for run
    else:
        assert_refused(outcome, str(out), fragment)
    assert sorted(os.listdir(root)) == before  # nothing created, no staging folder left


# ----------------------------------------------------------------------------- names are text


@settings(CORPUS, max_examples=200)
@given(st.one_of(st.sampled_from(["[/oops]", "[bold]x[/bold]", "[link=http://x]y", "{task}", "{0}", "{task.fields}",
                                  "[", "]", "\\[x]", ":smile:", "[red"]),
                 st.text(alphabet="[]{}/\\:abc =", min_size=1, max_size=20)))
def test_scenario_names_print_as_written(name):
    """A progress label is shown literally on a terminal: no markup, no format fields."""
    import io

    from rich.console import Console

    from simulator import cli

    console = Console(file=io.StringIO(), force_terminal=True, width=200, color_system=None)
    saved = cli.err
    cli.err = console
    try:
        with cli.progress_bar(2, name) as bar:
            bar.add_task("runs", total=2, rate="")
            bar.refresh()
    finally:
        cli.err = saved
    assert name in console.file.getvalue()


# ----------------------------------------------------------------------------- the console entry point


@pytest.mark.parametrize("args, fragment", [
    (["validate", "/dev/zero"], "not a regular file"),
    (["validate", str(DEFAULT), "--set", "name=[" + ", ".join(bomb(9, 10)) + "]"], "expands to more than"),
    (["run", str(DEFAULT), "--seed", str(2**70)], "--seed"),
])
def test_the_console_entry_point_prints_one_line_and_exits_2(args, fragment, tmp_path):
    """A few cases through a real process: the entry point's own exit code and stderr."""
    import subprocess
    import sys

    root = DEFAULT.parents[1]
    done = subprocess.run([sys.executable, "-m", "simulator", *args], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(root)), timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []
