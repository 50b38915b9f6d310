"""The strict YAML reader: YAML 1.2 core-schema scalars (the spec's own table is
the reference), no duplicate keys, and input bounded before anything is built."""

from __future__ import annotations

import os

import pytest

from simulator import yaml_reader
from simulator.errors import ScenarioError
from simulator.yaml_reader import MAX_BYTES, MAX_DEPTH, MAX_NODES, load, read_text

# From the YAML 1.2.2 spec, section 10.3.2 (core schema tag resolution), and the
# YAML 1.1 forms that 1.2 reads as strings.
CORE_SCHEMA = [
    ("true", True), ("True", True), ("FALSE", False), ("null", None), ("~", None), ("", None),
    ("0", 0), ("-19", -19), ("+12", 12), ("0o14", 12), ("0xC", 12), ("012", 12),
    ("1.5", 1.5), ("-.5", -0.5), ("1e2", 100.0), ("1.", 1.0), (".inf", float("inf")), ("-.Inf", float("-inf")),
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("off", "off"), ("y", "y"), ("1:30", "1:30"), ("1_000", "1_000"),
    ("0b101", "0b101"), ("2024-01-01", "2024-01-01"), ("=", "="),
]


@pytest.mark.parametrize("text, value", CORE_SCHEMA)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text, value):
    loaded = load(f"key: {text}\n", "f.yaml")["key"]
    assert loaded == value and type(loaded) is type(value)


def test_nan_is_a_float():
    value = load("key: .nan\n", "f.yaml")["key"]
    assert value != value


def test_quoted_scalars_stay_strings():
    assert load("a: 'true'\nb: \"12\"\n", "f.yaml") == {"a": "true", "b": "12"}


@pytest.mark.parametrize("text, line", [
    ("a: 1\na: 2\n", 2),
    ("p:\n  x: 1\n  y: 2\n  x: 3\n", 4),
    ("- {k: 1, k: 2}\n", 1),
])
def test_a_key_given_twice_is_refused_with_its_line(text, line):
    with pytest.raises(ScenarioError, match="duplicate key") as error:
        load(text, "f.yaml")
    assert f"line {line}" in str(error.value) and str(error.value).startswith("f.yaml: ")


def test_merge_keys_are_plain_keys_in_yaml_1_2():
    assert load("base: &b {x: 1}\nother:\n  <<: *b\n", "f.yaml")["other"] == {"<<": {"x": 1}}


def test_aliases_within_the_budget_are_expanded():
    assert load("a: &x [1, 2]\nb: *x\n", "f.yaml") == {"a": [1, 2], "b": [1, 2]}


