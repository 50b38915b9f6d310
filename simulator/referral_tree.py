"""The who-referred-whom tree and K as a class reads them: generations, the cohort
K of ``refsim run`` with the customers it rests on, and a verdict in plain words."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .metrics import cohort_k


def referral_generations(referred_by: np.ndarray, adopted: np.ndarray) -> np.ndarray:
    """Generation of each person in the who-referred-whom tree: -1 for people who never
    adopted, 0 for initial and organic customers, 1 + the referrer's generation for
    referred ones. One vectorised pass per generation."""
    generation = np.where(adopted & (referred_by < 0), 0, -1).astype(np.int32)
    referred = np.flatnonzero(adopted & (referred_by >= 0))
    referrers = referred_by[referred]
    depth = 0
    while len(referred):
        joining = generation[referrers] == depth
        if not joining.any():
            break  # whoever is left hangs off a referrer outside the tree (a cycle or a non-adopter)
        generation[referred[joining]] = depth + 1
        referred, referrers = referred[~joining], referrers[~joining]
        depth += 1
    return generation


def generation_sizes(generation: np.ndarray) -> list[int]:
    """People in generation 0, 1, 2, ... (adopters only)."""
    adopted = generation[generation >= 0]
    return np.bincount(adopted).tolist() if len(adopted) else []


def generation_ratios(sizes: list[int]) -> list[float]:
    """Each generation over the one before: sizes[g] / sizes[g - 1] for g = 1, 2, ...
    A ratio above 1 means that generation outgrew its parents."""
    return [after / before if before else float("nan") for before, after in zip(sizes, sizes[1:])]


def referral_multiplier(k: float) -> float:
    """Customers a loop brings in per starting customer, itself included, when every
    customer refers k others: 1 + k + k^2 + ... = 1 / (1 - k) for k < 1, unbounded for k >= 1."""
    if not math.isfinite(k):
        return float("nan")
    return 1.0 / (1.0 - k) if k < 1.0 else float("inf")


# --------------------------------------------------------------------------- K


#: Days a customer has to refer before counting in K (the decisions issue's cohort K).
K_WINDOW_DAYS = 30
#: Below this many customers in K's cohort the app gives no verdict from K: one referral
#: more or less moves K by 1 / customers, and on the viral preset's design B a K from one
#: and then two customers read "fades", then "grows", then "fades" again on days 33-36.
MIN_COHORT = 10
#: Below this many customers in K's cohort, the app calls K a rough figure.
ROUGH_COHORT = 30
#: When fewer than this share of people are still prospects, the network is filling: new
#: customers find fewer friends left to invite, so referrals slow whatever K was (in the
#: viral preset about 10-15% of the people are never reached at all).
FILLED_SHARE = 0.5
#: |K - 1| below this reads as "about 1": neither growing nor fading clearly.
K_EDGE = 0.05
#: ... and once K reads "about 1" it keeps that reading until |K - 1| passes this: a K on
#: the line would otherwise flip between "fades" and "on the edge" as one customer's
#: referral comes or goes (a few hundred people give a K of a few dozen customers).
K_EDGE_LEAVE = 0.10
#: Referral adoptions of the last week against the weekly mean of the BASELINE_WEEKS before
#: it: "speeding up" when the last week is above that mean by more than SPEEDING_Z standard
#: deviations of the difference of Poisson counts (a one-sided test at about 5%), and
#: stays so while each week brings at least SPEEDING_KEEP times the week before. Against
#: one week before, weekly counts of 13, 3, 0, 7 on the viral preset's 300 people read
#: as speeding up: the 0 made the 7 look like a leap.
SPEEDING_Z, SPEEDING_KEEP, BASELINE_WEEKS = 1.645, 1.0, 3


@dataclass(frozen=True)
class KReading:
    """K and the number of customers it rests on (NaN and 0 before any customer's
    window has elapsed)."""

    k: float
    customers: int

    @property
    def known(self) -> bool:
        return self.customers > 0 and math.isfinite(self.k)


def classroom_k(people, day: int) -> KReading:
    """The one K the app shows: the cohort K of ``refsim run`` (metrics.cohort_k: tracked
    referrals made within K_WINDOW_DAYS of joining, per customer who joined during the run
    and whose window has fully elapsed), with the number of such customers. Every K on the
    page comes from here."""
    adopted = people.adopted_day
    cohort = int(((adopted >= 1) & (adopted + K_WINDOW_DAYS <= day)).sum())
    if cohort == 0:
        return KReading(float("nan"), 0)
    return KReading(cohort_k(people, day, K_WINDOW_DAYS), cohort)


#: The verdict of a loop that grew on its own until the network filled.
GREW_HEADLINE = "The loop grew until it filled the network"
#: The verdict of a network filled mostly with people who came on their own.
OWN_HEADLINE = "The network filled, mostly with people who came on their own"
#: How far the referred share of a filled network's joiners must move past half before a filled card changes
#: its reading of how it filled (read_loop): one joiner either way flipped it day after day.
FILLED_BY_MARGIN = 0.05


@dataclass(frozen=True)
class Verdict:
    """What K means for this loop today: a tone (grows, edge, fades, filled, pending)
    that sets the colour, a short headline and a few sentences."""

    tone: str
    headline: str
    text: str
    faded: bool = False   # read as fading on this day or an earlier one, and not growing since (read_loop)
    grew: str = ""        # the generations that grew, quoted by "grew until it filled" (read_loop keeps it)


def speeding_up(new_referred: np.ndarray, week: int = 7, keep: bool = False) -> bool:
    """More referral adoptions in the last ``week`` days than chance explains against the
    weekly mean of the BASELINE_WEEKS before them: the last week's count ``r`` against
    that mean ``m`` (of ``n`` weeks), ``r - m > SPEEDING_Z * sqrt(phi * (r + m / n))``,
    the standard deviation of their difference were both counts at one rate varying
    ``phi`` times as much as Poisson counts (:func:`dispersion`, the run's own); and at
    least ``week`` of them (a handful is noise). A mean of several weeks keeps one quiet
    week from making the next look like a leap.
    ``keep``: a loop already read as speeding up stays so while the last week has at
    least as many as the week before (SPEEDING_KEEP), and at least ``week``."""
    recent = float(new_referred[-week:].sum())
    if keep:
        before = float(new_referred[-2 * week:-week].sum())
        return len(new_referred) > 2 * week and recent >= week and recent >= SPEEDING_KEEP * before
    if len(new_referred) <= (BASELINE_WEEKS + 1) * week or recent < week:
        return False
    mean = float(new_referred[-(BASELINE_WEEKS + 1) * week:-week].sum()) / BASELINE_WEEKS
    return recent - mean > SPEEDING_Z * math.sqrt(dispersion(new_referred[:-week], week) * (recent + mean / BASELINE_WEEKS))


def dispersion(new_referred: np.ndarray, week: int = 7) -> float:
    """How much more the weekly counts of referral adoptions vary than Poisson counts would,
    at least 1: half the mean squared change from one complete week to the next over their
    mean (von Neumann's estimate, which a slowly rising or falling rate does not inflate).
    Referrals come in clusters (a share invites several friends; chains form within days):
    weekly counts of a steady loop varied 5.6 times their mean, and read as Poisson the
    test called it speeding up on 18% of its days."""
    weeks = len(new_referred) // week
    if weeks < BASELINE_WEEKS:
        return 1.0
    counts = np.asarray(new_referred[len(new_referred) - weeks * week:], dtype=float).reshape(weeks, week).sum(axis=1)
    mean = counts.mean()
    return max(1.0, float(np.mean(np.diff(counts) ** 2)) / 2.0 / mean) if mean > 0 else 1.0


#: Headlines whose reading a verdict keeps a while (see read_loop).
EDGE_HEADLINE = "K is about 1: on the edge"
FEW_HEADLINE = "Too few customers yet to read K"
SPEEDING_HEADLINE = "K below 1 so far, but referrals are speeding up"
#: A network past half full whose loop is not read as growing or fading.
FILLED_HEADLINE = "The loop filled the network"
#: A loop read as fading that stays so once the network filled, whatever K reads on its last cohorts.
FILLED_FADING_HEADLINE = "The loop fades; the network filled around it"


def read_loop(k: KReading, generations: list[int], prospects_left: float, new_referred: np.ndarray,
              previous: Verdict | None = None) -> Verdict:
    """Today's verdict, read with yesterday's (``previous``) in mind: a loop that was "on
    the edge" stays so until K is K_EDGE_LEAVE from 1, and one whose referrals were
    speeding up stays so while they do not slow (SPEEDING_KEEP). Without this a loop on
    the line changes its verdict every few days as single referrals come and go."""
    said = previous.headline if previous is not None else None
    speeding = speeding_up(new_referred, keep=said == SPEEDING_HEADLINE)
    # a loop read as fading stays so in memory through a day of "speeding up" or "on the edge", until it grows
    faded = previous is not None and (previous.tone == "fades" or previous.faded)
    # a loop that grew until it filled keeps that verdict, a claim about its past: an organic joiner in generation 0,
    # or a late referral making two generations equal, turned the card grey for a day and green again
    # and how it filled, as said yesterday while the counts stay near even: with the two close, one organic joiner or
    # referral flipped the card between "mostly with people who came on their own" and "the loop filled the network"
    own = said == OWN_HEADLINE if previous is not None and previous.tone == "filled" else None
    # a network read as filled without growing generations (or fading as it filled) is not turned green by
    # generations that even out or grow after it filled: one late joiner (52 → 53) passed the growth test 70 days on
    settled = previous is not None and not previous.grew and said in (FILLED_HEADLINE, OWN_HEADLINE, FILLED_FADING_HEADLINE)
    today = verdict(k, generations, prospects_left, speeding, edge=K_EDGE_LEAVE if said == EDGE_HEADLINE else K_EDGE,
                    faded=faded, grew=previous.grew if previous is not None else "", own=own, settled=settled)
    return dataclasses.replace(today, faded=today.tone == "fades" or (faded and today.tone not in ("grows", "filled")))


def _prospects_share(share: float) -> str:
    """"only 40%", or "fewer than 1%" for a share that rounds to 0% while prospects remain: the
    card said "only 0% of the people are still prospects" beside 999 adopters of 1,000."""
    # none left: "only 0%" read as a share rounded down (50 of 50 people joined)
    return "none" if share <= 0 else "fewer than 1%" if share < 0.005 else f"only {share:.0%}"


#: The share of a filled network's joiners brought by the loop (those who came on their own multiplied tenfold, as a
#: loop at K 0.9 multiplies them) above which its shrinking last generations are not read as organic adoption filling
#: the network around a loop that fades.
LOOP_FILLED_SHARE = 0.9

#: The share of prospects left below which a filled network's shrinking generations are said to be the prospects
#: running out (a cascade that stopped with 49% of the people still prospects was said so).
RUN_OUT_SHARE = 0.25


def _grew(generations: list[int]) -> str:
    """The generations that grew, as "generations 0 to 4: 5 → 10 → 18 …": the first run of at least two in a
    row that outgrew their parents among the complete ones (the newest is still being
    recruited), with the generation they grew from, the run holding ROUGH_COHORT customers
    at least (8 → 9 → 10 on 50 people is chance) and rising by more than chance
    (:func:`_beyond_chance`); "" when there is none (a network
    filled by organic adoption, its referral generations shrinking: 40 → 10 → 2). Only
    the run is quoted: the card says each was larger than the one before, and the
    generations of a filled network shrink after it (33 → 30 → 12)."""
    complete = generation_ratios(generations)[:-1]
    start = 0
    for end, ratio in enumerate([*complete, 0.0]):
        if ratio > 1.0:
            continue
        # the whole run first, then the shorter runs inside it: 19 → 28 → 33 passes the test where 19 → 28 → 33 → 34
        # (a rise of 15 against 15.1) does not, and the card read grey "filled" beside a loop that grew
        for first, last in [(a, b) for a in range(start, end - 1) for b in range(end, a + 1, -1)]:
            run = generations[first:last + 1]
            # on enough customers to show it, as the generations' other claims: 8 → 9 → 10 on 50 people is chance; and
            # by more than chance: 41 → 43 → 44 read "grew on its own" in green beside K 0.67
            if sum(run) >= ROUGH_COHORT and _beyond_chance(run):
                # which generations: '(9 → 12 → 14)' quoted generations 12 to 14 beside a line showing ten flat ones
                return (f"generations {first} to {last}: " + " → ".join(str(size) for size in run[:6])
                        + (" …" if len(run) > 6 else ""))
        start = end + 1
    return ""


def _beyond_chance(run: list[int]) -> bool:
    """Whether generations that each outgrew their parents grew by more than a loop at
    K = 1 does by chance: there each generation is on average its parents' size, and (its
    customers each bringing a Poisson number) n generations on from g customers the size
    varies by n · g, so the run's rise must exceed two standard deviations, 2 √(n · g).
    5 → 10 → 18 and 9 → 10 → 24 pass; 41 → 43 → 44 and 17 → 19 → 20 do not."""
    steps = len(run) - 1
    return run[-1] - run[0] > 2.0 * math.sqrt(steps * run[0])


def verdict(k: KReading, generations: list[int], prospects_left: float, speeding_up: bool = False,
            edge: float = K_EDGE, faded: bool = False, grew: str = "", own: bool | None = None,
            settled: bool = False) -> Verdict:
    """A plain-language reading of K and the generations. A network that has filled is
    never called fading: K falls there because few friends are left to invite; unless
    the loop was fading already (``faded``: read as fading on an earlier day and not
    grown since, read_loop's memory) and its K is still below 1: the network then filled
    by organic adoption (at K 0.15 for seven months), multiplied by a loop below 1 (at
    K 0.8 most joiners come through a friend), where "K falls now because few friends
    are left" was untrue. Nor is a
    loop whose referrals are speeding up (``speeding_up``, as the function of that name
    reads them), or whose last two complete generations each outgrew their parents, the
    three holding ROUGH_COHORT customers at least: K looks 30 days back, and on a
    class-sized network it rests on few customers. K within
    ``edge`` of 1 is "about 1". ``grew``: the growing generations an earlier day's "grew
    until it filled" quoted (read_loop), which a filled network keeps. ``own``: whether an
    earlier day's filled network was read as filled mostly by people who came on their
    own (read_loop's memory), kept while the referred share of the joiners stays within
    FILLED_BY_MARGIN of half (None: read from today's generations)."""
    # the newest generation is still being recruited: judge the two complete ratios before it
    complete = [r for r in generation_ratios(generations)[:-1] if math.isfinite(r)]
    # neither of them grew and one shrank: a tie (4 → 4, ×1.0) left "K above 1: the loop grows" in green beside
    # 6 → 4 → 4 → 3 and a week of single referrals
    shrinking = len(complete) >= 2 and max(complete[-2:]) <= 1.0 and min(complete[-2:]) < 1.0
    # what the generations themselves show, where they hold enough customers to show it: at the tail of the viral
    # preset's design B, generations of 2 → 3 → 4 turned K 0.78 into "speeding up"
    compared = generations[-4:-1]   # the three before the newest, whose two ratios are complete[-2:]
    larger = (len(complete) >= 2 and complete[-1] > 1.0 and complete[-2] > 1.0
              and sum(compared) >= ROUGH_COHORT)
    rough = (f" It rests on only {k.customers} customer{'s' if k.customers != 1 else ''}, so it is a rough figure: "
             f"watch the generations." if 0 < k.customers < ROUGH_COHORT else "")
    # generations that grew, on enough customers: the loop took the network over, whatever K read as it filled (at
    # 46% joined K fell to 0.88, the card read "fades", and kept it in red beside 5 who came on their own become 291)
    # ``settled``: read as filled, or fading as it filled, without growth on an earlier day (read_loop): growth the
    # generations show only after the network filled is no loop that grew until it filled (docs/app.md: "before it
    # filled")
    filled = prospects_left < FILLED_SHARE
    grown = "" if settled and filled else _grew(generations)
    # read as fading, a loop stays so once the network passes half full (docs/app.md), whatever K reads as the filling
    # holds it down: red on day 37 at K 0.89, the card turned grey "filled" the next day at K 1.00, its text then
    # saying the loop fades and that we wait to see by turns
    fading = faded and k.known and not grown and (k.k < 1.0 or filled)
    if fading and filled and round(k.k, 2) >= 1.0:
        return Verdict("fades", FILLED_FADING_HEADLINE,
                       f"Customers who joined at least {K_WINDOW_DAYS} days ago brought in {k.k:.2f} new customers each "
                       f"in their first {K_WINDOW_DAYS} days, but the loop was read as fading "
                       f"before the network filled, and its generations grew no larger since: organic adoption filled "
                       f"the network, multiplied by a loop that fades. {_prospects_share(prospects_left).capitalize()} "
                       f"of the people are still prospects, and from here K falls as customers who join late find few "
                       f"friends left to invite." + rough)
    # a filled network's fading loop stays so (docs/app.md): not "on the edge" at K 0.95, nor "speeding up" by a week
    filled_fading = fading and filled
    if filled and not fading:
        # "K falls now" stood beside K = 3.11: K still counts the customers who joined a month ago
        late = ("From here K falls, as customers who join late find few friends left to invite, not because the loop "
                "fades." + rough)
        alone, referred = (generations[0], sum(generations[1:])) if generations else (0, 0)
        share = referred / (alone + referred) if alone + referred else 0.0
        if shrinking and not (grown or grew) and share >= LOOP_FILLED_SHARE:
            # the loop multiplied those who came on their own tenfold or more: no organic filling, and a K read after the
            # network filled is held down by it; "the loop itself fades, and organic adoption filled the network" was
            # said beside 268 of 279 joiners referred (the viral preset on 300 people, seed 3). Below the share, at
            # K 0.8 a loop that fades brings most joiners too (120 own, 180 referred): said as before
            chain = " → ".join(map(str, compared))
            late = (f"From here K falls, as customers who join late find few friends left to invite: {referred:,} of the "
                    f"{alone + referred:,} who joined came through a friend, the loop multiplying the {alone:,} who came "
                    f"on their own {(alone + referred) / max(alone, 1):.0f}-fold, and its last generations shrink "
                    f"({chain})" + (" as the prospects run out" if prospects_left < RUN_OUT_SHARE else "") + "." + rough)
        elif shrinking and not (grown or grew):
            # a network filled by organic adoption before K could be read, its generations shrinking (59 → 44 → 25 →
            # 20), kept "not because the loop fades" beside K 0.56 to the end; read as fading from there on, the card
            # flipped red and grey as K crossed 1.00 or rested on 2 customers (five verdicts in ten days): the same
            # verdict, its words saying what the generations and a readable K show
            readable = k.known and k.customers >= MIN_COHORT
            chain = " → ".join(map(str, compared))
            late = ("From here K falls, as customers who join late find few friends left to invite; yet the generations "
                    + (f"shrink ({chain}) and K is {k.k:.2f}: the loop itself fades, and organic adoption filled the "
                       f"network, multiplied by it." if readable and round(k.k, 2) < 1.0 else
                       f"shrink already ({chain}): watch whether K falls below 1, which says the loop itself fades."
                       if readable else
                       f"shrink already ({chain}): once K can be read (on {MIN_COHORT} customers), below 1 says the "
                       f"loop itself fades.") + rough)
        if grew := grew or grown:
            # the viral preset fills half its network by day 15, before K can be read: the card went from "too few
            # customers" to a grey "filled", and a class watching K above 1 never saw the green of a growing loop
            # an earlier day's run, kept, is said as of then: "generations 4 to 6: 17 → 19 → 20" stood beside a
            # generations line reading 17 → 21 → 21 since
            quoted = grew if grew == grown else grew.replace(": ", " were ", 1) + " while the network filled"
            return Verdict("grows", GREW_HEADLINE,
                           f"The generations grew, each larger than the one before ({quoted}): the loop grew on its "
                           f"own, until {_prospects_share(prospects_left)} of the people are still prospects. " + late,
                           grew=grew)
        # kept within FILLED_BY_MARGIN of half, as "on the edge" is kept: latched for good, a reading made at 86 against
        # 84 stood on day 120 beside 120 against 180
        leaning = own if own is not None else share < 0.5
        if share < 0.5 - FILLED_BY_MARGIN or (share < 0.5 + FILLED_BY_MARGIN and leaning):
            # filled before K could be read by people who came on their own: "The loop filled the network ... not
            # because the loop fades" stood beside K 0.12 on 272 customers, 250 of 286 adopters organic
            return Verdict("filled", OWN_HEADLINE,
                           f"{_prospects_share(prospects_left).capitalize()} of the people are still prospects, and "
                           f"{alone:,} of the {alone + referred:,} who joined came on their own or were customers from "
                           f"the start; the loop brought {referred:,}. From here K falls, as customers who join late "
                           f"find few friends left to invite, so it no longer tells how strong the loop is." + rough)
        return Verdict("filled", FILLED_HEADLINE,
                       f"{_prospects_share(prospects_left).capitalize()} of the people are still prospects. " + late)
    if not k.known:
        return Verdict("pending", "K appears once a customer who joined has had {} days".format(K_WINDOW_DAYS),
                       f"K counts the referrals of customers who joined during the run and have had {K_WINDOW_DAYS} "
                       f"days to refer (the first count {K_WINDOW_DAYS} days after the first customer joins, on day "
                       f"{K_WINDOW_DAYS + 1} at the earliest). Until then, "
                       f"watch the generations: when each is larger than the one before, the loop grows.")
    if k.customers < MIN_COHORT:
        plural = "s" if k.customers != 1 else ""
        return Verdict("pending", FEW_HEADLINE,
                       f"K is {k.k:.2f} so far, from only {k.customers} customer{plural} who joined at least "
                       f"{K_WINDOW_DAYS} days ago: one referral more or less moves it by {1 / k.customers:.2f}, "
                       f"too much to tell a growing loop from a fading one. The verdict waits for {MIN_COHORT} "
                       f"such customers ({k.customers} of {MIN_COHORT} so far). Until then, watch the generations: when each is larger than the one "
                       f"before, the loop grows.")
    head = f"Customers who joined at least {K_WINDOW_DAYS} days ago brought in {k.k:.2f} new customers each in their first {K_WINDOW_DAYS} days."
    # the worked figures from K as shown (two decimals): from 0.864 the page said 'K = 0.86 ... bring 86, who bring
    # 75 ... about 7.4 customers', where a class checking on the board gets 74 and 7.1
    shown = round(k.k, 2)
    # read as shown, ends included (docs/app.md: "about 1" from 0.95 to 1.05): K shown 0.95 read "below 1" or "about
    # 1" by digits the card does not show, and 0.90 kept "on the edge" where 1.10 left it
    if abs(shown - 1.0) <= edge + 1e-9 and not filled_fading:
        # "each generation is about as large as the last" stood above generations 20 → 12 → 6 → 3
        lately = (" Here the later generations are smaller than the ones before: the early customers brought in more "
                  "than the later ones do, so watch whether K falls below 1." if shrinking else
                  " Here the later generations are larger than the ones before: watch whether K rises above 1."
                  if larger else "")
        return Verdict("edge", EDGE_HEADLINE,
                       f"{head} At a K of about 1 a generation is on average about as large as the one before: the loop "
                       f"neither fades nor takes off." + lately + rough)
    if k.k >= 1.0:
        text = (f"{head} Above 1 the loop grows on its own: 100 customers bring {100 * shown:.0f}, who bring "
                f"{100 * shown * shown:.0f}, until the network runs out of friends who are still prospects.")
        if shrinking:
            text += (" Yet the later generations are smaller than the ones before: the early customers brought in "
                     "more than the later ones do, so the loop is slowing.")
            return Verdict("edge", "K above 1, but the generations shrink", text + rough)
        return Verdict("grows", "K above 1: the loop grows", text + rough)
    if (larger or speeding_up) and not filled_fading:
        lately = (f"each of the last generations is larger than the one before ({' → '.join(map(str, compared))})"
                  # true of a reading kept since (read_loop) as of the day it began
                  if larger else "referrals rose in a week by more than chance explains against the three weeks "
                  "before, and have not slowed since")
        # what each reading measures: larger generations are later customers bringing in more; a week above the three
        # before is only referrals coming faster (one day's noise reading could set it off, and it was worded as the first)
        why = ("the customers who joined lately bring in more than the first ones did, so the loop is speeding up"
               if larger else "referrals are coming faster than they did, so the loop may be speeding up")
        return Verdict("edge", SPEEDING_HEADLINE,
                       f"{head} Yet {lately}: {why}, and K, which looks {K_WINDOW_DAYS} days back, has not caught up "
                       f"yet." + rough)
    multiplier = referral_multiplier(shown)
    filling = (f" {_prospects_share(prospects_left).capitalize()} of the people are still prospects, which slows it further."
               if prospects_left < FILLED_SHARE else "")
    # in a filled network, one headline whichever side of 1 K reads as the filling holds it down (it changed day by day)
    return Verdict("fades", FILLED_FADING_HEADLINE if filled_fading else "K below 1: the loop fades",
                   f"{head} Below 1 the generations shrink on average (a few may still grow by chance): "
                   + _fading_chain(shown) + " At this K, each customer who comes on their own "
                   f"becomes about {multiplier:.1f} customers in all; growth beyond that has to come from elsewhere."
                   + _so_far(generations, multiplier) + filling + rough)


def _fading_chain(shown: float) -> str:
    """100 customers and the two generations after them at K ``shown`` (below 1), in words.
    A figure that rounds to 0 is not written as a generation: at K 0.00 the card said
    '100 customers bring 0, who bring 0, each generation smaller', and at K 0.07 'bring 7,
    who bring 0' (the fading preset's designs on day 100 of the lesson)."""
    first, second = 100 * shown, 100 * shown * shown
    if round(first) == 0:
        return "100 customers bring fewer than 1 new customer between them, so the chain stops there."
    if round(second) == 0:
        return f"100 customers bring {first:.0f}, who bring fewer than 1 between them, so the chain stops there."
    return f"100 customers bring {first:.0f}, who bring {second:.0f}, each generation smaller, until the chain dies out."


def _so_far(generations: list[int], multiplier: float) -> str:
    """What the run itself shows beside K's multiplier: the customers per one who came on
    their own (generation 0: organic and initial). K counts only the referrals made in a
    customer's first K_WINDOW_DAYS days, by customers who joined during the run, so the
    multiplier it gives can fall short of the run's own (1.1 beside 5 who became 25)."""
    if len(generations) < 2 or generations[0] <= 0:
        return ""
    each = sum(generations) / generations[0]
    # why they differ only where the run's figure is the larger: K's leaving referrals out explains no shortfall
    # the tree counts the friends who joined through word of mouth (invitations outside the program) too, which K,
    # counting tracked referrals only, leaves out: often the largest part of the gap (12 of 18 in dropbox-2008's B)
    why = (f": K leaves out referrals made after a customer's first {K_WINDOW_DAYS} days, those of the customers "
           f"there from the start, and friends who joined through word of mouth (invitations outside the program, "
           f"which it does not track)" if round(each, 1) > round(multiplier, 1) else "")
    return (f" So far in this run the {generations[0]} who came on their own "
            f"{'has' if generations[0] == 1 else 'have'} become {sum(generations)} (about {each:.1f} each){why}.")


def k_explanation(k: float, prospects_left: float = 1.0, cohort: int | None = None, generations: list[int] | None = None) -> str:
    """The verdict's headline and text as one string (for a reading of K given as a number)."""
    reading = KReading(k, cohort if cohort is not None else (ROUGH_COHORT if math.isfinite(k) else 0))
    said = verdict(reading, generations or [], prospects_left)
    return f"{said.headline}. {said.text}"
