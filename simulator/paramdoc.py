"""The generated parts of docs/model.md, so that they cannot drift from the code:
the parameter table (from the scenario schema) and the step order (from the
engine's ``STAGES``, the list ``Engine.step`` runs). ``python -m simulator.paramdoc``
rewrites the blocks between their markers (a test checks they are current)."""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .config import Scenario

BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"
STEPS_BEGIN, STEPS_END = "<!-- steps:begin -->", "<!-- steps:end -->"
METRICS_BEGIN, METRICS_END = "<!-- metrics:begin -->", "<!-- metrics:end -->"
DESCRIPTION = re.compile(r"^(?P<meaning>.*?)(?:\s*\[(?P<unit>[^\]]+)\])?\.?(?:\s*Source:\s*(?P<source>.*))?$", re.S)


def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models(arg)
    return found


def _bounds(field) -> str:
    """The tightest lower and upper bound a field's constraints give (a field's own
    ``gt=0`` on a type that already says ``ge=0`` reads "> 0", not "> 0, ≥ 0")."""
    metadata = list(field.metadata)
    for arg in typing.get_args(field.annotation):
        for inner in typing.get_args(arg) if typing.get_origin(arg) is typing.Annotated else ():
            metadata += getattr(inner, "metadata", [])
    lower = upper = None   # (value, strict)
    for item in metadata:
        if isinstance(item, (Ge, Gt)):
            bound = (item.gt, True) if isinstance(item, Gt) else (item.ge, False)
            lower = bound if lower is None or bound > lower else lower
        elif isinstance(item, (Le, Lt)):
            bound = (item.lt, True) if isinstance(item, Lt) else (item.le, False)
            upper = bound if upper is None or (bound[0], not bound[1]) < (upper[0], not upper[1]) else upper
    parts = []
    for bound, symbols in ((lower, ("≥", ">")), (upper, ("≤", "<"))):
        if bound is not None:
            value, strict = bound
            parts.append(f"{symbols[strict]} {value:g}" if isinstance(value, float) else f"{symbols[strict]} {value}")
    literal = [a for a in typing.get_args(field.annotation) if isinstance(a, str)]
    if literal:
        parts.append(" / ".join(literal))
    return ", ".join(parts)


def _default(field, parent_default: BaseModel | None, name: str) -> str:
    if parent_default is not None:
        value = getattr(parent_default, name)
    elif field.default is PydanticUndefined:
        if field.default_factory is None:
            return "required"
        value = field.default_factory()
    else:
        value = field.default
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        value = [v.model_dump(exclude_defaults=False) for v in value]
    return "–" if value is None else f"`{value}`"


def _kind_default(field, parent_default: BaseModel | None, name: str) -> str:
    """The default variant of a block with variants, as the table writes a default."""
    if parent_default is not None:
        value = getattr(parent_default, name)
    elif field.default_factory is not None:
        value = field.default_factory()
    else:
        value = None if field.default is PydanticUndefined else field.default
    return f"`{value.kind}`" if isinstance(value, BaseModel) and hasattr(value, "kind") else "–"


def _block_default(field, sub: type[BaseModel], parent_default: BaseModel | None, name: str) -> BaseModel | None:
    """The default instance of a nested block, when the block's default is not the class's own defaults
    (a block whose default_factory sets values other than its class defaults)."""
    if parent_default is not None:
        value = getattr(parent_default, name)
    elif field.default_factory is not None:
        value = field.default_factory()
    else:
        value = None
    return value if isinstance(value, sub) else None


def rows(model: type[BaseModel] = Scenario, prefix: str = "", default: BaseModel | None = None) -> list[tuple[str, ...]]:
    """(key path, meaning, unit, default, bounds, source) for every leaf parameter."""
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _models(field.annotation)
        if nested and _also_a_value(field.annotation):
            # a key that takes a plain value or a block (initial_customers: a count, ids or
            # {count, strategy}): its own row, then the block's
            out.append(_leaf(path, field, default, name))
        kinds = [typing.get_args(sub.model_fields["kind"].annotation) for sub in nested if "kind" in sub.model_fields]
        if len(nested) > 1 and len(kinds) == len(nested):
            # which variant: a variant with no settings of its own (incentive kind none) has no row below
            out.append((f"{path}.kind", "Which variant of the block; each variant's own keys follow as "
                        f"{path}[kind].key", "", _kind_default(field, default, name),
                        " / ".join(k for ks in kinds for k in ks), "scenario choice"))
        if nested:
            for sub in nested:
                kind = sub.model_fields.get("kind")
                label = f"{path}[{'|'.join(typing.get_args(kind.annotation))}]" if kind is not None and len(nested) > 1 else path
                out += rows(sub, f"{label}.", _block_default(field, sub, default, name))
            continue
        if name == "kind":
            values = typing.get_args(field.annotation)
            if len(values) > 1:   # one block with a kind of several values (a channel: direct or broadcast)
                meaning = (_leaf(path, field, default, name)[1] or "Which kind of " + prefix.rstrip(".").rsplit(".", 1)[-1])
                out.append((path, meaning, "", _default(field, default, name), " / ".join(map(str, values)),
                            "scenario choice"))
            continue
        out.append(_leaf(path, field, default, name))
    return out


