"""Fit uncertain behaviour parameters to a pilot's daily counts, forecast the launch
from the fit, and compare designs under it.

The fit is likelihood-free: **ABC-SMC** from pyabc (Klinger, Rickert & Hasenauer
2018). Particles drawn from the prior (uniform over each ``--fit`` range) are
simulated for the pilot's days; a particle is kept when the distance between
its counts and the pilot's is below the generation's epsilon (the median of the
previous generation's distances); each generation perturbs the kept particles
and tightens epsilon, and importance weights keep the result a sample of the
ABC posterior.

Summary statistics: every chosen column (any daily count of ``timeseries.csv``:
``new_organic``, ``new_referred``, ``shares``, ``asks``, ``invites`` ...) summed
over the whole pilot (or over bins of ``bin_days`` days, when given),
square-rooted. The square root makes the noise of a Poisson-like count about the
same size (variance ~1/4) whatever its mean, so the Euclidean distance weighs a
quiet column like a busy one. One total per column is the default because every
bin adds a dimension of that noise: with 4 columns in 9 weekly bins of a 60-day
pilot the distance between two runs of the *same* parameters is already about
sqrt(2 · 36 · 1/4) ≈ 4.2, the floor epsilon stalls on, whereas the behaviour
keys mostly move the totals. On synthetic pilots with known truths, totals gave
the narrowest intervals at the same coverage, for fewer simulations, than
weekly bins, halves, thirds, scaled (adaptive) distances or added ratios
(``bench/calibrate_summaries.py``, bench/RESULTS_decide.md).

Budget: each generation may simulate at most ``population_size /
min_acceptance_rate`` particles (a generation that would need more is dropped
and the fit ends with the previous one), and no generation starts once
``max_simulations`` (30 per particle unless set) have been run, so a fit costs at most ``max_simulations +
population_size / min_acceptance_rate`` simulations, known beforehand.

The prior is the parameters' own (``Parameter.from_unit``): pyabc works on u in
[0, 1] per parameter, so a ``LO:HI:log`` range is log-uniform and every whole
number of an integer range gets an equal share.

Randomness: pyabc draws from numpy's global generator, so :func:`calibrate`
seeds it from the study seed (and restores it afterwards), runs particles one
after another, and gives each simulation a seed drawn from that generator:
same seed, same posterior. The posterior comes back as weighted particles and
as equally weighted draws (systematic resampling) for forecasting.

Nothing here writes files except pyabc's database (``calibration.db`` in
``folder``, a temporary folder when none is given).
"""

from __future__ import annotations

import contextlib
import logging
import math
import reprlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .equality import FieldsEqual
from .config import Scenario
from .errors import ScenarioError
from .scenario_io import as_items, check_instance, check_scenario, check_seed_and_replicates
from .quiet_logs import quiet_loggers
from .evaluation import K_METRICS, Evaluate, Evaluator, check_metric, days_counted
from .metrics import COLUMN_INDEX, COUNT_COLUMNS, copies
from .parameters import Parameter, applies, apply_own, apply_values, check_designs_pair
from .rng import draw_seed, replicate_seeds, stream_seed

DB_FILE = "calibration.db"
DEFAULT_COLUMNS = ("new_organic", "new_referred", "shares", "asks")
#: Daily counts a pilot may give (stocks such as customers are cumulative; their
#: information is already in the flows, and their noise is not independent by day).
FLOW_COLUMNS = tuple(c for c in COUNT_COLUMNS if c not in ("prospects", "customers", "churned", "ask_queue"))   # a queue is a stock too


def unfitted_counts(columns, fitted) -> list[str]:
    """The pilot's daily counts that could be fitted (FLOW_COLUMNS) but are not among
    ``fitted``: left out of a default fit without a word, a pilot impossible in its
    invites (one a referral) read "The model reproduces the pilot"."""
    return [str(c) for c in pilot_names(list(columns)) if c in FLOW_COLUMNS and c not in set(fitted)]


def counted_columns(spare: list[str], pilot) -> list[str]:
    """``spare`` less the columns 0 on every day of the ``pilot`` frame: staff asks,
    influencer shares and delight actions of a scenario with none were advised to be
    fitted, and fitting them moved a fitted share from 0.22 to 0.12."""
    if pilot is None:
        return spare
    named = dict(zip(pilot_names(list(pilot.columns)), pilot.columns))
    return [c for c in spare if c not in named or (pd.to_numeric(pilot[named[c]], errors="coerce").fillna(0) != 0).any()]


def unfitted_note(columns, fitted, pilot=None) -> str:
    """unfitted_counts as a sentence, '' where there are none; with the ``pilot`` frame,
    less those 0 on every day of it (counted_columns)."""
    spare = counted_columns(unfitted_counts(columns, fitted), pilot)
    if not spare:
        return ""
    return (f"the pilot's {', '.join(spare)} {'is' if len(spare) == 1 else 'are'} not fitted (by default only "
            f"{', '.join(DEFAULT_COLUMNS)} are, where the pilot has them), so the fit and its checks say nothing of "
            f"{'it' if len(spare) == 1 else 'them'}: give --column for each column to fit, "
            + " ".join(f"--column {c}" for c in [*fitted, *spare]))


#: Simulations per particle after which no generation starts (max_simulations unset): 6,000 at 200 particles.
#: The real fits of bench/calibrate_summaries.py (100 particles, so a cap of 3,000) ended after about 3,900
#: simulations, 5.8 of their 6 generations on average: a generation started under the cap runs to its end.
SIMULATIONS_PER_PARTICLE = 30


@dataclass(frozen=True)
class CalibrationSettings:
    population_size: int = 200     # particles per generation
    generations: int = 8           # most ABC-SMC generations
    min_epsilon: float = 0.0       # stop once epsilon is this small
    bin_days: int | None = None    # days per summary bin; None: ``parts`` equal parts of the pilot
    parts: int = 1                 # equal parts of the pilot summed apart when bin_days is None (1: totals)
    min_acceptance_rate: float = 0.05   # a generation accepting fewer is dropped and the fit stops
    max_simulations: int | None = None  # no generation starts after this many; None: 30 x population_size
    posterior_samples: int = 500   # equally weighted draws kept
    level: float = 0.90            # interval level of the reports and the coverage check

    def __post_init__(self) -> None:
        """The bounds the command line and settings file hold these to: the API took a
        level of 90 (read as 9,000%), 0 (an interval of no width) and 2 particles."""
        from .decide_settings import MIN_PARTICLES

        def whole(name: str, least: int, value) -> None:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
                raise ScenarioError(f"must be a whole number >= {least} (got {value!r})", key=name)

        whole("population_size", MIN_PARTICLES, self.population_size)
        whole("generations", 1, self.generations)
        whole("parts", 1, self.parts)
        whole("posterior_samples", 10, self.posterior_samples)   # as the settings file holds it
        if self.parts > 100:
            raise ScenarioError(f"must be at most 100 (got {self.parts!r})", key="parts")
        if self.bin_days is not None:
            whole("bin_days", 1, self.bin_days)
            if self.parts != 1:   # refused as the settings file refuses it: parts was dropped without a word
                raise ScenarioError("give bin_days or parts, not both: bin_days sums the pilot in bins of that many "
                                    "days, parts in that many equal parts", key="parts")
        if self.max_simulations is not None:
            whole("max_simulations", 1, self.max_simulations)
        if not 0 < self.level < 1:
            raise ScenarioError(f"must be a fraction between 0 and 1, e.g. 0.9 for 90% (got {self.level!r})", key="level")
        if not 0 <= self.min_acceptance_rate < 1:
            raise ScenarioError(f"must be a fraction from 0 to below 1 (got {self.min_acceptance_rate!r})",
                                key="min_acceptance_rate")
        if not self.min_epsilon >= 0:
            raise ScenarioError(f"must be >= 0 (got {self.min_epsilon!r})", key="min_epsilon")

    @property
    def simulation_cap(self) -> int:
        """``max_simulations``, or 30 times the particles (6,000 at the default 200)."""
        return int(self.max_simulations) if self.max_simulations else SIMULATIONS_PER_PARTICLE * self.population_size


