"""Small helpers shared by the kernels: NPS categories and category-scaled probabilities."""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from cxsim.kernels.flags import PASSIVE, PROMOTER

#: People per chunk of a parallel loop over chunks. A tally counts each chunk on its own and sums the chunks in
#: order, so it does not depend on the number of threads (a fixed size, not one chunk per thread); small enough
#: that 10^5 people split evenly over two threads.
CHUNK = 8192


@njit(cache=True, inline="always")
def n_chunks(n):
    """How many chunks of :data:`CHUNK` people cover ``n`` people."""
    return (n + CHUNK - 1) // CHUNK


@njit(cache=True)
def sum_chunks(parts):
    """Counts per chunk ``(chunks, rows, columns)`` summed over the chunks, in chunk order: ``(rows, columns)``."""
    out = np.zeros(parts.shape[1:], parts.dtype)
    for c in range(parts.shape[0]):
        for r in range(parts.shape[1]):
            for k in range(parts.shape[2]):
                out[r, k] += parts[c, r, k]
    return out


@njit(cache=True)
def by_firm_and_category(counts, row):
    """``(firms, 3)`` from three rows of per-firm counts (one per NPS category from ``row`` on), firm ``k`` in
    column ``k + 1`` (the layout of the chunked tallies: column 0 holds people of no firm)."""
    out = np.zeros((counts.shape[1] - 1, 3), counts.dtype)
    for k in range(out.shape[0]):
        for c in range(3):
            out[k, c] = counts[row + c, k + 1]
    return out


@njit(cache=True, inline="always")
def ltr(attitude):
    """Likelihood to recommend, 0-10, from attitude in [0, 1] (11 equal bands)."""
    s = int(attitude * 11.0)
    if s > 10:
        return 10
    if s < 0:
        return 0
    return s


@njit(cache=True, inline="always")
def category(attitude):
    """0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).

    Without branches (the category of :func:`ltr`'s band, which needs no clamping here): a tally that counts by
    category ran 3x slower with the branches, which LLVM did not turn into selects there.
    """
    s = int(attitude * 11.0)
    return (s >= 7) + (s >= 9)  # DETRACTOR, PASSIVE, PROMOTER = 0, 1, 2


@njit(cache=True, inline="always")
def by_category(base, ratio, cat, passive):
    """Probability for a category: base for detractors, base x ratio for promoters, and base x ratio ** passive
    for passives (``passive`` = customers.passive_position: 0.5 is the geometric middle; small values put
    passives near detractors, so most of the gain comes from the top box)."""
    if cat == PROMOTER:
        return base * ratio
    if cat == PASSIVE:
        return base * ratio**passive
    return base


@njit(cache=True, inline="always")
def clip01(x):
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@njit(cache=True, inline="always")
def engaged_weight(engagement, threshold):
    """1 for an engaged employee (at or above the threshold), else 0.

    A hard step, the same classification the engaged-share KPI and the
    calibration report use: practice's "engaged are 2.5x more likely to work
    overtime" compares two groups, so a smooth step would blur the measured
    ratio (it measured 2.0x for a 2.5x parameter).
    """
    return 1.0 if engagement >= threshold else 0.0


@intrinsic
def prefetch(typingctx, array, i):
    """Ask the CPU to bring ``array[i]`` (the start of row ``i`` of a 2-d array) into cache; changes nothing else.

    For passes that visit people in an order the hardware cannot guess (random audiences, friends of the few who
    speak): they look a few people ahead and prefetch what those will touch, so that the reads from memory overlap
    instead of each waiting for the one before. (LLVM's ``llvm.prefetch``: read, keep in all cache levels.)
    """
    sig = types.void(array, i)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        idx = [context.cast(builder, args[1], signature.args[1], types.intp)] + [zero] * (aryty.ndim - 1)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        name = "llvm.prefetch.p0" if str(i8p) == "ptr" else "llvm.prefetch.p0i8"  # opaque pointers (LLVM >= 15) or not
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), name)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen
