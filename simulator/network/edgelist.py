"""Reading an edge-list file (``u v [weight]`` lines) into tie ends and labels."""

from __future__ import annotations

import csv
import io
import math
import pathlib
import re
import warnings

import numpy as np

from ..config import MAX_PEOPLE
from ..errors import ScenarioError


_NODES_HEADER = re.compile(r"^[ \t]*#[ \t]*nodes[ \t]*:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
# Where a header may be: a '#' then 'nodes' in any case. Searching for it first is fast
# (the pattern opens with a literal); _NODES_HEADER over a whole file of millions of
# lines, anchored at every line start and case-folding, took tens of milliseconds.
_NODES_CANDIDATE = re.compile(r"#[ \t]*[Nn][Oo][Dd][Ee][Ss][ \t]*:")
_EDGE_LIST_FORMAT = "each line is 'u v' or 'u v weight' with integer ids >= 0 and a number weight; '#' starts a comment"
# A signed network's -1 (distrust, a foe: SNAP's Epinions and Slashdot exports) ran as a weak tie, a friend who passes
# referrals on like any other, and nothing said so.
_NEGATIVE_WEIGHT = ("the weight {} is negative: a weight is a tie's strength, from 0 (0.5 or more makes a strong tie, less "
                    "a weak one); a signed network's negative ties are not friendships: leave them out of the file")


def load_edgelist(path: pathlib.Path, source: str | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """Read an edge list: returns ``(n, u, v, strong)``; ``strong`` is None without weights.

    Lines are ``u v [weight]``; ``#`` starts a comment; blank lines are skipped. Ids
    are ``0..n-1`` with ``n = max id + 1``, unless a comment line ``# nodes: N`` sets
    ``n`` (then an id >= N is an error). A weight >= 0.5 marks a strong tie. Either
    every line has a weight or none does.

    Reads the file every time; runs go through :func:`simulator.network.read_edgelist`,
    which reads each file once per process.
    """
    path = pathlib.Path(path)
    return parse_edgelist(read_edgelist_bytes(path, source), str(path))


def read_edgelist_bytes(path: pathlib.Path, source: str | None = None) -> bytes:
    """The file's bytes, or the one-line error a user should see."""
    path = pathlib.Path(path)
    file = str(path)
    if not path.is_file():
        raise ScenarioError(f"edge-list file {file!r} does not exist; give the path of a file of 'u v [weight]' lines",
                            file=source or file, key="network.path")
    try:
        return path.read_bytes()
    except OSError as error:
        raise ScenarioError(f"cannot read the edge list ({error}); {_EDGE_LIST_FORMAT}", file=file, key="network.path") from None


def parse_edgelist(data: bytes, file: str) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`load_edgelist` on the bytes of a file (``file`` names it in error messages)."""
    if data[:2] == b"\x1f\x8b":   # "byte 0x8b is not UTF-8 text; save the file as UTF-8" pointed the wrong way
        raise ScenarioError("the file is gzip-compressed; decompress it first (gunzip FILE): an edge list is read as "
                            "plain text", file=file, key="line 1")
    if b"#" not in data and b"\r" not in data:
        # the usual generated file, "U V" lines of ASCII digits, read from its bytes: no
        # header, and nothing to decode and encode back (about 15 of 95 ms at 500,000 ties)
        from .edgelist_loop import read_pairs

        parsed = read_pairs(data)
        if parsed is not None:
            return _checked(*parsed, None, data, file)
    from ..yaml_reader import decode

    text = decode(data, file)   # a bad byte named with its line, as in a scenario file
    if "\r" in text:  # the newlines a file opened in text mode would give (universal newlines)
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    nodes = None
    header, line_start = _nodes_header(text, file)
    if header:
        line_no = text.count("\n", 0, line_start) + 1
        try:
            nodes = int(header.group(1))
        except ValueError:
            nodes = -1
        if not 1 <= nodes <= MAX_PEOPLE:
            raise ScenarioError(f"'# nodes:' must be a whole number of people in 1..{MAX_PEOPLE:,} (got {header.group(1)!r})",
                                file=file, key=f"line {line_no}")

    parsed = None
    if "#" not in text:
        parsed = _parse_arrow(text)
    if parsed is None:
        parsed = _parse_fast(text)
    if parsed is None:
        parsed = _parse_lines(text, file, nodes)
    return _checked(*parsed, nodes, text, file)


def _checked(u: np.ndarray, v: np.ndarray, weight: np.ndarray | None, nodes: int | None, text: str | bytes,
             file: str) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """(n, u, v, strong) of parsed ties, their ids checked against ``# nodes:`` and the
    largest population (``text``, the file, is parsed again to name a bad line)."""
    if len(u) == 0:
        if nodes is None:
            raise ScenarioError(f"the edge list has no ties; {_EDGE_LIST_FORMAT}", file=file, key="network.path")
        return nodes, u, v, None
    if nodes is None and bool((u == v).all()):   # as an empty file: a self-loop is dropped, and it ran with no tie at all
        raise ScenarioError(f"the edge list has no ties: its {len(u):,} line{'s are' if len(u) > 1 else ' is a'} "
                            f"self-loop{'s' if len(u) > 1 else ''} (a person tied to themselves), which {'are' if len(u) > 1 else 'is'} dropped; "
                            f"{_EDGE_LIST_FORMAT}", file=file, key="network.path")
    low = min(int(u.min()), int(v.min()))
    high = max(int(u.max()), int(v.max()))
    negative = weight is not None and bool((weight < 0).any())
    if low < 0 or (nodes is not None and high >= nodes) or high >= MAX_PEOPLE or negative:
        _parse_lines(text if isinstance(text, str) else text.decode("ascii"), file, nodes)  # raises with the line number
        raise ScenarioError(f"ids must be in 0..{(nodes or MAX_PEOPLE) - 1}", file=file, key="network.path")  # pragma: no cover
    n = nodes if nodes is not None else high + 1
    strong = None if weight is None else weight >= 0.5
    return n, u, v, strong


_ID_NOT_WHOLE = re.compile(r"^[ \t]*(?:[^#\s]*[^\d\s#]|[^#\s]+[ \t]+[^#\s]*[^\d\s#])", re.M)


#: SNAP's exports open with '# Nodes: 36692 Edges: 367662', a comment of theirs, not the header: it was refused
#: as "'# nodes:' must be a whole number (got '36692 Edges: 367662')"
_SNAP_COUNTS = re.compile(r"\d+[ \t]+edges[ \t]*:[ \t]*\d+", re.IGNORECASE)


def _nodes_header(text: str, file: str = "") -> tuple[re.Match | None, int]:
    """The line that is a ``# nodes: N`` header (as _NODES_HEADER matches it on that
    line alone; a SNAP file's '# Nodes: N Edges: M' is a comment), and where that line
    starts; (None, -1) when there is none. A second header, or one with more words than
    its count ('# nodes: 4 people'), is refused: each ran as a comment or lost to the
    first, the population set by the other or by the largest id, no word."""
    if "#" not in text:  # most files have no comment at all: one memchr-speed scan
        return None, -1
    found = None
    for candidate in _NODES_CANDIDATE.finditer(text):
        start = text.rfind("\n", 0, candidate.start()) + 1
        end = text.find("\n", candidate.start())
        header = _NODES_HEADER.match(text, start, len(text) if end < 0 else end)
        if not header or _SNAP_COUNTS.fullmatch(header.group(1)):
            continue
        line_no = text.count("\n", 0, start) + 1
        if re.match(r"\S+\s+\S", header.group(1)):
            raise ScenarioError(f"'# nodes:' takes one whole number of people, nothing after it (got "
                                f"{header.group(1)!r}); make the rest a comment line of its own", file=file,
                                key=f"line {line_no}")
        if found is not None:
            first = text.count("\n", 0, found[1]) + 1
            raise ScenarioError(f"a second '# nodes:' line ({header.group(1)!r}; line {first} gave "
                                f"{found[0].group(1)!r}): give the population once", file=file, key=f"line {line_no}")
        found = (header, start)
    return found if found is not None else (None, -1)


def _parse_arrow(text: str):
    """u, v, weight-or-None for the usual generated file: lines of two (or three) fields
    separated by single spaces, no comments. pyarrow's reader takes it in a fraction of
    pandas' time (about 30 ms against 60-120 ms for 500,000 ties); anything else (tabs,
    padding, ids that are not whole numbers, a line with another field count) makes it
    fail, and None hands the file to the general parsers."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if "x" in text or "X" in text:   # pyarrow reads '0x10' as the id 16, where the line parser refuses it
        return None
    first = text.lstrip("\n").split("\n", 1)[0]
    fields = first.count(" ") + 1
    if not first or fields not in (2, 3):
        return None
    names = ["u", "v", "w"][:fields]
    types = {"u": pa.int64(), "v": pa.int64(), "w": pa.float64()}
    try:
        table = pa_csv.read_csv(pa.py_buffer(text.encode()), read_options=pa_csv.ReadOptions(column_names=names),
                                parse_options=pa_csv.ParseOptions(delimiter=" ", quote_char=False),
                                convert_options=pa_csv.ConvertOptions(column_types={k: types[k] for k in names},
                                                                      null_values=[], strings_can_be_null=False))
        u = table.column("u").to_numpy()
        v = table.column("v").to_numpy()
        w = table.column("w").to_numpy() if fields == 3 else None
    except Exception:  # not this simple shape: the general parsers take it
        return None
    if w is not None and not np.isfinite(w).all():
        return None
    return np.asarray(u, np.int64), np.asarray(v, np.int64), w


def _parse_fast(text: str):
    """u, v, weight-or-None with pandas' C parser, or None when any line needs a closer look."""
    import pandas as pd

    # pandas reads '1e2' or '1.0' as the id 100 or 1: ids with anything but digits go to the strict
    # parser (the substring tests spare most unweighted files the slower line scan, comments left out: an
    # export's '# exported from ...' line cost 0.5 s of that scan over 500,000 ties)
    body = re.sub(r"#[^\n]*", "", text) if "#" in text else text
    # ('+1' too: pandas read it as 1 where the line parser, the reference, refuses it)
    if any(c in body for c in ".eEx_+") and _ID_NOT_WHOLE.search(body):
        return None
    try:
        # a fourth column, never an edge's: with three names pandas made a line's first field the index
        # ('0 1 1 1' read as the tie 1-1); any line with more fields goes to the strict parser
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            # an id past int64 or a quoted one: pandas warns of its cast before it raises, and the line parser says why
            warnings.simplefilter("ignore", RuntimeWarning)
            table = pd.read_csv(io.StringIO(text), sep=r"\s+", comment="#", header=None, names=["u", "v", "w", "extra"],
                                index_col=False, skip_blank_lines=True, engine="c",
                                # 'NA', 'nan' or 'null' as a weight is no weight to read: the strict parser names it
                                # (pandas' missing words made a file of them one without weights); an absent field
                                # is missing: with no word missing, every unweighted line failed the float column, and
                                # tabs, comments or padding went to the line parser, about 100x slower
                                keep_default_na=False, na_values=[""],
                                # a quote is text to read, as the line parser reads it: pandas took '"0" "1"' as the
                                # tie 0-1, so a quoted file ran, and the same file with one bad line was refused at
                                # line 1, its quotes, instead of the line at fault
                                quoting=csv.QUOTE_NONE,
                                dtype={"u": "int64", "v": "int64", "w": "float64", "extra": "object"})
    except Exception:  # unreadable somewhere: the line-by-line parser says where
        return None
    if table["extra"].notna().any():
        return None
    u = table["u"].to_numpy(np.int64)
    v = table["v"].to_numpy(np.int64)
    w = table["w"].to_numpy(np.float64)
    missing = np.isnan(w)
    if missing.all():
        return u, v, None
    if missing.any() or not np.isfinite(w).all():
        return None
    return u, v, w


def _parse_lines(text: str, file: str, nodes: int | None):
    """The slow parser: reads line by line and raises at the first bad line."""
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    weighted = None
    first_line = 0
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()

        def bad(message):
            return ScenarioError(message, file=file, key=f"line {line_no}")

        if "," in line or ";" in line:   # a CSV export: every later line would be refused the same way, unexplained
            raise bad(f"cannot read {raw.strip()!r}: ids and weights are separated by spaces or tabs, not commas or "
                      f"semicolons, and a weight's decimals follow a '.' (save the export as space- or tab-separated, "
                      f"without a header); {_EDGE_LIST_FORMAT}")
        if len(parts) not in (2, 3):
            raise bad(f"cannot read {raw.strip()!r}: {_EDGE_LIST_FORMAT}")
        if not all(p.removeprefix("-").isascii() and p.removeprefix("-").isdigit() for p in parts[:2]):
            raise bad(f"cannot read {raw.strip()!r}: {_EDGE_LIST_FORMAT}")  # int() would take '1_0' or '+1'
        a, b = int(parts[0]), int(parts[1])
        if a < 0 or b < 0:
            raise bad(f"negative id in {raw.strip()!r}; valid ids are 0, 1, 2, ...")
        if nodes is not None and max(a, b) >= nodes:
            raise bad(f"id {max(a, b)} is out of range: the '# nodes: {nodes}' line allows ids 0..{nodes - 1}")
        if max(a, b) >= MAX_PEOPLE:
            raise bad(f"id {max(a, b)} is too large; valid ids are 0..{MAX_PEOPLE - 1}")
        has_weight = len(parts) == 3
        if weighted is None:
            weighted, first_line = has_weight, line_no
        elif has_weight != weighted:
            raise bad(f"{'a weight' if has_weight else 'no weight'} here but {'none' if has_weight else 'one'} on line {first_line}; "
                      "give every line a weight or none")
        if has_weight:
            try:
                weight = float(parts[2])
            except ValueError:
                weight = math.nan
            if not math.isfinite(weight):
                raise bad(f"cannot read the weight {parts[2]!r}: {_EDGE_LIST_FORMAT}")
            if weight < 0:
                raise bad(_NEGATIVE_WEIGHT.format(parts[2]))
            ws.append(weight)
        us.append(a)
        vs.append(b)
    weight_array = np.asarray(ws, dtype=np.float64) if weighted else None
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), weight_array
