"""Evaluation: the primal interpreter over a compiled program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphdiff.ir.program import Program

__all__ = ["evaluate", "place_leaves"]

Lift = Callable[[Any, int], Any]


def place_leaves(program: Program, inputs: list, lift: Lift | None = None) -> list:
    """A fresh slot list holding the input and constant values (``lift(value, slot)`` applied)."""
    values: list[Any] = [None] * len(program)
    for slot, value in zip(program.input_slots, inputs):
        values[slot] = value if lift is None else lift(value, slot)
    for slot, value in program.consts:
        values[slot] = value if lift is None else lift(value, slot)
    return values


def evaluate(program: Program, inputs: list, lift: Lift | None = None, boxed: bool = False) -> list:
    """Evaluate every node; return the values by slot.

    ``boxed``: the inputs include tracers or duals, so each primitive is applied as a whole
    (on tracers it records its own node, where its evaluation would record its parts).
    """
    values = place_leaves(program, inputs, lift)
    for prim, out, args, params, _ in program.ops:
        apply = prim if boxed else prim.impl
        values[out] = apply(*[values[a] for a in args], **params)
    return values
