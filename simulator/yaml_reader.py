"""Strict YAML reading for scenario and sweep files and ``--set`` values.

A config loader must not guess. PyYAML's defaults follow YAML 1.1, where
``yes`` is a boolean, ``1:30`` is the number 90 and a repeated key silently
replaces the first one; and they trust the input's size and shape, so an alias
bomb, deep nesting, a 100,000-digit integer or ``/dev/zero`` end in an
out-of-memory kill or a traceback. This reader:

- resolves plain scalars by the YAML 1.2 core schema: ``true``/``false``,
  ``null``/``~``, decimal, ``0o`` octal and ``0x`` hex integers, floats with
  ``.inf`` and ``.nan``; everything else (``yes``, ``on``, ``1:30``,
  ``2024-01-01``, ``1_000``) stays a string, which the schema then refuses
  where a number or boolean is expected;
- refuses a key given twice in one mapping, and ``<<`` merge keys stay plain
  keys (YAML 1.2 has none), so the schema reports them as unknown;
- refuses before parsing: more than ``MAX_BYTES`` bytes, files that are not
  regular files or pipes (``/dev/zero``), text that is not UTF-8;
- refuses while scanning events, before building anything: nesting deeper
  than ``MAX_DEPTH``, more than ``MAX_NODES`` nodes once aliases are expanded
  (so ``--set`` copies and error messages stay small), an alias to a node that
  contains it, and integers longer than ``MAX_INT_DIGITS`` digits.

Every refusal is one ScenarioError naming the file and line.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent, SequenceStartEvent

from .errors import ScenarioError

#: Largest YAML input read [bytes]. Scenario and sweep files are a few kB; a 100,000-value
#: sweep list or an explicit list of seed ids fits well within this.
MAX_BYTES = 8 * 2**20
#: Deepest nesting of mappings and lists; a scenario is at most five levels deep.
MAX_DEPTH = 64
#: Most nodes once every alias is expanded (a sweep may list 100,000 values).
MAX_NODES = 1_000_000
#: Most digits in an integer: every whole number of the schema fits in 19 (int64).
MAX_INT_DIGITS = 40
#: Most parts in a ``--set`` key path.
MAX_KEY_PARTS = 32
#: The core schema's tag of whole numbers.
INT_TAG = "tag:yaml.org,2002:int"

try:  # libyaml's parser is about ten times faster and parses without recursion
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader


class StrictLoader(_BaseLoader):
    """SafeLoader with YAML 1.2 core-schema resolution and no duplicate keys."""

    yaml_implicit_resolvers: dict = {}
    yaml_constructors = dict(SafeConstructor.yaml_constructors)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise ConstructorError(None, None, f"expected a mapping, found {node.id}", node.start_mark)
        mapping: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError("while reading a mapping", node.start_mark,
                                       "a key must be a plain value, not a list or mapping", key_node.start_mark) from None
            if key in mapping:
                raise ConstructorError("while reading a mapping", node.start_mark,
                                       f"duplicate key {_short(key)}; each key may appear once in a mapping",
                                       key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_map(self, node):
        data: dict = {}
        yield data
        data.update(self.construct_mapping(node))

    def resolve(self, kind, value, implicit):
        # a plain scalar of ASCII digits is an int (the core schema's int pattern, which the
        # resolvers for a leading digit try first): one test instead of the regex loop, a
        # quarter off reading a scenario that lists a thousand seed ids
        if kind is yaml.ScalarNode and implicit[0] and value.isdigit() and value.isascii():
            return INT_TAG
        return super().resolve(kind, value, implicit)

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if text.isdigit() and text.isascii() and len(text) <= MAX_INT_DIGITS:
            return int(text, 10)  # plain digits, as most numbers of a scenario are
        sign, body = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
        if len(body) > MAX_INT_DIGITS:
            raise ConstructorError(None, None, f"a whole number of {len(body):,} digits is out of range; "
                                   f"numbers here have at most 19 digits", node.start_mark)
        if body.startswith("0o"):
            return sign * int(body[2:], 8)
        if body.startswith("0x"):
            return sign * int(body[2:], 16)
        return sign * int(body, 10)

    def construct_yaml_float(self, node):
        text = self.construct_scalar(node).lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)

    def flatten_mapping(self, node):  # YAML 1.2 has no merge keys: '<<' is an ordinary key
        return None


StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_yaml_map)
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)
# the YAML 1.2 core schema, https://yaml.org/spec/1.2.2/#1032-tag-resolution
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                   list("-+0123456789"))
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


# --------------------------------------------------------------------------- reading files


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of a user's YAML file, refused in one line when it is missing, a
    folder, a device, larger than ``MAX_BYTES`` or not UTF-8 (checked before parsing)."""
    source = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(f"file not found; give the path of {what}", file=source) from None
    except OSError as error:
        raise ScenarioError(f"cannot be read ({error.strerror or type(error).__name__}); give the path of {what}",
                            file=source) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(f"is a folder; give the path of {what}", file=source)
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise ScenarioError(f"is not a regular file (a device or socket); give the path of {what}", file=source)
    if info.st_size > MAX_BYTES:
        raise ScenarioError(f"is {info.st_size / 2**20:,.0f} MiB; YAML input is limited to {MAX_BYTES // 2**20} MiB "
                            f"(a scenario is a few kB)", file=source)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # a pipe has no size until read: never read past the limit
    except OSError as error:
        raise ScenarioError(f"cannot be read ({error.strerror or type(error).__name__}); give the path of {what}",
                            file=source) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"is larger than {MAX_BYTES // 2**20} MiB, the limit for YAML input (a scenario is a few kB)",
                            file=source)
    return decode(raw, source)


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped), or one line naming the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ScenarioError(f"byte 0x{raw[error.start]:02x} is not UTF-8 text; save the file as UTF-8",
                            file=source, key=f"line {line}") from None


