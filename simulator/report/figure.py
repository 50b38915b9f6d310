"""The figure conventions of the decision reports: a headless backend, one size of
text, written atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..results import atomic_write  # noqa: E402


def save(fig, path: Path, *, rect: tuple[float, float, float, float] | None = None) -> Path:
    """Lay out ``fig`` (within ``rect`` of the figure, leaving room for a figure legend)
    and write it to ``path`` atomically."""
    if rect is not None:
        fig.tight_layout(rect=rect)
    else:
        fig.tight_layout()
    atomic_write(path, lambda temp: fig.savefig(temp, dpi=110, format="png"))
    plt.close(fig)
    return Path(path)


__all__ = ["plt", "save"]
