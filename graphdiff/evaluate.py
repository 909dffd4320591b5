"""Evaluation: the primal interpreter over a compiled program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .program import Program

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


def evaluate(program: Program, inputs: list, lift: Lift | None = None) -> list:
    """Evaluate every node; return the values by slot."""
    values = place_leaves(program, inputs, lift)
    for prim, out, args, params, _ in program.ops:
        values[out] = prim.impl(*[values[a] for a in args], **params)
    return values