# --------------------------------------------------------------------------- parsing


#: What a scenario file looks like, for messages about a file that is not one.
SCENARIO_SHAPE = "a scenario is a mapping of keys such as 'name:', 'days:', 'program:'"


def load(text: str, source: str, shape: str = SCENARIO_SHAPE) -> Any:
    """Parse one YAML document strictly; raises ScenarioError naming ``source`` and the
    line, with ``shape`` saying what the file should look like."""
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"YAML input is limited to {MAX_BYTES // 2**20} MiB (got {len(text) / 2**20:,.0f} MiB)",
                            file=source)
    loader = StrictLoader(text)
    try:
        _check_shape(StrictLoader(text), source, text)
        return loader.get_single_data()
    except yaml.YAMLError as error:
        raise _yaml_error(error, source, shape, text) from None
    except RecursionError:  # pragma: no cover - _check_shape bounds the depth first
        raise ScenarioError(f"nesting deeper than {MAX_DEPTH} levels", file=source) from None
    finally:
        loader.dispose()


def _check_shape(scanner: StrictLoader, source: str, text: str = "") -> None:
    """Walk the event stream (no recursion, nothing built) and refuse input whose
    nesting or alias-expanded size would exhaust the stack or memory once built."""
    try:
        open_nodes: list[list] = []          # [expanded size so far, anchor] of each open collection
        sizes: dict[str, int] = {}           # expanded size of each finished anchored node
        total = 0
        flows: list[str] = []                # each open collection: "[" or "{" when written inline, else ""
        previous = None                      # the last scalar read
        while scanner.check_event():
            event = scanner.get_event()
            if isinstance(event, ScalarEvent):
                if any(flows):
                    _check_separator(previous, event, source, text, in_list=flows[-1] == "[")
                previous = event
            if isinstance(event, CollectionStartEvent):
                flows.append(("[" if isinstance(event, SequenceStartEvent) else "{") if event.flow_style else "")
                open_nodes.append([1, event.anchor])
                if len(open_nodes) > MAX_DEPTH:
                    raise _at(event, source, f"nesting deeper than {MAX_DEPTH} levels of mappings and lists; "
                                             f"a scenario needs at most a handful")
                continue
            if isinstance(event, ScalarEvent):
                size, anchor = 1, event.anchor
            elif isinstance(event, AliasEvent):
                if event.anchor not in sizes:
                    if any(node[1] == event.anchor for node in open_nodes):
                        raise _at(event, source, f"alias *{event.anchor} points into its own anchor (a loop); "
                                                 f"aliases must refer to a finished node")
                    continue  # an undefined alias: the parser proper reports it
                size, anchor = sizes[event.anchor], None
            elif isinstance(event, CollectionEndEvent):
                flows.pop()
                size, anchor = open_nodes.pop()
            else:
                continue
            if anchor is not None:
                sizes[anchor] = size
            if open_nodes:
                open_nodes[-1][0] += size
                grown = open_nodes[-1][0]
            else:
                total += size
                grown = total
            if grown > MAX_NODES:
                raise _at(event, source, f"expands to more than {MAX_NODES:,} values once aliases (*name) are "
                                         f"copied out; write the values out or use fewer aliases")
    finally:
        scanner.dispose()


