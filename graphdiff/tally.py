"""Operation counts of whole sweeps at the price of a walk over the program.

Which rules a sweep runs depends only on the graph's structure and seeds (which tangents
and adjoints are structural zeros), and what a rule computes depends only on its
primitive, parameters, shapes and which of its arguments carry a tangent. So each rule's
arithmetic is measured once per such signature, by running it on
:class:`~graphdiff.counting.Counted` values, and the sweep's count is the sum of the
measured counts along the same path the sweep takes. The tests check that this equals
counting every operation of the running sweep, on every builder and mode.
"""

from __future__ import annotations

import functools
import math
import operator
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .counting import Counted, OpCounts, counting
from .primitives import Primitive
from .program import Program

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
    """What the counts need of a program, worked out once: it is structural."""

    ids: list[int]  # each instruction's signature, as an index into ``signatures``
    signatures: list[tuple]  # the distinct (prim, params, shapes)
    pushes: list[tuple[int, tuple, int]]  # in order: (out, arg slots, signature id)
    # reversed, for instructions with active arguments: (out, the rules, the slots they reach);
    # a rule is one int, position * len(signatures) + signature id
    pullbacks: list[tuple[int, tuple[int, ...], tuple[int, ...]]]


def _plan(program: Program) -> _Plan:
    plan = program.__dict__.get("_tally_plan")
    if plan is None:
        index: dict[tuple, int] = {}
        shape = program.shapes.__getitem__
        ids = [
            index.setdefault((prim, _key(params), tuple(map(shape, args))), len(index))
            for prim, _, args, params, _ in program.ops
        ]
        n = len(index)
        pullbacks = [
            (op.out, tuple([i * n + k for i, _ in op.active_args]), tuple([a for _, a in op.active_args]))
            for op, k in zip(reversed(program.ops), reversed(ids))
            if op.active_args
        ]
        pushes = [(op.out, op.args, k) for op, k in zip(program.ops, ids)]
        plan = program.__dict__["_tally_plan"] = _Plan(ids, list(index), pushes, pullbacks)
    return plan


def _sum(uses: Counter[int], cost: Callable[[int], OpCounts], adds: int = 0) -> OpCounts:
    """``adds`` plus, over each distinct use, its measured ``cost`` times how often it occurs."""
    total = OpCounts(add=adds)
    for use, n in uses.items():
        total += cost(use) * n
    return total


def function_counts(program: Program) -> OpCounts:
    """The arithmetic of one evaluation."""
    ids, signatures, _, _ = _plan(program)
    return _sum(Counter(ids), lambda k: _eval_cost(*signatures[k]))


def forward_counts(
    program: Program, seeded: set[int], batch: tuple[int, ...] = ()
) -> tuple[OpCounts, list[int]]:
    """One forward sweep with tangents at the ``seeded`` slots (``batch``: vector mode's extra axes).

    Returns the counts and each slot's tangent size (0 for a structural zero).
    """
    _, signatures, pushes, _ = _plan(program)
    has = [0] * len(program)  # 1 where a slot has a tangent
    for slot in seeded:
        has[slot] = 1
    # each rule the sweep runs, as one int: its signature id k and the bits of its
    # arguments that carry a tangent (their pattern); ints count three times faster than tuples
    n = len(signatures)
    jvps = []
    for out, args, k in pushes:
        if len(args) == 2:  # the usual arities spelled out
            pattern = has[args[0]] | has[args[1]] << 1
        elif len(args) == 1:
            pattern = has[args[0]]
        else:
            pattern = sum(has[a] << i for i, a in enumerate(args))
        if pattern:
            jvps.append(pattern * n + k)
            has[out] = 1

    def cost(use: int) -> OpCounts:
        pattern, k = divmod(use, n)
        live = tuple(bool(pattern >> i & 1) for i in range(len(signatures[k][2])))
        return _jvp_cost(*signatures[k], live, batch)

    width = math.prod(batch)
    tangent_sizes = [size * width for size in map(operator.mul, program.sizes, has)]
    evaluation = function_counts(program)
    tangents = _sum(Counter(jvps), cost)
    return evaluation + tangents, tangent_sizes


def reverse_counts(program: Program, seeded: list[int]) -> tuple[OpCounts, list[bool]]:
    """One reverse sweep seeded at the slots ``seeded`` (not counting the evaluation).

    Returns the counts and which slots an adjoint reached. A second adjoint arriving at a
    slot costs one add per element, as in the running sweep.
    """
    _, signatures, _, pullbacks = _plan(program)
    arrived = [False] * len(program)
    for slot in seeded:
        arrived[slot] = True
    vjps, targets = [], list(seeded)  # the rules the sweep runs; where each adjoint arrives
    for out, rules, slots in pullbacks:
        if arrived[out]:
            vjps += rules
            targets += slots
            for a in slots:
                arrived[a] = True
    size = program.sizes.__getitem__
    adds = sum(map(size, targets)) - sum(map(size, set(targets)))  # every adjoint but a slot's first
    n = len(signatures)
    return _sum(Counter(vjps), lambda use: _vjp_cost(*signatures[use % n], use // n), adds), arrived
