"""Operation counts of whole sweeps at the price of a walk over the program.

Which rules a sweep runs depends only on the graph's structure and seeds (which tangents
and adjoints are structural zeros), and what a rule computes depends only on its
primitive, parameters, shapes and which of its arguments carry a tangent. So each rule's
arithmetic is measured once per such signature, by running it on
:class:`~graphdiff.primitives.counting.Counted` values, and the sweep's count is the sum of the
measured counts along the same path the sweep takes. The tests check that this equals
counting every operation of the running sweep, on every builder and mode.

The one Python walk per sweep finds where tangents or adjoints reach (a flag per slot,
one row per instruction); which rules then run, and how often each, is read off those
flags with numpy. So a count takes about as long as the generated sweep it counts
(``benchmarks/scale.py`` measures the two side by side).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from graphdiff.ir.program import Program
from graphdiff.primitives.counting import Counted, OpCounts, counting
from graphdiff.primitives.table import Primitive

__all__ = ["function_counts", "forward_counts", "reverse_counts"]


def _probe(shape: tuple[int, ...]) -> Counted:
    return Counted(np.full(shape, 0.75) if shape else np.float64(0.75))


def _key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


@functools.cache
def _eval_cost(prim: Primitive, params: tuple, shapes: tuple) -> OpCounts:
    with counting() as ops:
        prim.impl(*(_probe(s) for s in shapes), **dict(params))
    return ops


@functools.cache
def _jvp_cost(prim: Primitive, params: tuple, shapes: tuple, live: tuple, batch: tuple) -> OpCounts:
    args = [_probe(s) for s in shapes]
    out = prim.impl(*(a.value for a in args), **dict(params))
    tangents = [_probe(batch + s) if present else None for s, present in zip(shapes, live)]
    with counting() as ops:
        prim.tangent_out(Counted(out), args, tangents, dict(params))
    return ops


@functools.cache
def _vjp_cost(prim: Primitive, params: tuple, shapes: tuple, i: int) -> OpCounts:
    args = [_probe(s) for s in shapes]
    out = prim.impl(*(a.value for a in args), **dict(params))
    with counting() as ops:
        prim.adjoint_in(i, _probe(np.shape(out)), Counted(out), args, dict(params))
    return ops


class _Plan(NamedTuple):
    """What the counts need of a program, worked out once: it is structural.

    The walks run over rows ``(out, a, b)``: an instruction's out slot and two of its
    argument slots. Slot ``len(program)`` is a sink that never carries a tangent or an
    adjoint and pads rows of fewer arguments; an instruction of more than two takes
    further rows ``(out, out, c)``. Slot ``len(program) + 1`` always carries one.
    """

    ids: np.ndarray  # each instruction's signature, as an index into ``signatures``
    signatures: list[tuple]  # the distinct (prim, params, shapes)
    columns: list[np.ndarray]  # per argument position, every instruction's slot there (or the sink)
    # the walks' rows as three lists (outs, first arguments, second arguments)
    pushes: tuple[list[int], list[int], list[int]]  # in order: a tangent at a or b gives out one
    pullbacks: tuple[list[int], list[int], list[int]]  # in reverse, active arguments only:
    # an adjoint at out reaches a and b
    # one entry per active argument of every instruction:
    rules: np.ndarray  # the rule it runs, position * len(signatures) + the signature id
    owners: np.ndarray  # the instruction's out slot
    targets: np.ndarray  # the argument's slot
    sizes: np.ndarray  # every slot's number of elements


def _rows(outs: np.ndarray, columns: np.ndarray, sink: int) -> tuple[list[int], list[int], list[int]]:
    """The walk's rows for instructions writing ``outs`` from the slots in ``columns`` (one per position).

    Kept as three lists of slots rather than a tuple per row: a program of 10^6 nodes is
    planned three times faster, and walked only a tenth slower.
    """
    if len(columns) == 2:  # the usual case: every row is one instruction
        return outs.tolist(), columns[0].tolist(), columns[1].tolist()
    rows: tuple[list[int], list[int], list[int]] = ([], [], [])
    for out, a, b, *more in zip(outs.tolist(), *columns.tolist()):
        for row in [(out, a, b)] + [(out, out, c) for c in more if c != sink]:
            for column, slot in zip(rows, row):
                column.append(slot)
    return rows


def _plan(program: Program) -> _Plan:
    plan = program.__dict__.get("_tally_plan")
    if plan is None:
        ops, index = program.ops, {}
        shape = program.shapes.__getitem__
        ids = np.array(
            [  # most instructions have no parameters: not sorting them saves a third of a second at 10^6
                index.setdefault((prim, _key(params) if params else (), tuple(map(shape, args))), len(index))
                for prim, _, args, params, _ in ops
            ],
            dtype=np.intp,
        )
        n, sink = len(index), len(program)
        # every instruction's argument slots, a row per position, padded with the sink
        arity = np.array([len(op.args) for op in ops], dtype=np.intp)
        flat = np.fromiter(itertools.chain.from_iterable(op.args for op in ops), np.intp, int(arity.sum()))
        starts = np.repeat(np.cumsum(arity) - arity, arity)
        columns = np.full((max(2, arity.max(initial=0)), len(ops)), sink, dtype=np.intp)
        columns[np.arange(len(flat)) - starts, np.repeat(np.arange(len(ops)), arity)] = flat
        outs = np.array([op.out for op in ops], dtype=np.intp)
        # the same, the arguments that do not depend on an input replaced by the sink
        active = _flags(program.active + [False]).view(bool)  # the sink's flag last
        active_columns = np.where(active[columns], columns, sink)
        backwards = np.flatnonzero(active[outs])[::-1]
        position, owner = np.nonzero(active_columns != sink)  # every active argument
        plan = program.__dict__["_tally_plan"] = _Plan(
            ids=ids,
            signatures=list(index),
            columns=list(columns),
            pushes=_rows(outs, columns, sink),
            pullbacks=_rows(outs[backwards], active_columns[:, backwards], sink),
            rules=position * n + ids[owner],
            owners=outs[owner],
            targets=columns[position, owner],
            sizes=np.array(program.sizes, dtype=np.intp),
        )
    return plan


def _sum(uses: np.ndarray, cost: Callable[[int], OpCounts], adds: int = 0) -> OpCounts:
    """``adds`` plus, over each distinct use, its measured ``cost`` times how often it occurs."""
    total = OpCounts(add=adds)
    if uses.size and uses.max() < 1 << 20:
        counts = np.bincount(uses)
        distinct = np.flatnonzero(counts)
        occurrences = counts[distinct]
    else:  # rules of many arguments make large ints: sort instead
        distinct, occurrences = np.unique(uses, return_counts=True)
    for use, times in zip(distinct.tolist(), occurrences.tolist()):
        total += cost(use) * times
    return total


def _flags(bits: list) -> np.ndarray:
    """A list of 0/1 (or bools) as an array of bytes: through ``bytes``, five times faster than np.array."""
    return np.frombuffer(bytes(bits), dtype=np.uint8)


def function_counts(program: Program) -> OpCounts:
    """The arithmetic of one evaluation."""
    plan = _plan(program)
    return _sum(plan.ids, lambda k: _eval_cost(*plan.signatures[k]))


def forward_counts(
    program: Program, seeded: set[int], batch: tuple[int, ...] = ()
) -> tuple[OpCounts, list[int]]:
    """One forward sweep with tangents at the ``seeded`` slots (``batch``: vector mode's extra axes).

    Returns the counts and each slot's tangent size (0 for a structural zero).
    """
    plan = _plan(program)
    sink, always = len(program), len(program) + 1
    has = [0] * (len(program) + 2)  # 1 where a slot has a tangent
    has[always] = 1
    outs, firsts, seconds = plan.pushes
    for slot in seeded:
        has[slot] = 1
        if program.kinds[slot] == "op":  # a seeded instruction keeps its tangent: it reads "always"
            if firsts is plan.pushes[1]:
                firsts, seconds = list(firsts), list(seconds)
            row = bisect.bisect_left(outs, slot)
            firsts[row] = seconds[row] = always
    for out, a, b in zip(outs, firsts, seconds):
        has[out] = has[a] | has[b]
    # each instruction's pattern: the bits of its arguments that carry a tangent
    flags = _flags(has)
    patterns = np.zeros(len(plan.ids), dtype=np.intp)
    for i, column in enumerate(plan.columns):
        patterns |= flags[column].astype(np.intp) << i
    n = len(plan.signatures)
    uses = (patterns * n + plan.ids)[patterns > 0]

    def cost(use: int) -> OpCounts:
        pattern, k = divmod(use, n)
        live = tuple(bool(pattern >> i & 1) for i in range(len(plan.signatures[k][2])))
        return _jvp_cost(*plan.signatures[k], live, batch)

    tangent_sizes = (plan.sizes * flags[:sink] * math.prod(batch)).tolist()
    return function_counts(program) + _sum(uses, cost), tangent_sizes


def reverse_counts(program: Program, seeded: list[int]) -> tuple[OpCounts, list[bool]]:
    """One reverse sweep seeded at the slots ``seeded`` (not counting the evaluation).

    Returns the counts and which slots an adjoint reached. A second adjoint arriving at a
    slot costs one add per element, as in the running sweep.
    """
    plan = _plan(program)
    sink = len(program)
    arrived = [False] * (sink + 1)
    for slot in seeded:
        arrived[slot] = True
    for out, a, b in zip(*plan.pullbacks):
        if arrived[out]:
            arrived[a] = arrived[b] = True
    ran = _flags(arrived)[plan.owners].view(bool)  # the rules the sweep runs
    # every adjoint arriving at a slot but the slot's first costs one add per element
    arrivals = np.bincount(np.concatenate([seeded, plan.targets[ran]]).astype(np.intp), minlength=sink)
    adds = int(np.dot(plan.sizes, np.maximum(arrivals - 1, 0)))
    n = len(plan.signatures)
    counts = _sum(plan.rules[ran], lambda use: _vjp_cost(*plan.signatures[use % n], use // n), adds)
    return counts, arrived[:sink]