@dataclass(eq=False)   # == by FieldsEqual: tables by DataFrame.equals
class Calibration(FieldsEqual):
    seed: int
    parameters: list[Parameter]
    columns: list[str]
    pilot_days: int              # the pilot's last day + 1: the fit simulates days 0 .. pilot_days - 1
    particles: pd.DataFrame      # the last generation: parameter columns and weight
    posterior: pd.DataFrame      # equally weighted draws: draw + parameter columns
    intervals: pd.DataFrame      # parameter, mean, low, median, high, level
    generations: pd.DataFrame    # generation, epsilon, particles, simulations
    pilot_first: int = 0         # the pilot's first day (its rows are days pilot_first .. pilot_days - 1)
    simulations: int = 0         # all the fit ran: pyabc's first-epsilon sample and a dropped generation included
    first_sample: int = 0        # of which pyabc's sample from the prior that sets the first epsilon
    misfit: float = math.nan     # predictive_misfit: ~1 where the model reproduces the pilot, MISFIT or more where not
    # pilot_outliers: the pilot's counts no run at posterior draws comes near, each a dict of its column, first_day,
    # last_day, pilot (count), runs_low and runs_high
    outliers: list = field(default_factory=list)
    # pilot_isolation: the pilot's distance to its nearest run at posterior draws, the largest distance of a run to
    # its own nearest, and whether the pilot lies beyond every one (isolated)
    isolation: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        # the dataclass repr printed every particle and posterior draw
        from .runner import rows_text

        return (f"Calibration(parameters={[p.key for p in self.parameters]}, columns={self.columns}, "
                f"pilot=days {self.pilot_first}-{self.pilot_days - 1}, posterior={rows_text(self.posterior)}, "
                f"intervals={rows_text(self.intervals)}, generations={len(self.generations)}, "
                f"simulations={self.simulations:,}, misfit={self.misfit:.3g}, seed={self.seed})")

    def values(self, draw: int) -> dict[str, Any]:
        row = self.posterior.iloc[draw]
        return {p.key: _typed(p, row[p.key]) for p in self.parameters}


# --------------------------------------------------------------------------- the pilot


#: The largest count a pilot may give: past 2**53 a float no longer holds every whole number.
MAX_COUNT = 2**53

#: The pilot's columns read by name besides the daily columns of timeseries.csv.
PLACING_COLUMNS = ("day", "date", "replicate", "scenario")


def pilot_names(names) -> list[str]:
    """A pilot's column names as refsim reads them: spaces around a name dropped, and a
    name that is refsim's in another case (``Date``, ``New_Referred``) written as refsim's.
    A spreadsheet's ``Date`` was read as no date column, and ``date `` (a trailing space)
    as a column refsim does not know, named in a note whose space could not be seen."""
    known = {name.lower(): name for name in (*PLACING_COLUMNS, *COLUMN_INDEX)}
    return [known.get(str(name).strip().lower(), str(name).strip()) for name in names]


#: Gaps a pilot's refusal names before it counts the rest.
NAMED_GAPS = 3


def _missing_days(days: np.ndarray, first: pd.Timestamp | None = None) -> str:
    """The days missing from sorted, distinct ``days`` in a phrase: "days 5-8 and day 12 are missing", or with
    ``first``, the date of day 0, by date: "2026-01-03 to 2026-01-04 and 2026-01-08 are missing". Every gap is
    named up to NAMED_GAPS, then counted: a pilot fixed one gap at a time met the next refusal on the next try."""
    starts = days[:-1][np.diff(days) > 1] + 1
    ends = days[1:][np.diff(days) > 1] - 1

    def span(a: int, b: int) -> str:
        if first is not None:
            at = lambda d: str((first + pd.Timedelta(days=d)).date())  # noqa: E731
            return at(a) if a == b else f"{at(a)} to {at(b)}"
        return f"day {a}" if a == b else f"days {a}-{b}"

    spans = [span(a, b) for a, b in zip(starts.tolist(), ends.tolist())]
    more = len(spans) - NAMED_GAPS
    named = spans[:NAMED_GAPS] + ([f"{more} more gap{'s' if more > 1 else ''}"] if more > 0 else [])
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    one_day = len(spans) == 1 and starts[0] == ends[0]
    return f"{listed} {'is' if one_day else 'are'} missing"


