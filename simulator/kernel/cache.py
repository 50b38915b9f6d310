"""Where numba keeps the compiled kernel: a directory named by a hash of the kernel's
sources (and of the daily columns it writes).

numba invalidates a cached function when its own file changes, not when a function it
calls or a constant it reads changes in another file: after an edit of rand.py or
queue.py alone, day.py's cache would still hold the old code. A directory per source
hash makes any change compile afresh. ``NUMBA_CACHE_DIR``, when set, is respected.
Imported by every compiled module (the kernel and the graph loops) for its decorators.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import AnalysisPass, register_pass
from numba.core.untyped_passes import InlineClosureLikes

from ..metrics import DAILY_COLUMNS

HERE = Path(__file__).resolve().parent


#: The files whose compiled code calls into each other or whose constants it reads, and
#: this file, whose pipeline compiles them (__init__.py holds no compiled code: editing it
#: recompiles nothing).
COMPILED = ("day.py", "queue.py", "rand.py", "layout.py", "hints.py", "cache.py")


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


class LeanPipeline(CompilerBase):
    """numba's nopython pipeline less two steps that cost a first run's compile and change
    no output:

    - the pass that inlines closures (``InlineClosureLikes``). No compiled function here
      defines or calls a closure, and numba turns any closure left into a function of
      its own later anyway (``MakeFunctionToJitFunction``), so the pass finds nothing to
      do. On ``run_days`` it cost 1.5 s by numba's own pass timings; the optimised LLVM
      without it differs only in the order of two reference-count calls on entry.
    - SSA reconstruction (``ReconstructSSA``, off through numba's own ``enable_ssa``
      flag, as numba compiles lifted loops). It gives each assignment of a variable a
      version, and so a type, of its own; on ``run_days`` (about 200 named variables)
      it cost 2.3-2.7 s, and its versions made type inference and LLVM slower too.
      Without it a variable assigned in two branches has one type, the unification of
      both, so each variable must keep one: a constant that later takes a computed day
      is written ``np.int64(NEVER)``, not ``NEVER`` (which numba types as the literal
      -1 only), and a name is not reused for a count and then a rate. Type inference
      refuses most such code; a test (tests/test_kernel.py) checks that every
      assignment gives its variable a value of the variable's own type, or an integer
      it widens (a person read from an int32 array into an int64 variable), so that
      the unification changes no arithmetic.

    Every bundled scenario's outputs hash alike with and without these steps
    (bench/output_hashes.py); bench/HISTORY.md (2026-12-03, 2026-12-04) has the times.
    Where typing without SSA refuses a function all the same (a numba version other than
    the tests'), numba's own pipeline compiles it next, SSA on: slower, the same code."""

    def define_pipelines(self):
        # a numba whose typing without SSA refuses a function (another version than the tests ran on) compiles it
        # the usual way instead, slower but the same: numba tries the next pipeline when one fails to compile
        self.state.flags.enable_ssa = True
        fallback = DefaultPassBuilder.define_nopython_pipeline(self.state, name="nopython with SSA")
        fallback.passes.insert(1, (_WithSSA, "SSA on again, for numba's usual pipeline"))  # after reading the bytecode
        self.state.flags.enable_ssa = False
        manager = DefaultPassBuilder.define_nopython_pipeline(self.state)
        manager.passes = [step for step in manager.passes if step[0] is not InlineClosureLikes]
        for pipeline in (manager, fallback):
            pipeline._finalized = False  # finalized once more, for the list as it now stands
            pipeline.finalize()
        return [manager, fallback]


@register_pass(mutates_CFG=False, analysis_only=True)
class _WithSSA(AnalysisPass):
    """The fallback pipeline's step after reading the function afresh from its bytecode:
    SSA reconstruction on again for the passes that read the flag as they run, and the
    first pipeline's failure forgotten."""

    _name = "refsim_ssa_on_again"

    def __init__(self):
        AnalysisPass.__init__(self)

    def run_pass(self, state):
        state.flags.enable_ssa = True
        state.status.fail_reason = None   # numba would raise the first pipeline's error after this one compiled
        return False


def compiled(function=None, **options):
    """``@njit(cache=True)`` through :class:`LeanPipeline`, for every compiled
    function of refsim (the kernel and the graph loops); ``options`` as njit takes them."""
    jit = numba.njit(cache=True, pipeline_class=LeanPipeline, **options)
    return jit if function is None else jit(function)


def compiled_only(function):
    """:func:`compiled` for a function that only compiled code calls: numba then
    skips the wrappers that let Python call it (the CPython and C entry points), a
    tenth of a second or more of a user's first run for each such function."""
    return compiled(function, no_cpython_wrapper=True, no_cfunc_wrapper=True)