#: A plain scalar that starts with three digits: the part after a thousands separator.
_GROUP = re.compile(r"\d{3}(?!\d)")
#: A whole number written with thousands separators, 1,500 or 1,500,000: not 10,100,1000 nor 0.5,100.
THOUSANDS = re.compile(r"(?<![\w.,])[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\w.]|,\d)")   # 0,100 is a list; 2,500.00 money


def _check_separator(previous, event, source: str, text: str, in_list: bool = True) -> None:
    """Inside [...] or {...} a comma ends a value, so 1,500 reads as two numbers, 1 and
    500, and 50,000} as 50 and a key 000: a sweep's values [1,500, 2,250] ran four points
    without a word. Refused when a plain scalar of three digits follows a comma that
    directly follows a plain scalar ending in a digit, and the text there reads as one
    number with thousands separators (a list [0,5,10,20,40,100] does not)."""
    start, end = event.start_mark, getattr(previous, "end_mark", None)
    if (end is None or event.style or previous.style   # '' or None: plain, not quoted
            or not _GROUP.match(event.value) or not previous.value[-1:].isdigit()
            or start.index != end.index + 1 or text[end.index:end.index + 1] != ","):
        return
    at = end.index - len(re.search(r"\d+$", previous.value).group(0))
    written = THOUSANDS.match(text, at)
    if written is None or (at and not THOUSANDS.search(text[at - 1:written.end()])):   # 0.5,100 or 10,100,1000
        return
    number = written.group(0)
    parts = number.split(",")
    path = _path_of(text, previous.start_mark.index)
    line = f"line {start.line + 1}"
    values = f"{', '.join(parts[:-1])} and {parts[-1]}"
    # in a list the parts could be values meant apart; in {...} the part after the comma reads as a key
    apart = f" (or {', '.join(parts)} with spaces for {len(parts)} values)" if in_list else ""
    raise ScenarioError(f"{number} inside [...] or {{...}} reads as {len(parts)} values, {values}: a comma ends a value "
                        f"there; write {number.replace(',', '')}{apart}", file=source,
                        key=f"{path} ({line})" if path else line)