def pilot_counts(pilot: pd.DataFrame, columns: Sequence[str] | None = None, *, source: str = "--data",
                 columns_from: str | None = None) -> pd.DataFrame:
    """The pilot's daily counts in the chosen columns (default: those of DEFAULT_COLUMNS it
    has), indexed by day. ``pilot`` is a ``timeseries.csv`` of one replicate, or any table
    with those columns; without a ``day`` column, a ``date`` column places the rows (the
    first date is day 1, the first day of activity), else its rows are days 0, 1, ...
    (day 0 is the launch state, as in timeseries.csv: no counts there). Counts are whole
    numbers. ``columns_from`` names where ``columns`` were given (a flag, or a settings
    file's key with its line), for a column that cannot be fitted."""
    if not isinstance(pilot, pd.DataFrame):   # a path: "'str' object has no attribute 'copy'"
        raise TypeError(f"pilot: a pandas DataFrame of daily counts (pandas.read_csv of the pilot's file), not "
                        f"{type(pilot).__name__}")
    frame = pilot.copy()
    if "day" not in frame and frame.index.name == "day":  # already indexed by day (what this function returns)
        frame = frame.reset_index()
    frame.columns = pilot_names(frame.columns)
    if twice := sorted({name for name in frame.columns if list(frame.columns).count(name) > 1}):
        raise ScenarioError(f"the pilot names {', '.join(repr(n) for n in twice)} twice (in any case, spaces aside); "
                            f"give each column once", file=source)
    given_columns = list(frame.columns)
    first_date = None
    if "day" not in frame and "date" in frame:   # a pilot kept by date: the first date is day 0, a date left out refused
        frame = frame.assign(day=_days_of_dates(frame["date"], source) + 1)   # the first date: the first day of activity
        first_date = str(pd.to_datetime(frame["date"], format="ISO8601").min().date())
    # a compare's timeseries.csv holds each design's rows: following the replicate advice then met "day 0 is given
    # twice", a duplicate the user could not find
    if "scenario" in frame and frame["scenario"].nunique() > 1:
        names = list(dict.fromkeys(frame["scenario"].astype(str)))
        raise ScenarioError(f"the pilot holds {len(names)} scenarios ({', '.join(names[:3])}"
                            f"{', ...' if len(names) > 3 else ''}); give the counts of one launch (e.g. rows with "
                            f"scenario == {names[0]!r} and replicate == 0)", file=source, key="scenario")
    if "replicate" in frame and frame["replicate"].nunique() > 1:
        raise ScenarioError(f"the pilot holds {frame['replicate'].nunique()} replicates; give the counts of one launch "
                            f"(e.g. rows with replicate == 0)", file=source, key="replicate")
    if "day" in frame:
        days = pd.to_numeric(frame["day"], errors="coerce")
        bad = (days.isna() | (days != np.floor(days)) | (days < 0)).to_numpy()
        if bad.any():
            # which row: a spreadsheet's "Total" row or a trailing row of commas among 42 good days pointed nowhere
            row = int(np.flatnonzero(bad)[0])
            given = frame["day"].iloc[row]
            shown = "a blank" if pd.isna(given) else repr(given) if isinstance(given, str) else f"{float(given):g}"
            raise ScenarioError(f"days must be whole numbers from 0 (the launch day, as in timeseries.csv); got {shown} "
                                f"on line {_line(pilot, row)}", file=source, key="day")
        frame = frame.assign(day=days.astype(np.int64)).sort_values("day", kind="stable")
        days = frame["day"].to_numpy()
        if len(days) and not np.array_equal(days, np.arange(days[0], days[0] + len(days))):
            # which day: a pilot of 60 rows gave no clue where the gap or the repeat was
            twice = days[1:][np.diff(days) == 0]
            where = (f"day {twice[0]} is given twice" if len(twice) else
                     f"{_missing_days(days)} (a day without events is a row of zeros)")
            raise ScenarioError(f"days must be consecutive, one row per day: {where}", file=source, key="day")
    columns = list(dict.fromkeys(columns)) if columns else [c for c in DEFAULT_COLUMNS if c in frame]   # each once
    if not columns:
        read = reprlib.repr(", ".join(map(str, frame.columns)))   # a file separated by ';' reads as one column
        if (counts := unfitted_counts(frame.columns, ())) and not counted_columns(counts, frame):
            raise ScenarioError(f"none of the columns fitted by default ({', '.join(DEFAULT_COLUMNS)}) is in the pilot, "
                                f"and its {', '.join(counts)} {'is' if len(counts) == 1 else 'are'} 0 on every day: "
                                f"nothing to fit; give a pilot with any of {', '.join(DEFAULT_COLUMNS)}", file=source)
        if spare := counted_columns(counts, frame):
            # 'give any of ..., invites, ...' was said of a pilot holding invites: it is fitted when named
            raise ScenarioError(f"none of the columns fitted by default ({', '.join(DEFAULT_COLUMNS)}) is in the pilot; "
                                f"its {', '.join(spare)} {'is a daily count' if len(spare) == 1 else 'are daily counts'} "
                                f"fitted when named: give " + " ".join(f"--column {c}" for c in spare), file=source)
        raise ScenarioError(f"no daily count columns found (the header read as {read}); give any of "
                            f"{', '.join(FLOW_COLUMNS)}, in a comma-separated file", file=source)
    for column in columns:
        if column not in FLOW_COLUMNS:   # named where the columns were given (columns_from), else in the pilot's words
            raise ScenarioError(f"'{column}' is not a daily count that can be fitted; valid: {', '.join(FLOW_COLUMNS)}",
                                **({"key": columns_from} if columns_from else {"file": source, "key": column}))
        if column not in frame:
            # the file's own columns: a 'day' derived from its dates was listed as one of them
            raise ScenarioError(f"the pilot has no column '{column}'; it has: {', '.join(map(str, given_columns))}",
                                file=source, key=column)
        values = pd.to_numeric(frame[column], errors="coerce")

        def where(row: int) -> str:
            if first_date is not None:
                return f"{frame['date'].iloc[row]} (day {frame['day'].iloc[row]})"
            return f"day {frame['day'].iloc[row]}" if "day" in frame else f"line {_line(pilot, row)}"

        # inf (or 1e400) is no count: every particle was accepted against it, the prior written as the posterior; nor
        # is a number past 2**53, where floats no longer hold every whole number (1e200 did the same as inf)
        wrong = (values.isna() | (values < 0) | ~(values.abs() <= MAX_COUNT)).to_numpy()
        if wrong.any():   # named with its day: a blank, a word or a negative among 60 rows was left to find
            row = int(np.flatnonzero(wrong)[0])
            given = frame[column].iloc[row]
            value = float(values.iloc[row])
            shown = ("a blank" if pd.isna(given) else f"{value:g}" if np.isfinite(value)
                     else repr(given) if isinstance(given, str) else f"{value:g}")   # '1e400' as written, not inf
            # the ceiling said only where it was passed: 'from 0 to 9,007,199,254,740,992' beside a -3 puzzled
            ceiling = f" and at most {MAX_COUNT:,} (2^53)" if abs(value) > MAX_COUNT else ""   # NaN: not past it
            raise ScenarioError(f"counts must be whole numbers, 0 or more{ceiling}, on every day; got {shown} on "
                                f"{where(row)}", file=source, key=column)
        fractional = values != np.floor(values)
        if fractional.any():   # a rate or an average is not a count: it would be fitted as one, against whole numbers
            row = int(np.flatnonzero(fractional.to_numpy())[0])
            # repr, not :g: 3.0000001 read 'got 3', a whole number
            raise ScenarioError(f"counts must be whole numbers (people or events a day); got {float(values.iloc[row])!r} on "
                                f"{where(row)}: give the pilot's counts, not rates or averages", file=source, key=column)
    if len(frame) == 0:
        raise ScenarioError("the pilot has no rows; give one row per day", file=source)
    first_day = frame["day"].iloc[0] if "day" in frame else 0
    if first_day == 0 and (frame[columns].iloc[0].astype(float) > 0).any():
        # day 0 is the launch state, with no events (timeseries.csv's first row): a pilot's counts there would be
        # fitted against zeros, and every later day one day early
        raise ScenarioError("day 0 is the launch state, on which the simulation has no events (the first row of "
                            "timeseries.csv); the pilot's first day of activity is day 1: add a 'day' column from 1, or a "
                            "'date' column (its first date is day 1)", file=source, key="day" if "day" in frame else None)
    counts = frame[columns].astype(float)
    first = int(frame["day"].iloc[0]) if "day" in frame else 0
    if first == 0 and len(counts) == 1:   # fitted to no day at all: the posterior was the prior, and a forecast written
        raise ScenarioError("the pilot's only row is day 0, the launch state, with no events; give its days of activity "
                            "from day 1, one row per day", file=source)
    counts.index = pd.RangeIndex(first, first + len(counts))
    counts.index.name = "day"
    if first_date is not None:
        counts.attrs["first_date"] = first_date   # day 1, for the report
    # the largest count of each column of people the fit leaves out (customers, prospects: stocks, never fitted), for
    # check_fit, which refuses a count above the population: 99,999 customers among 500 people passed unremarked
    peaks = {}
    for column in (c for c in PEOPLE_COLUMNS if c in frame and c not in columns):
        values = pd.to_numeric(frame[column], errors="coerce").set_axis(counts.index)
        if values.notna().any():
            peaks[column] = (int(values.idxmax()), float(values.max()))
    if peaks:
        counts.attrs["people_peaks"] = peaks
    return counts


def pilot_scale_note(pilot: pd.DataFrame, base: Scenario) -> str:
    """A sentence when the pilot's launch state (day 0 of a timeseries.csv: its
    ``customers``, and ``prospects`` + ``customers`` + ``churned``, everyone) is not the
    scenario's: a pilot of 5,000 people and 250 customers fitted against a scenario of
    20,000 and 200 gave no word, and the forecast was for the 20,000. Empty when the
    pilot has no day-0 row of those columns, or they agree."""
    frame = pilot.reset_index() if "day" not in pilot and pilot.index.name == "day" else pilot
    if "day" in frame:
        rows = frame[pd.to_numeric(frame["day"], errors="coerce") == 0]
    elif "date" in frame:   # a pilot kept by date starts on its first day of activity: no launch state
        return ""
    else:
        rows = frame.iloc[:1]
    if len(rows) != 1:
        return ""
    row = rows.iloc[0]

    def number(column: str) -> float | None:
        value = pd.to_numeric(row.get(column), errors="coerce")
        return None if pd.isna(value) else float(value)

    found = []
    customers, seeds = number("customers"), base.population.seed_count
    if customers is not None and seeds is not None and customers != seeds:
        found.append(f"{customers:,.0f} customers on day 0 against the scenario's {seeds:,} "
                     f"(population.initial_customers)")
    parts = [number(c) for c in ("prospects", "customers", "churned")]
    if None not in parts and sum(parts) != base.population.size:
        found.append(f"{sum(parts):,.0f} people against the scenario's {base.population.size:,} (population.size)")
    if not found:
        return ""
    return (f"the pilot's launch state is not the scenario's: {'; '.join(found)}; the fit and the forecast are for the "
            f"scenario's market: give the pilot's with --set if it is the one to forecast")


def _line(read, row: int) -> int:
    """The file line of a pilot's data row ``row``: the reader's (``attrs["lines"]``, which
    count blank lines before the header and among the rows), else the header's line 1 plus
    the row (a pilot starting with two blank lines named line 4 for line 6)."""
    lines = read.attrs.get("lines")
    return int(lines[row]) if lines is not None and row < len(lines) else row + 2


def _days_of_dates(dates: pd.Series, source: str) -> np.ndarray:
    """Days since the first date of a pilot kept by date (one row per date). Rows taken
    as days 0, 1, ... moved every day after a date left out one day early, without a
    word; a date left out or given twice is refused, naming it."""
    # ISO dates only: 02/03/2026 was read as 3 February and 13/03/2026 then refused, or a whole day-first file read
    # month-first without a word
    parsed = pd.to_datetime(dates.astype(str), errors="coerce", format="ISO8601")
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise ScenarioError(f"'{dates.iloc[row]}' on line {_line(dates, row)} is not a date; give dates as YYYY-MM-DD, one row per "
                            f"day (or a 'day' column: 0 is the launch day)", file=source, key="date")
    ordered = parsed.sort_values(kind="stable")
    repeated = ordered[ordered.duplicated()]
    if len(repeated):
        raise ScenarioError(f"{repeated.iloc[0].date()} is given twice; give one row per day", file=source, key="date")
    days = (ordered - ordered.iloc[0]).dt.days.to_numpy(dtype=np.int64)
    if len(days) and not np.array_equal(days, np.arange(days[-1] + 1)):
        # every gap by its dates: 'no row for 2026-01-03 (and 4 other dates)' named the first alone
        raise ScenarioError(f"{_missing_days(days, ordered.iloc[0])}: give one row per day, a day without events as a "
                            f"row of zeros", file=source, key="date")
    return ((parsed - ordered.iloc[0]).dt.days).to_numpy(dtype=np.int64)


def summary_statistics(counts: np.ndarray, columns: Sequence[str], bin_days: int | None = None,
                       parts: int = 1) -> dict[str, float]:
    """sqrt of each column's sum over consecutive ``bin_days``-day bins (the last may be
    shorter); ``bin_days`` None: over ``parts`` equal parts of the pilot (as equal as
    whole days allow; 1: the column's total)."""
    stats = {}
    for j, column in enumerate(columns):
        for b, (start, end) in enumerate(statistic_spans(len(counts), bin_days, parts)):
            stats[f"{column}:{b}"] = math.sqrt(float(counts[start:end, j].sum()))
    return stats


