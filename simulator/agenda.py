"""Things due on a later day: the one event queue of the engine.

Asks due, churn due, premium ends, pending invitations and pending reward
qualification are all an :class:`Agenda`: items filed under the day they fall
due and taken out, all at once, on that day.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .sorted_runs import first_of_runs
from .state import NEVER


def _no_people() -> np.ndarray:
    return np.zeros(0, np.int32)


class Agenda:
    """Items filed by due day. An item is an array of people by default; ``concat``
    and ``empty`` say how to join items and what an empty day holds for other types
    (invitations)."""

    def __init__(self, concat: Callable = np.concatenate, empty: Callable = _no_people):
        self._days: dict[int, list] = {}
        self._concat, self._empty = concat, empty

    def file(self, day: int, item) -> None:
        """File one item under one day."""
        self._days.setdefault(int(day), []).append(item)

    def file_each(self, who: np.ndarray, days: np.ndarray) -> None:
        """File each person under their own day (``NEVER``: not filed), grouped by day
        with one sort so that the cost is per distinct day, not per person."""
        due = days != NEVER
        who, days = who[due], days[due]
        if not len(who):
            return
        if days.min() == days.max():
            self.file(int(days[0]), who)
            return
        order = np.argsort(days, kind="stable")
        who, days = who[order], days[order]
        starts = np.flatnonzero(first_of_runs(days)).tolist()
        for start, stop in zip(starts, starts[1:] + [len(days)]):
            self.file(int(days[start]), who[start:stop])

    def take(self, day: int):
        """Everything due on ``day``, in filing order (removed from the agenda)."""
        parts = self._days.pop(day, [])
        return self._concat(parts) if parts else self._empty()

    def items(self):
        """(day, everything due that day) for every day with items, without removing them."""
        for day, parts in sorted(self._days.items()):
            yield day, self._concat(parts)

    def drop(self, day: int) -> None:
        """Forget what was due on ``day``."""
        self._days.pop(day, None)