def _also_a_value(annotation) -> bool:
    """Whether a union holds a plain value type besides its blocks (None does not count)."""
    args = typing.get_args(annotation)
    plain = [a for a in args if a is not type(None) and not _models(a)]
    return bool(plain) or any(_also_a_value(a) for a in args if typing.get_origin(a) is typing.Annotated)


def _leaf(path: str, field, default: BaseModel | None, name: str) -> tuple[str, ...]:
    match = DESCRIPTION.match((field.description or "").strip())
    meaning = (match["meaning"] or "").strip() if match else ""
    return (path, meaning, (match["unit"] or "") if match else "", _default(field, default, name), _bounds(field),
            ((match["source"] or "").strip().rstrip(".")) if match else "")


def table() -> str:
    lines = ["| key | meaning | unit | default | bounds | source |", "|---|---|---|---|---|---|"]
    seen = set()
    for row in rows():
        if row in seen:
            continue
        seen.add(row)
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |")
    return "\n".join(lines)


def steps() -> str:
    """The numbered step order, one line per stage of ``engine.STAGES``."""
    from .engine import STAGES

    return "\n".join(f"{i}. **{stage.name}**: {stage.summary}" for i, stage in enumerate(STAGES, start=1))


def metrics_table() -> str:
    """Every per-run column of runs.csv, from the code's own descriptions: the run's
    metrics (metrics.SUMMARY_METRICS), then those against the no-program twin
    (runner.INCREMENTAL_METRICS). Six of them (fake_accounts, adopters, ...) were
    defined nowhere in the docs, only in the code."""
    import re

    from .metrics import SUMMARY_METRICS
    from .runner import INCREMENTAL_METRICS

    lines = ["| metric | meaning | unit | with |", "|---|---|---|---|"]
    for table, kind in ((SUMMARY_METRICS, "every run"), (INCREMENTAL_METRICS, "the no-program twin")):
        for name, text in table.items():
            match = re.search(r"\s*\[([^\]]*)\]\s*$", text)
            meaning, unit = (text[:match.start()], match[1]) if match else (text, "")
            cell = meaning.replace("|", "\\|")
            lines.append(f"| `{name}` | {cell} | {unit} | {kind} |")
    return "\n".join(lines)


def _replace_block(document: str, begin: str, end: str, body: str) -> str:
    start, stop = document.index(begin) + len(begin), document.index(end)
    return document[:start] + "\n" + body + "\n" + document[stop:]


def render(document: str) -> str:
    """``document`` with the step order and the parameter table regenerated."""
    document = _replace_block(document, STEPS_BEGIN, STEPS_END, steps())
    document = _replace_block(document, METRICS_BEGIN, METRICS_END, metrics_table())
    return _replace_block(document, BEGIN, END, table())


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m simulator.paramdoc", description=(
        "Regenerate the step order, the metrics table and the parameter table of docs/model.md from the code's "
        "descriptions."))
    parser.add_argument("path", nargs="?", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "model.md",
                        help="the model document to update (default: docs/model.md of this tree)")
    path = parser.parse_args(argv).path
    if not path.is_file():
        parser.error(f"{path}: no such file")
    try:
        text = render(path.read_text(encoding="utf-8"))
    except ValueError:   # "substring not found": a file without the generated sections' marker lines
        parser.error(f"{path}: has no marker lines of the generated step order, metrics and parameter tables "
                     f"(docs/model.md's)")
    path.write_text(text, encoding="utf-8")
    print(f"updated the step order, the metrics table and the parameter table in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
