"""The console examples in README.md and docs/*.md print what the commands print today.

Each ```console block that starts with ``$ refsim run|compare|optimize ...`` is run
in-process (with ``--out`` into a temporary folder), and every line of figures the
block shows (a metric line, indented, or ``best (trial ...)``) must be a line of the
command's output, word for word. The docs are the golden file: after a change that
moves a figure, rerun the command, paste its lines into the block and review the diff
(the prose around a block quotes the same run; reread it too). Slow (a minute and a
half): `.ci/run` runs it with the other slow checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMANDS = ("run", "compare", "optimize")


def console_examples() -> dict[str, list[tuple[str, list[str]]]]:
    """Each documented refsim command, with where it is shown and the figure lines it shows."""
    examples: dict[str, list[tuple[str, list[str]]]] = {}
    for path in DOCS:
        for block in re.findall(r"```console\n(.*?)```", path.read_text(), flags=re.S):
            lines = block.splitlines()
            if not lines or not re.match(rf"\$ refsim ({'|'.join(COMMANDS)}) ", lines[0]):
                continue
            figures = [line for line in lines[1:] if line.startswith("  ") or line.startswith("best (trial")]
            examples.setdefault(lines[0][len("$ refsim "):], []).append((path.name, figures))
    return examples


EXAMPLES = console_examples()


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_docs_show_the_examples_this_test_runs():
    """The parser finds the README's three examples (a block it cannot read would be skipped silently)."""
    assert {command.split()[0] for command in EXAMPLES} == set(COMMANDS)
    assert all(figures for shown in EXAMPLES.values() for _, figures in shown)


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_a_documented_console_example_prints_the_figures_it_shows(command, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)   # the examples' paths are relative to the repository
    result = CliRunner().invoke(app, [*command.split(), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stdout + result.stderr
    printed = {_words(line) for line in result.stdout.splitlines()}
    for doc, figures in EXAMPLES[command]:
        stale = [line for line in figures if _words(line) not in printed]
        assert not stale, f"{doc} shows lines `refsim {command}` no longer prints: {stale}\nit prints:\n{result.stdout}"
