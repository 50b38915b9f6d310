"""Where numba keeps the compiled kernel: a directory named by a hash of the kernel's
sources (and of the daily columns it writes).

numba invalidates a cached function when its own file changes, not when a function it
calls or a constant it reads changes in another file: after an edit of rand.py or
queue.py alone, day.py's cache would still hold the old code. A directory per source
hash makes any change compile afresh. ``NUMBA_CACHE_DIR``, when set, is respected.
Imported by every kernel module before its first ``@njit``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

from ..metrics import DAILY_COLUMNS

HERE = Path(__file__).resolve().parent


#: The files whose compiled code calls into each other or whose constants it reads
#: (__init__.py and this file hold no compiled code: editing them recompiles nothing).
COMPILED = ("day.py", "queue.py", "rand.py", "layout.py", "hints.py")


def source_hash() -> str:
    digest = hashlib.sha256(",".join(DAILY_COLUMNS).encode())
    for name in COMPILED:
        digest.update(name.encode() + b"\0" + (HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "refsim" / f"kernel-{source_hash()}"


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = str(cache_dir())


def compiled_only(function):
    """``@njit(cache=True)`` for a function that only compiled code calls: numba then
    skips the wrappers that let Python call it (the CPython and C entry points), a
    tenth of a second or more of a user's first run for each such function."""
    return numba.njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)(function)