def _path_of(text: str, index: int) -> str | None:
    """The dotted key path of the value that starts at ``index`` of the YAML ``text``
    (list items by their place), or None: composed again, only for an error."""
    try:
        node = yaml.compose(text, Loader=StrictLoader)
    except yaml.YAMLError:
        return None
    stack = [(node, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            children = [(value, [*path, str(key.value)]) for key, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [(value, [*path, str(i)]) for i, value in enumerate(node.value)]
        else:
            continue
        for child, where in children:
            if child.start_mark.index == index and isinstance(child, yaml.ScalarNode):
                return ".".join(where)
            stack.append((child, where))
    return None


def _at(event, source: str, message: str) -> ScenarioError:
    mark = event.start_mark
    return ScenarioError(message, file=source, key=f"line {mark.line + 1}" if mark else None)


def _yaml_error(error: yaml.YAMLError, source: str, shape: str = SCENARIO_SHAPE, text: str = "") -> ScenarioError:
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
    problem = getattr(error, "problem", None) or "not valid YAML"
    if isinstance(error, ConstructorError):
        if "constructor for the tag" in problem:
            # "could not determine a constructor for the tag ...python/object..." said nothing of what would do
            problem += ("; the file holds plain YAML values (numbers, text, true/false, null, lists and blocks): "
                        "remove the tag")
        return ScenarioError(problem, file=source, key=where)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        # "found character that cannot start any token" never said the character was a tab
        problem += " (a tab: YAML indents with spaces, never tabs)"
    context = getattr(error, "context_mark", None)
    if "quoted scalar" in (getattr(error, "context", None) or "") and context is not None:
        # a quote never closed was named at 'line 34', past the end of a 33-line file, and never as a quote
        return ScenarioError(f"invalid YAML: a quote opens here and is never closed ({problem}); {shape}", file=source,
                             key=f"line {context.line + 1}, column {context.column + 1}")
    if "another document" in problem:
        # "invalid YAML: but found another document" was PyYAML's sentence without its start; said of every kind of
        # file (a sweep's read "a scenario file holds one"), and of a lone --- left at the end as such
        rest = text[mark.index:].split("\n", 1)[1] if mark is not None and "\n" in text[mark.index:] else ""
        # comments and more markers (---, ...) hold nothing either: "split it into files" was said of them
        held = [line for line in rest.splitlines() if line.split(" #")[0].strip() not in ("", "---", "...")
                and not line.lstrip().startswith("#")]
        problem = ("a --- line here starts a second, empty document; delete it" if not held else
                   "a second document starts here (after ---); the file holds one document: split it into files")
    if mark is not None and (opened := _quote_closing_on(text, mark.line)) is not None:
        # the quote closed by the next line's first quote: the error pointed at that later line's correct value
        problem += (f" (the quote opened on line {opened.line + 1}, column {opened.column + 1} closes only here: is "
                    f"its closing quote missing?)")
    return ScenarioError(f"invalid YAML: {problem}; {shape}", file=source, key=where)


def _quote_closing_on(text: str, line: int):
    """The start of a quoted scalar that runs over lines and ends on ``line`` (0-based),
    where a YAML error was found: the likely place of a missing closing quote."""
    found = None
    try:
        for token in yaml.scan(text):
            if (isinstance(token, yaml.ScalarToken) and token.style in ("'", '"')
                    and token.start_mark.line < token.end_mark.line == line):
                found = token.start_mark
    except yaml.YAMLError:
        pass
    return found


#: A plain decimal the YAML 1.2 core schema reads as an int (at most MAX_INT_DIGITS digits) or
#: a float (digits, a point, digits; no exponent): read without the parser.
PLAIN_INT = re.compile(r"-?[0-9]{1,19}")
PLAIN_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")


def load_value(raw: str, source: str = "--set") -> Any:
    """A ``--set`` value: strict YAML when it parses, else the text itself (so that
    ``--set name=a: b`` sets a string). Size, depth, alias and integer limits still refuse.
    A plain decimal is read as the parser reads it, without it: a study applies its
    points' values as such text, and the parser took a quarter of a millisecond a value."""
    if PLAIN_INT.fullmatch(raw):
        return int(raw, 10)
    if PLAIN_FLOAT.fullmatch(raw):
        return float(raw)
    if not raw.strip():
        return raw
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as error:   # a byte the shell passed that is not UTF-8: PyYAML's traceback before
        bad = raw[error.start:error.start + 1].encode("utf-8", "surrogateescape")
        raise ScenarioError(f"byte 0x{bad[0]:02x} is not UTF-8 text; give the value as UTF-8", file=source) from None
    try:
        return load(raw, source)
    except ScenarioError as error:
        if not error.message.startswith("invalid YAML"):
            raise
        if raw.lstrip().startswith(("{", "[")):
            if "a quote opens here and is never closed" in error.message:
                # '{kind: "double_sided, ...}' was told to close its brace, which was closed
                raise ScenarioError(f"'{_short(raw, 60)}': a quote in it opens and is never closed; close it (for "
                                    f"example program.incentive={{kind: double_sided, referrer_reward: 10}})",
                                    file=source) from None
            # a block or list written inline and left unclosed: not text anyone meant ('{kind: erdos')
            raise ScenarioError(f"'{_short(raw, 60)}' starts a YAML block or list but is not valid YAML; close it "
                                f"(for example network={{kind: erdos_renyi, mean_degree: 8}})", file=source) from None
        return raw


def flow(value) -> str:
    """A setting as YAML's flow style writes it: 10, [30], {count: 40, strategy: degree}."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    return str(value)


def key_parts(key: str, item: str, source: str = "--set") -> list[str]:
    """The parts of a dotted ``--set`` key path, refused past ``MAX_KEY_PARTS``."""
    if key.count(".") >= MAX_KEY_PARTS:
        raise ScenarioError(f"'{_short(item, 60)}': the key path has {key.count('.') + 1:,} parts; scenario keys are at most "
                            f"{MAX_KEY_PARTS} deep (for example program.incentive.referrer_reward)", file=source)
    return key.split(".")


def _short(value: Any, limit: int = 40) -> str:
    """``value`` for an error message: its repr, cut to ``limit`` characters."""
    text = value if isinstance(value, str) and limit > 40 else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