def statistic_spans(days: int, bin_days: int | None = None, parts: int = 1) -> list[tuple[int, int]]:
    """The (start, end) rows, end excluded, of each part or bin of a ``days``-row pilot
    that summary_statistics sums (the last bin may be shorter)."""
    if bin_days is None:
        edges = [len(part) for part in np.array_split(np.arange(days), max(min(int(parts), days), 1))]
        starts = np.concatenate([[0], np.cumsum(edges)])
        return [(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]
    return [(start, min(start + int(bin_days), days)) for start in range(0, days, int(bin_days))]


#: The level at which pilot_outliers calls a statistic beyond the model's runs: two-sided, shared
#: among the fit's statistics (Bonferroni), and the floor of the runs' spread on the square-root scale
#: (a Poisson count's square root varies by about 0.5 whatever its mean).
OUTLIER_LEVEL = 0.01
OUTLIER_SD_FLOOR = 0.5


def pilot_outliers(simulated: Sequence[dict[str, float]], observed: dict[str, float]) -> list[tuple[str, float, float, float]]:
    """The statistics (summary_statistics' square-rooted counts) on which the pilot lies
    beyond every run at posterior draws, and farther from their mean than one more such
    run would be at OUTLIER_LEVEL shared among the statistics: a t prediction bound,
    mean ± t · max(sd, OUTLIER_SD_FLOOR) · sqrt(1 + 1/n) over the n runs. Each as
    (statistic, the pilot's count, the runs' lowest and highest count). predictive_misfit
    pools every statistic in one distance, which the runs' spread on the others dilutes:
    a pilot with every count doubled read 1.85 ("the model reproduces the pilot") where its
    asks, 846 against 401-642 in the runs, could not be one more run. Empty with fewer
    than three runs."""
    from scipy.stats import t

    keys = sorted(observed)
    runs = np.array([[run[k] for k in keys] for run in simulated], dtype=float)
    if len(runs) < 3 or not keys:
        return []
    n = len(runs)
    bound = (t.ppf(1 - OUTLIER_LEVEL / (2 * len(keys)), n - 1) * np.maximum(runs.std(axis=0, ddof=1), OUTLIER_SD_FLOOR)
             * math.sqrt(1 + 1 / n))
    out = []
    for j, key in enumerate(keys):
        value, low, high = observed[key], runs[:, j].min(), runs[:, j].max()
        if (value > high or value < low) and abs(value - runs[:, j].mean()) > bound[j]:
            # squares of square roots of whole counts: 66.00000000000001 read back as 66
            out.append((key, *(round(float(x) ** 2, 6) for x in (value, low, high))))
    return out


def pilot_isolation(simulated: Sequence[dict[str, float]], observed: dict[str, float]) -> dict:
    """How far the pilot lies from its nearest run at posterior draws, on the fit's
    statistics, against how far each run lies from its own nearest (``pilot_nearest``,
    ``runs_nearest``: the largest of those), and whether the pilot lies farther than every
    one (``isolated``): a pilot the model could have made, exchangeable with the runs, is
    the most isolated of the 21 one time in 21 (fewer, as the fit draws the posterior
    towards it). predictive_misfit measures the runs' spread by their distances to each
    other, which a wide posterior (a fit stopped early) makes large: a pilot with every
    count doubled, fitting base_share and a conversion rate, read 1.55 to 1.66 "the model
    reproduces the pilot" with no count beyond every run, while its nearest run lay 6.7
    away where no run lay farther than 5.4 from another (three true pilots: 0.65 to 1.31,
    11 or more runs lying farther from their nearest). Empty with fewer than three runs."""
    keys = sorted(observed)
    runs = np.array([[run[k] for k in keys] for run in simulated], dtype=float)
    if len(runs) < 3 or not keys:
        return {}
    between = np.linalg.norm(runs[:, None, :] - runs[None, :, :], axis=2)
    np.fill_diagonal(between, np.inf)
    nearest = between.min(axis=1)
    pilot = float(np.linalg.norm(runs - np.array([observed[k] for k in keys]), axis=1).min())
    return {"pilot_nearest": pilot, "runs_nearest": float(nearest.max()), "isolated": bool(pilot > nearest.max())}


# --------------------------------------------------------------------------- the fit


def calibrate(base: Scenario, pilot: pd.DataFrame, parameters: Sequence[Parameter], *, columns: Sequence[str] | None = None,
              settings: CalibrationSettings | None = None, seed: int | None = None, folder: str | Path | None = None,
              evaluate: Evaluate | None = None, sampler: Any = None) -> Calibration:
    """ABC-SMC posterior of ``parameters`` given the pilot's daily ``columns`` (module docstring).
    ``sampler`` is a pyabc sampler (default: one particle after another, which is what
    makes the result reproducible; a parallel pyabc sampler is faster but not; give it
    ``check_max_eval=True`` where it has one, or a generation is not cut at
    ``min_acceptance_rate``)."""
    import pyabc
    from pyabc.sampler import SingleCoreSampler

    check_seed_and_replicates("calibrate", seed=seed)
    check_instance("calibrate", "settings", settings, CalibrationSettings,
                   "simulator.calibrate.CalibrationSettings(population_size=...)")
    settings = settings or CalibrationSettings()
    if folder is not None:   # a file there was pathlib's "FileExistsError: [Errno 17] File exists"
        from .outpath import check_folder_argument

        check_folder_argument(folder)
    parameters = as_items(parameters)
    columns = None if columns is None else as_items(columns)
    counts = pilot_counts(pilot, columns)
    check_fit(base, counts, parameters)
    columns = list(counts.columns)
    first, days = int(counts.index[0]), int(counts.index[-1]) + 1    # the pilot's rows: days first .. days - 1
    # a scenario of N days has rows 0 .. N, and a day's row does not depend on the days
    # after it: the fit simulates up to the pilot's last day and not one day more
    horizon = max(days - 1, 1)
    # the days summarised: from day 1, the first of activity (a timeseries.csv pilot's day-0 row, the launch state with
    # no counts, was a part of its own: "29 equal parts" of a 28-day pilot, and shifted every part and bin by a day)
    active = max(first, 1)
    seed = int(seed if seed is not None else base.seed if base.seed is not None else draw_seed())
    evaluate = evaluate or Evaluator()
    indices = [COLUMN_INDEX[c] for c in columns]
    # one seed per simulation, in the order the (single-core) sampler asks for them
    run_seeds = np.random.Generator(np.random.PCG64(stream_seed(seed, "abc runs")))
    ran = [0]

    def model(units: dict) -> dict:
        ran[0] += 1
        scenario = pilot_scenario(base, {p.key: _typed(p, p.from_unit(units[p.key])) for p in parameters}, parameters, horizon)
        run_seed = int(run_seeds.integers(0, 2**62))
        daily = evaluate([scenario], [run_seed], [], daily=True)[0]["daily"]
        return summary_statistics(daily[active:days, indices], columns, settings.bin_days, settings.parts)

    # pyabc samples and perturbs u in [0, 1] per parameter, mapped onto values by
    # Parameter.from_unit: the prior is then the one the parameters define (log-uniform
    # for LO:HI:log, an equal share per whole number), the one coverage_check draws
    # its truths from; a uniform over [LO, HI] in the values would be another prior.
    prior = pyabc.Distribution(**{p.key: pyabc.RV("uniform", 0.0, 1.0) for p in parameters})
    observed = summary_statistics(counts.loc[active:].to_numpy(), columns, settings.bin_days, settings.parts)
    with _quiet_pyabc(), _seeded_global_numpy(stream_seed(seed, "abc") % 2**32), _database(folder) as db:
        abc = pyabc.ABCSMC(model, prior, pyabc.PNormDistance(p=2), population_size=settings.population_size,
                           sampler=sampler or SingleCoreSampler(check_max_eval=True))   # without it min_acceptance_rate cuts nothing
        abc.new(f"sqlite:///{db}", observed)
        history = abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=settings.generations,
                          min_acceptance_rate=settings.min_acceptance_rate,
                          max_total_nr_simulations=settings.simulation_cap)
        if history.max_t < 0:
            raise ScenarioError(f"no generation of the fit accepted {settings.min_acceptance_rate:.0%} of its simulations; "
                                f"lower min_acceptance_rate", key="min_acceptance_rate")
        particles, weights = history.get_distribution(m=0, t=history.max_t)
        populations = history.get_all_populations()
    particles = pd.DataFrame({p.key: [float(p.from_unit(u)) for u in particles[p.key]] for p in parameters})
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    rng = np.random.Generator(np.random.PCG64(stream_seed(seed, "posterior draws")))
    draws = systematic_resample(weights, settings.posterior_samples, rng)
    posterior = particles.iloc[draws].reset_index(drop=True)
    posterior.insert(0, "draw", np.arange(len(posterior)))
    first_sample = int(populations.loc[populations["t"] < 0, "samples"].sum())
    draws_of = particles.iloc[systematic_resample(weights, CHECK_RUNS, np.random.Generator(
        np.random.PCG64(stream_seed(seed, "predictive check", 0))))]
    check_runs = evaluate([pilot_scenario(base, {p.key: _typed(p, row[p.key]) for p in parameters}, parameters, horizon)
                           for _, row in draws_of.iterrows()],
                          replicate_seeds(stream_seed(seed, "predictive check", 1), CHECK_RUNS), [], daily=True)
    checked = [summary_statistics(run["daily"][active:days, indices], columns, settings.bin_days, settings.parts)
               for run in check_runs]
    misfit = predictive_misfit(checked, observed)
    # each statistic by its column and days: "asks:0" is the asks of the first part or bin of the pilot's active days
    spans = statistic_spans(days - active, settings.bin_days, settings.parts)
    outliers = [{"column": key.rpartition(":")[0], "first_day": active + spans[int(key.rpartition(":")[2])][0],
                 "last_day": active + spans[int(key.rpartition(":")[2])][1] - 1, "pilot": pilot_value, "runs_low": low,
                 "runs_high": high} for key, pilot_value, low, high in pilot_outliers(checked, observed)]
    generations = populations[populations["t"] >= 0].rename(columns={"t": "generation", "samples": "simulations"})
    return Calibration(seed, parameters, columns, days, particles.assign(weight=weights), posterior,
                       intervals_table(particles, weights, parameters, settings.level),
                       generations[["generation", "epsilon", "particles", "simulations"]].reset_index(drop=True), first, ran[0],
                       first_sample, misfit, outliers, pilot_isolation(checked, observed))


#: Runs at posterior draws that predictive_misfit compares with the pilot, and the ratio from which the
#: report and the console say the model does not reproduce the pilot.
CHECK_RUNS = 20
MISFIT = 3.0


def predictive_misfit(simulated: Sequence[dict[str, float]], observed: dict[str, float]) -> float:
    """How much farther runs at posterior draws are from the pilot than from each other,
    on the fit's summary statistics (the median distance to the pilot over the median
    distance between two runs): about 1 when the pilot could be one more such run, and
    large when no value in the ranges makes the model look like it. The final epsilon
    alone cannot tell: a fit to a pilot of other units ends at the nearest it found, and
    its interval read as "pinned down". NaN with fewer than two runs; inf when the runs
    are all alike and the pilot is not."""
    keys = sorted(observed)
    runs = np.array([[run[k] for k in keys] for run in simulated], dtype=float)
    if len(runs) < 2:
        return math.nan
    to_pilot = np.median(np.linalg.norm(runs - np.array([observed[k] for k in keys]), axis=1))
    between = np.median([np.linalg.norm(runs[i] - runs[j]) for i in range(len(runs)) for j in range(i + 1, len(runs))])
    if between == 0:
        return 1.0 if to_pilot == 0 else math.inf
    return float(to_pilot / between)


def simulation_budget(settings: CalibrationSettings) -> float:
    """The most simulations a fit with ``settings`` runs (a progress bar's total): pyabc's
    first-epsilon sample, then generations until ``max_simulations``, the last one cut at
    ``population_size / min_acceptance_rate``, then the CHECK_RUNS of predictive_misfit;
    inf without both stops."""
    per_generation = settings.population_size / settings.min_acceptance_rate if settings.min_acceptance_rate > 0 else math.inf
    total = (settings.population_size + min(settings.generations * per_generation, settings.simulation_cap + per_generation)
             + CHECK_RUNS)
    return math.ceil(total) if math.isfinite(total) else math.inf


