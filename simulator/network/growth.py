"""Growth by preferential attachment, with optional triad formation
(Barabási–Albert and Holme–Kim), vectorised after a sequential prefix."""

from __future__ import annotations

import numpy as np

#: People grown one at a time (as networkx does) before the vectorised growth of
#: barabasi_albert / powerlaw_cluster takes over: at most this many people and
#: about _SEQUENTIAL_PICKS ties. Early people are where repeated picks of the same
#: hub are common.
_SEQUENTIAL_PREFIX = 2_000
_SEQUENTIAL_PICKS = 20_000


def grow(n: int, m: int, triad: float, initial: np.ndarray, first: int, rng: np.random.Generator, *, star: bool):
    """Preferential attachment with optional triad formation (BA when triad == 0).

    The list of "slots" is networkx's ``repeated_nodes``: ``initial`` (the people the
    growth starts from, once per tie), then per newcomer v a block of 2m slots, m
    holding v's friends and m holding v. A uniform earlier slot is a person chosen
    with probability proportional to degree, and the other end of that slot's tie
    (its partner: friend slot i <-> newcomer slot i of the same block) is a uniform
    random friend of that person, which gives the Holme–Kim triad step without
    adjacency lists.

    The first few thousand people grow one by one, as in networkx (repeated picks of
    the same hub are common there); the rest is vectorised (see _grow_vectorised). The
    prefix is compiled (growth_prefix.grow_sequential).
    """
    prefix_stop = min(n, first + max(20, min(_SEQUENTIAL_PREFIX, _SEQUENTIAL_PICKS // m)))
    from .growth_prefix import grow_sequential  # compiled: numba loads only when a network grows

    slots = grow_sequential(m, float(triad), np.asarray(initial, np.int64), first, prefix_stop, rng)
    edges_u = [np.zeros(m, dtype=np.int64)] if star else []
    edges_v = [np.arange(1, m + 1, dtype=np.int64)] if star else []
    count = prefix_stop - first
    if count > 0:
        block = slots[len(initial):].reshape(count, 2 * m)
        edges_u.append(np.repeat(np.arange(first, prefix_stop, dtype=np.int64), m))
        edges_v.append(block[:, :m].ravel())
    if n > prefix_stop:
        targets = _grow_vectorised(m, triad, slots, len(initial), prefix_stop, n, rng)
        edges_u.append(np.repeat(np.arange(prefix_stop, n, dtype=np.int64), m))
        edges_v.append(targets.ravel())
    if not edges_u:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(edges_u), np.concatenate(edges_v)


def _grow_vectorised(m, triad, prefix_slots, base, start, n, rng):
    """Friends of newcomers start..n-1, an array of shape (n - start, m); see _grow.

    Every pick is a pointer to an earlier slot: a degree pick to a uniform earlier slot
    ``r``; a triad pick to the partner of a slot of the person last picked by degree
    (for the first triad after that pick, the partner of ``r`` itself; for later ones,
    of another slot of that person, drawn from an index of slots by person). Following
    the pointers back to slots of known people gives everyone's friends. Picks that
    repeat a friend of the same newcomer (or triads without a free friend) are drawn
    again and the graph resolved again, until every newcomer has m distinct friends.
    """
    count = n - start
    prefix_len = len(prefix_slots)
    two_m = 2 * m
    shape = (count, m)
    # 32-bit slot numbers and people where they fit: half the memory traffic, faster division
    slot_type = np.int32 if prefix_len + two_m * count < 2**31 else np.int64
    prefix_slots = prefix_slots.astype(np.int32)
    block_start = (prefix_len + two_m * np.arange(count, dtype=np.int64)).astype(slot_type)  # first slot of each newcomer
    bound = np.repeat(block_start, m).reshape(shape)  # a pick may point at slots 0..bound-1
    del block_start

    r = (rng.random(shape) * bound).astype(slot_type)
    is_triad = np.zeros(shape, dtype=bool)
    if triad > 0.0 and m > 1:
        is_triad[:, 1:] = rng.random((count, m - 1)) < triad
    column = np.arange(m)
    last_pick = np.maximum.accumulate(np.where(is_triad, 0, column), axis=1)
    row_of = np.arange(count)[:, None]
    fresh = is_triad & (last_pick == column - 1)  # first triad after a degree pick: partner of its r
    own_slot = np.full(shape, -1, dtype=slot_type)  # the slot later triads take their friend from

    def partner(slot):
        """The slot at the other end of each slot's tie; -1 for starting slots (no tie)."""
        out = np.full(len(slot), -1, dtype=slot_type)
        tied = slot >= base
        offset = slot[tied] - base
        within = offset % two_m
        block = slot[tied] - within
        out[tied] = np.where(within < m, block + m + within, block + within - m)
        return out

    def person_in(slot, targets):
        """The person in each slot, given every newcomer's friends ``targets``."""
        out = np.empty(len(slot), dtype=np.int32)
        early = slot < prefix_len
        out[early] = prefix_slots[slot[early]]
        offset = slot[~early] - prefix_len
        row = offset // two_m
        within = offset - row * two_m
        out[~early] = np.where(within >= m, start + row, targets.ravel()[row * m + np.minimum(within, m - 1)])
        return out

    targets = previous = None  # previous: the pointers of the last pass
    for _ in range(_MAX_ROUNDS):
        pointer = r.copy()
        lost = np.zeros(shape, dtype=bool)
        if is_triad.any():
            slot = np.where(fresh, r[row_of, last_pick], own_slot)[is_triad]
            friend = np.full(len(slot), -1, dtype=slot_type)
            friend[slot >= 0] = partner(slot[slot >= 0])
            lost[is_triad] = friend < 0
            pointer[is_triad & ~lost] = friend[friend >= 0]
        pointer = pointer.ravel()
        if targets is None:
            targets = _resolve(pointer, np.arange(len(pointer), dtype=slot_type), prefix_slots, start, m).reshape(shape)
            bad = _repeated(targets)
        else:
            # only picks whose pointer moved, and the picks that copied them, change
            changed = np.flatnonzero(pointer != previous).astype(slot_type)
            flat = targets.ravel()
            flat[changed] = _resolve(pointer, changed, prefix_slots, start, m)
            updated = _copy_to_descendants(flat, changed, pointer, prefix_len, m)
            touched = np.zeros(count, dtype=bool)
            touched[updated // m] = True
            rows = np.flatnonzero(touched)
            bad = np.zeros(shape, dtype=bool)
            bad[rows] = _repeated(targets[rows])
        bad |= lost
        if not bad.any():
            return targets
        previous = pointer

        moved = bad & ~is_triad
        rows, cols = np.nonzero(moved)
        if len(rows):
            r[rows, cols] = _draw_by_degree(rows, cols, bound, targets, person_in, rng)
            bad |= is_triad & ~fresh & moved[row_of, last_pick]  # their person changed
        rows, cols = np.nonzero(bad & is_triad)
        if len(rows):
            person = targets[rows, last_pick[rows, cols]]
            slot, friend = _draw_friend(person, bound[rows, cols], rows, targets, prefix_len, two_m, start,
                                        prefix_slots, partner, person_in, rng)
            ok = friend >= 0
            own_slot[rows[ok], cols[ok]] = slot[ok]
            fresh[rows[ok], cols[ok]] = False
            targets[rows[ok], cols[ok]] = friend[ok]
            # no free friend: a degree pick instead, as networkx does
            rows, cols = rows[~ok], cols[~ok]
            if len(rows):
                is_triad[rows, cols] = False
                fresh[rows, cols] = False
                r[rows, cols] = _draw_by_degree(rows, cols, bound, targets, person_in, rng)
    return targets  # pragma: no cover - any repeated pick left is dropped by from_edges


#: Rounds of drawing repeated picks again before giving up (three or four suffice).
_MAX_ROUNDS = 100
#: Draws per round for one repeated pick before the next round.
_RETRIES = 16


def _draw_by_degree(rows, cols, bound, targets, person_in, rng):
    """New degree picks (slots) for ``(rows, cols)``, avoiding people the newcomer already has.

    Updates ``targets`` with the people picked; returns the slots.
    """
    slots = np.empty(len(rows), dtype=bound.dtype)
    todo = np.arange(len(rows))
    has = _friend_test(targets, rows)
    for attempt in range(_RETRIES):
        candidate = (rng.random(len(todo)) * bound[rows[todo], cols[todo]]).astype(bound.dtype)
        person = person_in(candidate, targets)
        free = ~has(rows[todo], person) | (attempt == _RETRIES - 1)
        slots[todo[free]] = candidate[free]
        targets[rows[todo[free]], cols[todo[free]]] = person[free]
        todo = todo[~free]
        if not len(todo):
            break
    return slots


def _draw_friend(person, bound, rows, targets, prefix_len, two_m, start, prefix_slots, partner, person_in, rng):
    """For each triad: a uniform slot of ``person`` before ``bound`` whose partner is not yet
    a friend of the newcomer. Returns (slot, friend); friend is -1 where none was found."""
    count, m = targets.shape
    # every slot's person, and the slots of the people asked about, sorted by (person, slot)
    everyone = np.empty(prefix_len + two_m * count, dtype=np.int32)
    everyone[:prefix_len] = prefix_slots
    blocks = everyone[prefix_len:].reshape(count, two_m)
    blocks[:, :m] = targets
    blocks[:, m:] = np.arange(start, start + count, dtype=np.int32)[:, None]
    wanted = np.zeros(start + count, dtype=bool)
    wanted[person] = True
    slots = np.flatnonzero(wanted[everyone])
    total = len(everyone)
    index = np.sort(everyone[slots].astype(np.int64) * total + slots)
    del everyone, blocks, slots

    person = person.astype(np.int64)
    low = np.searchsorted(index, person * total)
    available = np.searchsorted(index, person * total + bound) - low
    slot = np.full(len(person), -1, dtype=np.int64)
    friend = np.full(len(person), -1, dtype=np.int64)
    todo = np.flatnonzero(available > 0)
    has = _friend_test(targets, rows)
    for _ in range(_RETRIES):
        if not len(todo):
            break
        pick = low[todo] + (rng.random(len(todo)) * available[todo]).astype(np.int64)
        candidate = (index[pick] % total).astype(bound.dtype)
        other_end = partner(candidate)
        value = np.where(other_end >= 0, person_in(np.maximum(other_end, 0), targets), -1)
        free = (value >= 0) & ~has(rows[todo], value)
        slot[todo[free]] = candidate[free]
        friend[todo[free]] = value[free]
        todo = todo[~free]
    return slot, friend


def _friend_test(targets, rows):
    """A function ``has(rows, people)``: whether each newcomer already picked that person.

    Compares with the row directly for small m; for large m looks the pairs up in a
    sorted table of (row, person) built once from the rows in question.
    """
    count, m = targets.shape
    if m <= 16:
        return lambda at, person: (targets[at] == person[:, None]).any(axis=1)
    people = np.int64(2**31)  # people are int32
    asked = np.flatnonzero(np.bincount(rows, minlength=count))
    table = np.sort((asked[:, None].astype(np.int64) * people + targets[asked]).ravel())

    def has(at, person):
        key = at.astype(np.int64) * people + person
        where = np.minimum(np.searchsorted(table, key), len(table) - 1)
        return table[where] == key

    return has


def _resolve(pointer, picks, prefix_slots, start, m):
    """The person each of ``picks`` points at, following pointers back to known slots.

    A pointer into the prefix or at a newcomer slot is known; a pointer at a friend
    slot of a later block continues with that pick's own pointer. Pointers go
    strictly backwards, so every chain ends (after two steps on average).
    """
    prefix_len = len(prefix_slots)
    two_m = 2 * m
    result = np.empty(len(picks), dtype=prefix_slots.dtype)
    todo = np.arange(len(picks), dtype=picks.dtype)
    at = pointer[picks]
    while len(todo):
        offset = at - prefix_len
        row = offset // two_m  # (divmod is several times slower)
        within = offset - row * two_m
        early = offset < 0
        result[todo[early]] = prefix_slots[at[early]]
        newcomer = ~early & (within >= m)
        result[todo[newcomer]] = start + row[newcomer]
        follow = ~(early | newcomer)
        todo = todo[follow]
        at = pointer[row[follow] * m + within[follow]]
    return result


def _copy_to_descendants(values, changed, pointer, prefix_len, m):
    """Give every pick that copies (directly or down a chain) a changed pick its new person.

    A pick whose pointer is a friend slot of pick q holds q's person: q is its parent.
    Walks the tree of parents from ``changed`` outwards, level by level; returns the
    picks updated, ``changed`` included.
    """
    two_m = 2 * m
    offset = pointer - prefix_len
    row = offset // two_m
    within = offset - row * two_m
    has_parent = (offset >= 0) & (within < m)
    children = np.flatnonzero(has_parent)
    parents = (row * m + within)[has_parent].astype(np.int64)
    del offset, row, within, has_parent
    picks = len(pointer)
    by_parent = np.sort(parents * picks + children)
    first_child = np.zeros(picks + 1, dtype=np.int64)
    np.cumsum(np.bincount(parents, minlength=picks), out=first_child[1:])
    children = by_parent % picks
    del by_parent, parents
    updated = [changed.astype(np.int64)]
    frontier = updated[0]
    while len(frontier):
        low = first_child[frontier]
        count = first_child[frontier + 1] - low
        if not count.any():
            break
        # expand each frontier pick's range of children
        start = np.repeat(low - np.cumsum(count) + count, count)
        kids = children[start + np.arange(int(count.sum()))]
        values[kids] = values[np.repeat(frontier, count)]
        updated.append(kids)
        frontier = kids
    return np.concatenate(updated)


def _repeated(targets: np.ndarray) -> np.ndarray:
    """Mask of picks equal to an earlier pick of the same newcomer (the first one stays)."""
    count, m = targets.shape
    if m <= 16:
        repeated = np.zeros(targets.shape, dtype=bool)
        for i in range(1, m):
            repeated[:, i] = (targets[:, i:i + 1] == targets[:, :i]).any(axis=1)
        return repeated
    order = np.argsort(targets, axis=1, kind="stable")
    ranked = np.take_along_axis(targets, order, axis=1)
    same = np.zeros(targets.shape, dtype=bool)
    same[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    repeated = np.zeros(targets.shape, dtype=bool)
    np.put_along_axis(repeated, order, same, axis=1)
    return repeated
