"""Evaluation: the primal interpreter over a compiled program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdiff.ir.program import Program

__all__ = ["evaluate", "place_leaves", "prepared"]

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


def prepared(program: Program) -> Callable[[list], list]:
    """A function of the inputs giving the outputs' values, as :func:`evaluate` does, made for a
    program run many times.

    It is straight-line Python, one call per instruction, each primitive's params settled
    once (:meth:`~graphdiff.primitives.table.Primitive.evaluation`), each value let go
    after its last read: the same bits as :func:`evaluate`, less work per call. An output that is a constant, a gradient
    folded to numbers ahead, comes back as a fresh copy on every call, so that a caller
    writing into it changes nothing the next call returns.

    Examples
    --------
    >>> import numpy as np, graphdiff as gd
    >>> g = gd.trace(lambda x: np.sum(x[1:] * 2.0), np.ones(3))
    >>> run = prepared(g.program)
    >>> run([np.array([1.0, 2.0, 3.0])])
    [np.float64(10.0)]
    """
    constant = {slot for slot, _ in program.consts}
    kept = constant | set(program.input_slots) | set(program.output_slots)
    last_read = {a: k for k, (_, _, args, _, _) in enumerate(program.ops) for a in args}
    names: dict[str, Any] = {"_fresh": np.array}
    names.update((f"c{slot}", value) for slot, value in program.consts)
    lines = ["def run(inputs):"]
    if program.input_slots:
        lines.append(f"    {''.join(f'v{s}, ' for s in program.input_slots)}= inputs")
    code = {s: f"c{s}" for s in constant} | {s: f"v{s}" for s in program.input_slots}
    for k, (prim, out, args, params, _) in enumerate(program.ops):
        names[f"e{k}"] = prim.evaluation(params)
        lines.append(f"    v{out} = e{k}({', '.join(code[a] for a in args)})")
        code[out] = f"v{out}"
        # a value read for the last time lets go of its memory now, as code written by hand does
        dead = sorted(
            {a for a in args if last_read[a] == k and a not in kept} | ({out} - kept - last_read.keys())
        )
        if dead:
            lines.append(f"    del {', '.join(f'v{a}' for a in dead)}")
    # an output that is a constant (a gradient folded to numbers) is copied: a caller may write into it
    results = [
        f"_fresh({code[s]})" if s in constant and program.shapes[s] != () else code[s]
        for s in program.output_slots
    ]
    lines.append(f"    return [{', '.join(results)}]")
    exec(compile("\n".join(lines), "<graphdiff prepared>", "exec"), names)
    return names["run"]