#: Pilot columns that count people: none can exceed the population.
PEOPLE_COLUMNS = ("prospects", "customers", "churned", "new_organic", "new_referred", "new_word_of_mouth",
                  "new_churned")


#: Most corners of the fitted ranges' box checked before a fit starts (2 ** 10: ten keys).
MAX_CORNERS = 1024


def _check_corners(base: Scenario, parameters: Sequence[Parameter], source: str | None) -> None:
    """Every corner of the fitted ranges' box, a valid scenario: particles are drawn from
    the whole box, and ranges whose ends each fit but not together (promoters and passives
    0.3:0.65 and 0.2:0.5) stopped the fit at its fourth particle, naming a sampled pair, not
    the ranges. A rule of two keys that is linear in them (a sum, an order) is kept
    everywhere in the box where it is kept at its corners."""
    import itertools

    from .parameters import apply_values

    if len(parameters) < 2 or 2 ** len(parameters) > MAX_CORNERS:
        return
    for corner in itertools.product(*((p.low, p.high) for p in parameters)):
        values = {p.key: (int(v) if p.kind == "int" else float(v)) for p, v in zip(parameters, corner)}
        try:
            apply_values(base, values, parameters=parameters)
        except ScenarioError as error:
            ends = ", ".join(f"{key} {value:g}" for key, value in values.items())
            raise ScenarioError(f"the fitted ranges' ends do not fit together ({ends}: {error.message}), and the fit "
                                f"draws from the whole of them; give ranges whose ends fit together",
                                file=source or "--fit", key=None if source in (None, "--fit") else "fit") from None


def check_fit(base: Scenario, counts: pd.DataFrame, parameters: Sequence[Parameter], *, source: str | None = None,
              pilot: str | None = None) -> None:
    """Mistakes a fit would otherwise find only after starting: a categorical parameter,
    the horizon as a parameter, a count of people above the population, a pilot longer
    than the scenario. ``source``: where the
    parameters were given (``--fit`` or a settings file), and ``pilot`` the pilot's file,
    named in the errors."""
    from .parameters import check_built, check_parameter_objects

    check_parameter_objects(parameters)
    if not parameters:   # the API ran every generation, then stopped in an IndexError drawing the forecast
        raise ScenarioError("nothing to fit; give at least one KEY=LO:HI (e.g. program.base_share=0.1:0.4)",
                            file=source, key="--fit" if source in (None, "--fit") else "fit")
    for p in parameters:
        if p.kind == "categorical":
            raise ScenarioError("calibration fits numbers; give a range LO:HI (choices cannot be fitted)", file=source, key=p.key)
    # built by hand, the API checked none: LO < HI, the key's bounds; all together, an end beside the other fitted keys'
    # ends (one at a time, promoters 0.7 was refused beside the base's passives 0.35, which no particle runs)
    check_built(parameters, [base], source or "parameters")
    _check_corners(base, parameters, source)
    for p in parameters:
        if p.key == "days":
            raise ScenarioError("the horizon is not a behaviour to fit: the fit simulates the pilot's days and the "
                                "forecast the scenario's; fit the program's, word of mouth's or churn's keys", file=source, key=p.key)
        if p.key == "k_window_days":   # how K is measured: no daily count depends on it, so the fit gives the prior back
            raise ScenarioError("the window K is counted over is how K is measured, not a behaviour: no daily count of the "
                                "pilot depends on it, so the fit would give its range back; set it with --set "
                                "k_window_days=N", file=source, key=p.key)
    # a count of people above the population (a pilot in other units, or another market's) no simulation can come
    # near: a fit to 1e9 referred signups among 4,000 people ended at an epsilon of 31,617 and called its interval
    # "pinned down"
    sizes = [base.population.size, *(max(p.from_unit(0.0), p.from_unit(1.0)) for p in parameters
                                     if p.key == "population.size")]
    size = int(max(sizes))
    peaks = {c: (int(counts[c].idxmax()), float(counts[c].max())) for c in counts.columns if c in PEOPLE_COLUMNS}
    for column, (day, peak) in {**peaks, **counts.attrs.get("people_peaks", {})}.items():
        if peak > size:
            raise ScenarioError(f"{column} on day {day} is {peak:,.0f}, more than the scenario's "
                                f"{size:,} people (population.size), which no simulation can come near; check the "
                                f"pilot's counts, or give the population it was drawn from (--set population.size=N)",
                                file=pilot, key=column)
    joined = [c for c in ("new_organic", "new_referred", "new_word_of_mouth") if c in counts.columns]
    # the customers on day 0 cannot join again: the rest of the population can
    seeds = base.population.initial_customers
    initial = 0 if any(p.key.startswith("population.initial_customers") for p in parameters) else \
        len(set(seeds)) if isinstance(seeds, list) else (base.population.seed_count or 0)
    prospects = size - initial
    if joined and counts[joined].to_numpy().sum() > prospects:
        raise ScenarioError(f"{' + '.join(joined)} add up to {counts[joined].to_numpy().sum():,.0f} people over the "
                            f"pilot, more than the scenario's {prospects:,} who can join ({size:,} people, "
                            f"population.size, less {initial:,} customers on day 0); check the pilot's counts, or give "
                            f"the population it was drawn from (--set population.size=N)", file=pilot, key=joined[0])
    last = int(counts.index[-1])
    if last > base.days:
        raise ScenarioError(f"the pilot reaches day {last} but the scenario only has {base.days} days; "
                            f"give days >= {last} (--set days={last})", file=pilot, key="days")


def pilot_scenario(base: Scenario, values: dict[str, Any], parameters: Sequence[Parameter], days: int) -> Scenario:
    """``base`` with ``values``, cut to the pilot's ``days``: validated at full length, then
    shortened by model_copy, because a pilot shorter than the qualification period is
    fine (its rewards are simply not paid yet)."""
    return apply_values(base, values, parameters=parameters, source="--fit").model_copy(update={"days": days})


def _typed(parameter: Parameter, value: Any) -> Any:
    return int(round(float(value))) if parameter.kind == "int" else float(value)


@contextlib.contextmanager
def _seeded_global_numpy(seed: int):
    """pyabc samples through numpy's global generator: seed it for the fit, then put
    the caller's state back."""
    state = np.random.get_state()
    # the global generator's state from the derived seed (pyabc draws from nowhere else)
    np.random.set_state(np.random.RandomState(seed).get_state())
    try:
        yield
    finally:
        np.random.set_state(state)


def _quiet_pyabc():
    return quiet_loggers(("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Transition",
                          "ABC.Population", "ABC.Predictor", "Epsilon", "Distance"), logging.WARNING)


def check_folders(folder: str | Path | None) -> None:
    """Refuse, before any run, a results ``folder`` or a working folder whose path holds a
    byte that is not UTF-8: pyabc's database is addressed by the one and records the other,
    and either crashed it after the fit."""
    from .outpath import check_utf8_folder

    if folder is not None:
        check_utf8_folder(Path(folder), "pyabc's database address")
    check_utf8_folder(Path.cwd(), "pyabc's database (it records the folder it runs in)", key="current folder",
                      remedy="run calibrate from a folder whose path is UTF-8")


@contextlib.contextmanager
def _database(folder: str | Path | None):
    check_folders(folder)   # from Python too: the fit ran, then SQLAlchemy's traceback
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = Path(folder).resolve() / DB_FILE
        path.unlink(missing_ok=True)   # a fresh fit: pyabc would otherwise add a second run to the file
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="refsim-abc-") as temp:
        yield Path(temp) / DB_FILE


