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


def _shapes(program: Program, args: tuple) -> tuple:
    return tuple(program.shapes[a] for a in args)


def function_counts(program: Program) -> OpCounts:
    """The arithmetic of one evaluation."""
    total = OpCounts()
    for prim, _, args, params, _ in program.ops:
        total += _eval_cost(prim, _key(params), _shapes(program, args))
    return total


def forward_counts(
    program: Program, seeded: set[int], batch: tuple[int, ...] = ()
) -> tuple[OpCounts, list[int]]:
    """One forward sweep with tangents at the ``seeded`` slots (``batch``: vector mode's extra axes).

    Returns the counts and each slot's tangent size (0 for a structural zero).
    """
    width = int(np.prod(batch, dtype=int))
    tangent_sizes = [program.sizes[k] * width if k in seeded else 0 for k in range(len(program))]
    total = OpCounts()
    for prim, out, args, params, _ in program.ops:
        shapes = _shapes(program, args)
        total += _eval_cost(prim, _key(params), shapes)
        live = tuple(tangent_sizes[a] > 0 for a in args)
        if any(live):
            total += _jvp_cost(prim, _key(params), shapes, live, batch)
            tangent_sizes[out] = program.sizes[out] * width
    return total, tangent_sizes


def reverse_counts(program: Program, seeded: list[int]) -> tuple[OpCounts, list[bool]]:
    """One reverse sweep seeded at the slots ``seeded`` (not counting the evaluation).

    Returns the counts and which slots an adjoint reached. A second adjoint arriving at a
    slot costs one add per element, as in the running sweep.
    """
    arrived = [False] * len(program)
    total = OpCounts()
    for slot in seeded:
        if arrived[slot]:
            total.add += program.sizes[slot]
        arrived[slot] = True
    for prim, out, args, params, active_args in reversed(program.ops):
        if not arrived[out] or not active_args:
            continue
        shapes = _shapes(program, args)
        for i, a in active_args:
            total += _vjp_cost(prim, _key(params), shapes, i)
            if arrived[a]:
                total.add += program.sizes[a]
            arrived[a] = True
    return total, arrived
