"""The figure conventions of the decision reports: a headless backend, one size of
text, written atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# a design's name is text, not markup: "credit $10_a^2 and $20" stopped a report with matplotlib's ParseException, and
# "$10 vs $20" set "10 vs " in italics
matplotlib.rcParams["text.parse_math"] = False
import matplotlib.pyplot as plt  # noqa: E402

from ..results import atomic_write  # noqa: E402


def save(fig, path: Path, *, rect: tuple[float, float, float, float] | None = None) -> Path:
    """Lay out ``fig`` (within ``rect`` of the figure, leaving room for a figure legend)
    and write it to ``path`` atomically. The tight layout is run once and not kept as the
    figure's layout engine: ``fig.tight_layout()`` leaves a placeholder engine behind, and
    savefig then draws the whole figure once more before drawing it to the file (the same
    bytes, an eighth more time per figure)."""
    from matplotlib.layout_engine import TightLayoutEngine

    TightLayoutEngine(**({"rect": rect} if rect is not None else {})).execute(fig)
    atomic_write(path, lambda temp: fig.savefig(temp, dpi=110, format="png"))
    plt.close(fig)
    return Path(path)


__all__ = ["plt", "save"]
