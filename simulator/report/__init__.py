"""Every file a reader looks at: markdown reports, CSV and JSON tables, plots.

The computation modules (runner, compare, sweep) return results and write no
reader-facing files; the command line hands those results to a writer here:

- :func:`write_run` — the folder of ``refsim run`` (run.py);
- :func:`write_comparison` — the folder of ``refsim compare`` (compare.py);
- :func:`write_sweep` — the outputs of ``refsim sweep`` (sweep.py);
- plots.py — every figure; text.py — number formatting and summary tables.
"""

from __future__ import annotations

from .compare import comparison_markdown, winners, write_comparison
from .run import run_markdown, write_run
from .sweep import sweep_markdown, write_sweep
from .text import METRIC_TEXT, fmt, interval_text, summary_dict, summary_table

__all__ = ["write_run", "write_comparison", "write_sweep", "run_markdown", "comparison_markdown", "sweep_markdown",
           "winners", "fmt", "interval_text", "summary_dict", "summary_table", "METRIC_TEXT"]