def bomb(levels: int, fan: int = 10) -> str:
    lines = [f"l0: &l0 [{', '.join(['x'] * fan)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built():
    text = bomb(9)  # 10^9 values from under 1 kB
    assert len(text) < 1000
    with pytest.raises(ScenarioError, match="expands to more than"):
        load(text, "f.yaml")
    assert load(bomb(5), "f.yaml")["l4"][0][0][0][0] == ["x"] * 10  # 10^5 + smaller levels: within MAX_NODES


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(ScenarioError, match="points into its own anchor"):
        load("a: &a [1, *a]\n", "f.yaml")


@pytest.mark.parametrize("text", [
    "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "a: " + "[" * 100_000,
    "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 2)),
    "a: " + "{b: " * 5000 + "1" + "}" * 5000,
])
def test_deep_nesting_is_refused_without_recursion(text):
    with pytest.raises(ScenarioError, match="nesting deeper than"):
        load(text, "f.yaml")


def test_nesting_at_the_limit_is_read():
    depth = MAX_DEPTH - 1  # the top-level mapping is one level
    assert load("a: " + "[" * depth + "1" + "]" * depth, "f.yaml")["a"] is not None


@pytest.mark.parametrize("digits", [41, 5000, 100_000])
def test_huge_integers_are_refused_not_converted(digits):
    with pytest.raises(ScenarioError, match=f"{digits:,} digits"):
        load("seed: " + "9" * digits, "f.yaml")


def test_text_past_the_size_limit_is_refused_before_parsing():
    with pytest.raises(ScenarioError, match="limited to"):
        load("#" * (MAX_BYTES + 1), "f.yaml")


def test_a_file_past_the_size_limit_is_refused_by_its_size(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n")
    os.truncate(path, 200 * 2**20)  # 200 MB, sparse: only the size is looked at
    with pytest.raises(ScenarioError, match="200 MiB"):
        read_text(path, "a scenario")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(ScenarioError, match="not a regular file"):
        read_text(__import__("pathlib").Path(device), "a scenario")


def test_a_pipe_is_read_up_to_the_limit(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer
        try:
            with open(fifo, "wb") as handle:
                handle.write(b"name: piped\n")
        finally:
            os._exit(0)
    try:
        assert read_text(fifo, "a scenario") == "name: piped\n"
    finally:
        os.waitpid(pid, 0)


@pytest.mark.parametrize("raw, line", [(b"name: caf\xe9\n", 1), (b"a: 1\n# \xff\xfe\n", 2), (b"\xc3\x28: 1\n", 1)])
def test_non_utf8_bytes_are_refused_with_their_line(tmp_path, raw, line):
    path = tmp_path / "latin.yaml"
    path.write_bytes(raw)
    with pytest.raises(ScenarioError, match="not UTF-8") as error:
        read_text(path, "a scenario")
    assert f"line {line}" in str(error.value)


def test_a_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert load(read_text(path, "a scenario"), str(path)) == {"name": "x"}


def test_set_values_fall_back_to_text_but_keep_the_limits():
    assert yaml_reader.load_value("a: b: c") == "a: b: c"
    assert yaml_reader.load_value("1:30") == "1:30"
    with pytest.raises(ScenarioError, match="expands"):
        yaml_reader.load_value("[" + bomb(9).replace("\n", ", ").replace(": &", ": &") + "]")
    with pytest.raises(ScenarioError, match="digits"):
        yaml_reader.load_value("9" * 500)


def test_key_paths_are_bounded_and_split_once():
    assert yaml_reader.key_parts("a.b.c", "a.b.c=1") == ["a", "b", "c"]
    with pytest.raises(ScenarioError, match="50,000 parts"):
        yaml_reader.key_parts(".".join(["a"] * 50_000), "x")


def test_the_node_budget_admits_a_long_sweep_list():
    text = "values: [" + ", ".join(str(i) for i in range(100_000)) + "]\n"
    assert len(load(text, "f.yaml")["values"]) == 100_000 < MAX_NODES


@pytest.mark.parametrize("text", ["0", "7", "007", "12345678901234567890", "+1", "-1", "0o17", "0x1F", "1.5", "1e3",
                                  "١٢", "²", "1_000", "12a", "", "true", "null", "~"])
def test_the_digit_shortcut_resolves_as_the_schemas_patterns_do(text):
    """Plain scalars of ASCII digits skip the pattern loop; every scalar still gets the
    tag the core schema's patterns give it (non-ASCII digits stay text)."""
    import yaml

    loader = yaml_reader.StrictLoader("")
    try:
        expected = super(yaml_reader.StrictLoader, loader).resolve(yaml.ScalarNode, text, (True, False))
        assert loader.resolve(yaml.ScalarNode, text, (True, False)) == expected
        assert loader.resolve(yaml.ScalarNode, text, (False, True)) == "tag:yaml.org,2002:str"  # quoted: a string
    finally:
        loader.dispose()
    if text.isascii() and text.isdigit():
        assert load(f"a: {text}", "x") == {"a": int(text)}
    elif not text.isascii():
        assert load(f"a: {text}", "x") == {"a": text}


def test_a_quote_left_open_is_named_where_it_opens():
    """A quote never closed was named at 'line 34' of a 33-line file, as 'unexpected end
    of stream', never as a quote; one closed by a later line's quote was named at that
    later line's correct value. The line now names where the quote opens; a quoted value
    over two lines, closed as meant, is still read."""
    text = "name: \"x\ndays: 30\npopulation: {size: 100}\n"
    with pytest.raises(ScenarioError) as caught:
        load(text, "open.yaml")
    said = str(caught.value)
    assert "open.yaml: line 1, column 7: invalid YAML: a quote opens here and is never closed" in said, said
    with pytest.raises(ScenarioError) as caught:
        load("scenario: \"a.yaml\ntrials: 3\nvary: {days: \"30:60\"}\n", "settings.yaml")
    said = str(caught.value)
    assert "line 3" in said and "(the quote opened on line 1, column 11 closes only here: is its closing quote " \
        "missing?)" in said, said
    assert load("description: \"one\n  two\"\ndays: 30\n", "x") == {"description": "one two", "days": 30}
    # a --set block with a quote left open: it was told to close its brace, which was closed
    with pytest.raises(ScenarioError) as caught:
        yaml_reader.load_value('{kind: "double_sided, referrer_reward: 10}')
    assert "a quote in it opens and is never closed" in str(caught.value) and "close it" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        yaml_reader.load_value("{kind: erdos")
    assert "starts a YAML block or list but is not valid YAML" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:   # an error elsewhere names no quote
        load("description: \"one\n  two\"\ndays: [30\n", "x")
    assert "quote" not in str(caught.value), str(caught.value)


def test_a_tab_that_breaks_the_yaml_is_named_as_a_tab():
    """A tab indenting a block read "found character that cannot start any token", which
    never said the character is a tab; the line now says so, with the way out."""
    with pytest.raises(ScenarioError) as caught:
        load("name: x\ndays: 30\npopulation:\n\tsize: 100\n", "tab.yaml")
    said = str(caught.value)
    assert "line 4, column 1" in said and "(a tab: YAML indents with spaces, never tabs)" in said, said
    with pytest.raises(ScenarioError) as caught:
        load("name: x\ndays: [30\n", "bracket.yaml")
    assert "a tab" not in str(caught.value)


def test_a_python_tag_is_refused_saying_what_a_file_holds():
    """`name: !!python/object:os.system x` read "could not determine a constructor for the
    tag ...", with no word of what would be valid (every other YAML error says it); and
    nothing of the tag is built."""
    with pytest.raises(ScenarioError) as caught:
        load("name: !!python/object:os.system x\n", "tag.yaml")
    said = str(caught.value)
    assert said.startswith("tag.yaml: line 1, column 7: could not determine a constructor for the tag"), said
    assert said.endswith("the file holds plain YAML values (numbers, text, true/false, null, lists and blocks): "
                         "remove the tag"), said


def test_plain_numbers_read_and_written_without_the_parser_are_what_the_parser_gives():
    """A study applies every point's values as --set text (sweep_spec.yaml_value, then
    load_value), and the YAML emitter and parser took about half a millisecond a value.
    Plain decimals skip both now; the reference is the parser and emitter themselves, on
    whole numbers and floats of every size and sign (both ways: value, text, value)."""
    import math

    import numpy as np
    import yaml as pyyaml

    from simulator.sweep_spec import yaml_value
    from simulator.yaml_reader import load, load_value

    rng = np.random.default_rng(7)
    floats = np.r_[rng.normal(0, 1, 300) * 10.0 ** rng.integers(-8, 17, 300), 0.0, -0.0, 0.1, 1e16, 1e15, 123456.0,
                   1e-5, 2.5e-4, float("inf"), float("nan")]
    ints = [0, 1, -1, 7, 10**18, -(10**18), 10**19, 10**25, *map(int, rng.integers(-10**12, 10**12, 100))]
    for value in [*map(float, floats), *ints]:
        slow_text = pyyaml.safe_dump(value, default_flow_style=True, width=10**9).strip().removesuffix("...").strip()
        assert yaml_value(value) == slow_text, value
        parsed, reference = load_value(slow_text), load(slow_text, "--set")
        assert type(parsed) is type(reference), (slow_text, parsed, reference)
        assert parsed == reference or (math.isnan(parsed) and math.isnan(reference)), (slow_text, parsed, reference)
        assert math.copysign(1, parsed) == math.copysign(1, reference) if isinstance(parsed, float) else True
    # text a user types: leading zeros, signs, points at either end, exponents, spaces; the parser's reading each time
    for text in ("007", "-0", "+5", "5.", ".5", "-.5", "1e3", "1.0e3", " 5", "5 ", "0.50", "-12.000", "1_000", "0x1f",
                 "1,5", "12" * 10, "3.14159265358979323846"):
        try:
            reference = load(text, "--set")
        except Exception:   # the parser refuses it: load_value keeps its own fallback (the text), as before
            continue
        assert load_value(text) == reference and type(load_value(text)) is type(reference), text
