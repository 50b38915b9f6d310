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
        # file_each's (who, days), not yet split by day: a run handed to the compiled
        # kernel after day 0 reads them flat (flat()) and never pays for the split
        self._unsplit: list[tuple[np.ndarray, np.ndarray]] = []

    def file(self, day: int, item) -> None:
        """File one item under one day."""
        if self._unsplit:
            self._split()
        self._days.setdefault(int(day), []).append(item)

    def file_each(self, who: np.ndarray, days: np.ndarray) -> None:
        """File each person under their own day (``NEVER``: not filed). The split by day,
        one sort and a cost per distinct day, waits until the agenda is next read."""
        due = days != NEVER
        who, days = who[due], days[due]
        if len(who):
            self._unsplit.append((who, days))

    def _split(self) -> None:
        """File the unsplit entries by day, in the order they came."""
        entries, self._unsplit = self._unsplit, []
        for who, days in entries:
            self._file_by_day(who, days)

    def _file_by_day(self, who: np.ndarray, days: np.ndarray) -> None:
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
        if self._unsplit:
            self._split()
        parts = self._days.pop(day, [])
        return self._concat(parts) if parts else self._empty()

    def items(self):
        """(day, everything due that day) for every day with items, without removing them."""
        if self._unsplit:
            self._split()
        for day, parts in sorted(self._days.items()):
            yield day, self._concat(parts)

    def drop(self, day: int) -> None:
        """Forget what was due on ``day``."""
        if self._unsplit:
            self._split()
        self._days.pop(day, None)

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """Everything on an agenda of people as (days, who), both int64: by day, in
        filing order within a day (what items() yields, flattened), without removing it."""
        if not self._days:
            # only unsplit entries: one stable sort by day keeps the filing order within a day
            if not self._unsplit:
                return np.zeros(0, np.int64), np.zeros(0, np.int64)
            who = np.concatenate([w for w, _ in self._unsplit]).astype(np.int64)
            days = np.concatenate([d for _, d in self._unsplit]).astype(np.int64)
            order = np.argsort(days, kind="stable")
            return days[order], who[order]
        items = list(self.items())
        who = [np.asarray(w, np.int64) for _, w in items]
        days = np.repeat(np.array([d for d, _ in items], np.int64), [len(w) for w in who])
        return days, np.concatenate(who)