def systematic_resample(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``count`` equally weighted draws: one uniform offset, then evenly spaced
    points through the cumulative weights (lower variance than multinomial resampling)."""
    positions = (rng.random() + np.arange(count)) / count
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, positions, side="right").clip(0, len(weights) - 1)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of a weighted sample: the value where the cumulative weight, centred on
    each point, reaches q (linear interpolation between points)."""
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    centred = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return float(np.interp(q, centred, values))


def interval_ends(values: np.ndarray, weights: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` interval of a weighted sample, read off its particles: the
    highest value with at most (1 - level) / 2 of the weight below it and the lowest with
    at most that above it, so that the interval holds at least ``level`` of the weight. Interpolated between particles (weighted_quantile), an end fell in the
    gap before a particle of 7.75% of the weight: "90%" held 88% of the posterior's draws,
    and the figure's band left that particle out."""
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = np.cumsum(weights) / weights.sum()
    tail = (1 - level) / 2 + 1e-12
    below = np.concatenate([[0.0], cumulative[:-1]])   # the weight below each value
    low = values[np.flatnonzero(below <= tail)[-1]]   # the highest value with at most the tail below it
    high = values[np.flatnonzero(1 - cumulative <= tail)[0]]   # the lowest with at most the tail above it
    return float(low), float(high)


def intervals_table(particles: pd.DataFrame, weights: np.ndarray, parameters: list[Parameter], level: float) -> pd.DataFrame:
    rows = []
    for p in parameters:
        values = particles[p.key].to_numpy(dtype=float)
        median = weighted_quantile(values, weights, 0.5)
        low, high = interval_ends(values, weights, level)
        if p.kind == "int":  # a whole-number key's interval is whole numbers, widened outwards (2.07 - 14.0 was 2 - 14)
            low, median, high = float(math.floor(low)), float(round(median)), float(math.ceil(high))
        rows.append({"parameter": p.key, "mean": float(np.sum(weights * values)), "low": low, "median": median, "high": high,
                     "level": level})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- forecasts and designs


def forecast_columns(calibration: Calibration) -> list[str]:
    """The columns `refsim calibrate` forecasts: the customers, every column the fit used
    and the profit. Its forecast.png and its caption asked to check the pilot's dots
    against the bands of the columns the fit used, and drew only new_referred of them
    (none of a fit on asks and shares)."""
    return list(dict.fromkeys(["customers", *calibration.columns, "cumulative_profit"]))


def forecast(base: Scenario, calibration: Calibration, *, columns: Sequence[str] = ("customers", "new_referred", "cumulative_profit"),
             metrics: Sequence[str] = ("customers_final", "cumulative_profit"), draws: int = 50, level: float = 0.90,
             seed: int | None = None, evaluate: Evaluate | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The full launch (``base.days``) from ``draws`` posterior draws (spread evenly over
    the kept ones, :func:`posterior_rows`), each on its
    own fresh seed: a posterior predictive that carries both the parameter uncertainty
    and the launch's own luck. Returns (daily: day, column, mean, low, median, high;
    outcomes: metric, mean, low, median, high), intervals at ``level``. A daily flow
    (``new_referred``) comes with its running total too (``cumulative_new_referred``),
    its intervals taken over the draws' totals, not summed from the daily ones."""
    check_seed_and_replicates("forecast", seed=seed)
    columns, metrics = as_items(columns), as_items(metrics)
    _check_posterior("forecast", calibration, level)
    unknown = [c for c in columns if c not in COLUMN_INDEX]
    if unknown:
        raise ScenarioError(f"'{unknown[0]}' is not a timeseries column; valid: {', '.join(COLUMN_INDEX)}", key="--column")
    metrics = list(dict.fromkeys(check_metric(m, source="--metric") for m in metrics))  # each once
    scenarios, seeds = _posterior_runs(base, calibration, draws, seed)
    # a day that never came is the day after the horizon (evaluation.days_counted), as optimize counts it
    runs = days_counted(evaluate or Evaluator())(scenarios, seeds, metrics, daily=True)
    tail = (1 - level) / 2
    stack = np.stack([run["daily"][:, [COLUMN_INDEX[c] for c in columns]] for run in runs])   # draw, day, column
    # a daily flow of a few a day reads as noise on a plot: each also as its running total, draw by draw
    flows = [j for j, c in enumerate(columns) if c in FLOW_COLUMNS]   # a stock (customers, a queue) is no flow
    columns = [*columns, *(f"cumulative_{columns[j]}" for j in flows)]
    stack = np.concatenate([stack, np.cumsum(stack[:, :, flows], axis=1)], axis=2)
    quantiles = np.quantile(stack, [tail, 0.5, 1 - tail], axis=0)
    daily = pd.DataFrame([{"day": day, "column": column, "mean": float(stack[:, day, j].mean()), "low": float(quantiles[0, day, j]),
                           "median": float(quantiles[1, day, j]), "high": float(quantiles[2, day, j]), "level": level}
                          for j, column in enumerate(columns) for day in range(stack.shape[1])])
    outcomes = pd.DataFrame([_spread(metric, np.array([run[metric] for run in runs]), level) for metric in metrics])
    return daily, outcomes


def compare_designs(designs: Sequence[Scenario], calibration: Calibration, *, metrics: Sequence[str] = ("incremental_value",),
                    draws: int = 50, level: float = 0.90, seed: int | None = None,
                    evaluate: Evaluate | None = None) -> pd.DataFrame:
    """Each design under the posterior: draw j of the fitted parameters applied to every
    design, all designs on draw j's seed (common random numbers). One row per design and
    metric: mean, interval at ``level``, and the probability of being best on that metric
    (maximised; costs minimised) across the draws; ``not_fitted``, the fitted keys the
    design lacks (left as it has them: a milestone's reach_share for an onboarding ask);
    ``numpy_stages``, whether every design ran on the numpy stages because one needs them
    (the base's figures then differ from its forecast's, run on the kernel); ``same_as``,
    the first design listed before it with its values of the metric on every draw (a
    copy under another name, or a difference no draw moves), else empty: draws where
    they are best split between them."""
    from .evaluation import MINIMISED

    check_seed_and_replicates("compare_designs", seed=seed)
    _check_posterior("compare_designs", calibration, level)
    metrics = list(dict.fromkeys(check_metric(m, source="--metric") for m in as_items(metrics)))  # each once
    if isinstance(designs, Scenario):   # one scenario where a list is meant: "'tuple' object has no attribute 'name'"
        raise TypeError("designs: a list of scenarios (the base first), not one Scenario")
    designs = [check_scenario(d, "compare_designs") for d in designs]   # a path: "'str' object has no attribute 'name'"
    check_designs_pair(list(designs), calibration.parameters, source="--fit")
    if K_METRICS & set(metrics):   # K of designs measured over other windows is a difference of measurement
        from .compare import check_k_window

        check_k_window(list(designs), remedy="scenario")
    # fitted keys a design does not have, which leave it as it is (said in designs.csv, the report and the console)
    # two files of one name were listed twice under it: numbered, as sensitivity numbers them
    from .sensitivity import design_names

    names = design_names(designs)
    unfitted = {names[i]: ", ".join(p.key for p in calibration.parameters if not applies(d, p.key))
                for i, d in enumerate(designs)}
    scenarios, seeds = [], []
    for design in designs:
        s, r = _posterior_runs(design, calibration, draws, seed)
        scenarios.extend(s)
        seeds.extend(r)
    evaluate = evaluate or Evaluator()
    together = False   # every design on the numpy stages because one of them needs them
    if isinstance(evaluate, Evaluator):   # the designs share one engine path, and so their luck
        from .kernel import unsupported

        evaluate = evaluate.on_common_path()
        together = any(unsupported(s) is not None for s in scenarios)
    runs = days_counted(evaluate)(scenarios, seeds, metrics)
    values = np.array([[run[m] for m in metrics] for run in runs], dtype=float).reshape(len(designs), -1, len(metrics))
    rows = []
    for k, metric in enumerate(metrics):
        signed = values[:, :, k].T * (-1.0 if metric in MINIMISED else 1.0)
        best = signed == np.nanmax(signed, axis=1, keepdims=True)
        shares = (best / np.maximum(best.sum(axis=1, keepdims=True), 1)).mean(axis=0)
        means = np.array([_spread(metric, signed[:, d], level)["mean"] for d in range(len(designs))])
        leader = int(np.argmax(np.where(np.isfinite(means), means, -np.inf)))
        # a design with another's values on every draw (a copy, or a difference no draw moves) is that design
        # here: their probability best is split between them, and the report adds it up (said of each copy)
        copy_of = copies({d: values[d, :, k] for d in range(len(designs))}, 0, list(range(1, len(designs))))
        same_as = [names[copy_of[d]] if copy_of.get(d, d) != d else "" for d in range(len(designs))]
        for d, design in enumerate(designs):
            # the draw-by-draw difference from the design with the best mean: both on the same draw and seed
            gap = _spread(metric, values[d, :, k] - values[leader, :, k], level)
            rows.append({"design": names[d], **_spread(metric, values[d, :, k], level), "probability_best": float(shares[d]),
                         "vs_best": names[leader], "vs_best_mean": gap["mean"],
                         "vs_best_low": gap["low"] if d != leader else math.nan,
                         "vs_best_high": gap["high"] if d != leader else math.nan, "not_fitted": unfitted[names[d]],
                         "numpy_stages": together, "same_as": same_as[d]})
    return pd.DataFrame(rows)


def posterior_rows(total: int, draws: int) -> np.ndarray:
    """Which of the ``total`` posterior draws a forecast of ``draws`` runs uses: spread
    evenly over all of them. The kept draws come out of systematic resampling in
    particle order, so the first few would be the first few particles only (a biased,
    too narrow posterior); every (total / draws)-th one is itself a systematic
    resample of the whole posterior."""
    draws = min(int(draws), int(total))
    return (np.arange(draws, dtype=np.int64) * total) // draws


def forecast_seeds(calibration: Calibration, draws: int, seed: int | None = None) -> list[int]:
    """The run seed of each of a forecast's ``draws`` posterior draws (every design
    compared under the posterior runs draw j on the same one)."""
    count = len(posterior_rows(len(calibration.posterior), draws))
    return replicate_seeds(stream_seed(calibration.seed if seed is None else seed, "forecast"), count)


def _check_posterior(caller: str, calibration: Any, level: Any) -> None:
    """forecast's and compare_designs' own arguments, in one line each: the pilot's table
    where the calibration belongs reached "'DataFrame' object has no attribute
    'pilot_days'", and level=90 numpy's "Quantiles must be in the range [0, 1]"."""
    check_instance(caller, "calibration", calibration, Calibration, "what simulator.calibrate.calibrate returns",
                   optional=False)
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ScenarioError(f"must be a fraction between 0 and 1, e.g. 0.9 for 90% (got {level!r})", file=f"{caller}()",
                            key="level")


def _posterior_runs(design: Scenario, calibration: Calibration, draws: int, seed: int | None) -> tuple[list[Scenario], list[int]]:
    from .decide_settings import MIN_DRAWS

    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < MIN_DRAWS:
        # as --draws: 0 ended in numpy's "need at least one array to stack", 1 gave intervals of no width
        raise ScenarioError(f"must be a whole number >= {MIN_DRAWS} (got {draws!r})", key="draws")
    last = calibration.pilot_days - 1
    if design.days < last:
        # a forecast or a design 30 days long from a 60-day pilot ran without a word, a launch shorter than the
        # days the posterior was fitted to
        raise ScenarioError(f"scenario '{design.name}' runs {design.days} days, fewer than the pilot's {last} it "
                            f"was fitted to; forecast at least the pilot's days (days: {last} or more)", key="days")
    if draws > len(calibration.posterior):   # the command line says so in a note; from Python the cut was silent
        import warnings

        warnings.warn(f"{draws} draws asked, but the posterior keeps {len(calibration.posterior)} "
                      f"(CalibrationSettings.posterior_samples); {len(calibration.posterior)} run", stacklevel=3)
    rows = posterior_rows(len(calibration.posterior), draws)
    # a fitted key the design lacks (a milestone's reach_share, for a design asking at onboarding) leaves it as it
    # is, as in sensitivity: it was refused only once the whole fit had run
    scenarios = [apply_own(design, calibration.values(int(j)), calibration.parameters, source="--fit") for j in rows]
    return scenarios, forecast_seeds(calibration, draws, seed)


def _spread(metric: str, values: np.ndarray, level: float) -> dict[str, float]:
    values = values[np.isfinite(values)]
    tail = (1 - level) / 2
    if not len(values):
        return {"metric": metric, "mean": math.nan, "low": math.nan, "median": math.nan, "high": math.nan, "level": level}
    low, median, high = np.quantile(values, [tail, 0.5, 1 - tail])
    return {"metric": metric, "mean": float(values.mean()), "low": float(low), "median": float(median), "high": float(high), "level": level}


# --------------------------------------------------------------------------- coverage


def coverage_check(base: Scenario, parameters: Sequence[Parameter], *, pilots: int = 50, pilot_days: int = 21,
                   columns: Sequence[str] = DEFAULT_COLUMNS, settings: CalibrationSettings | None = None, seed: int = 0,
                   evaluate: Evaluate | None = None) -> pd.DataFrame:
    """Calibration checked against itself: for each of ``pilots`` synthetic pilots, true
    values drawn from the prior, a pilot simulated with them, a fit, and whether each
    parameter's interval (at ``settings.level``) contains the truth. With a calibrated
    method the ``covered`` share is about the level. One row per pilot and parameter."""
    settings = settings or CalibrationSettings()
    evaluate = evaluate or Evaluator()
    rng = np.random.Generator(np.random.PCG64(stream_seed(seed, "coverage truths")))
    pilot_seeds = replicate_seeds(stream_seed(seed, "coverage pilots"), pilots)
    rows = []
    for i in range(pilots):
        truth = {p.key: _typed(p, p.from_unit(u)) for p, u in zip(parameters, rng.random(len(parameters)))}
        scenario = pilot_scenario(base, truth, parameters, pilot_days)
        daily = evaluate([scenario], [pilot_seeds[i]], [], daily=True)[0]["daily"]
        pilot = pd.DataFrame(daily[:, [COLUMN_INDEX[c] for c in columns]], columns=list(columns))
        fit = calibrate(base, pilot, parameters, columns=columns, settings=settings, seed=stream_seed(seed, "coverage fits", i),
                        evaluate=evaluate)
        for row in fit.intervals.itertuples():
            rows.append({"pilot": i, "parameter": row.parameter, "truth": truth[row.parameter], "low": row.low, "high": row.high,
                         "covered": bool(row.low <= truth[row.parameter] <= row.high), "level": settings.level})
    return pd.DataFrame(rows)


__all__ = ["CalibrationSettings", "Calibration", "calibrate", "simulation_budget", "pilot_counts", "summary_statistics", "forecast",
           "compare_designs", "coverage_check", "check_fit", "systematic_resample", "weighted_quantile", "DEFAULT_COLUMNS", "FLOW_COLUMNS"]
