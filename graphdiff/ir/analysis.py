"""Which values matter, worked out in one place for every sweep, the compiler, counting, memory and paths.

Three questions about a program's slots, each answered by one linear pass:

- **varied**: does the value depend on an input, through edges whose partial is not a
  structural zero? ``program.active``, kept by :class:`~graphdiff.ir.program.ProgramBuilder`
  as nodes are added; an instruction's ``active_args`` are its varied arguments. Forward
  mode computes tangents, and reverse mode sends adjoints, only along these.
- **needed**: does a wanted value (an output) depend on it, through any argument? The
  generated code computes nothing else (:func:`needed`).
- **reaching**: does a varied path lead from it to a target? Adjoints seeded at the target
  arrive exactly there, and the path view walks only these nodes (:func:`reaching`).

Plus when each value is last read (:func:`last_uses`, for memory accounting), which
inputs each tangent depends on (:func:`input_sets`, for forward mode carrying every input
direction at once), and which slots hold the same value as an earlier one
(:func:`same_values`: common subexpressions, for the compiler).

>>> from graphdiff import builders
>>> p = builders.colah().program
>>> [p.names[k] for k in sorted(needed(p))]
['a', 'b', 'c', 'const_3', 'd', 'e']
>>> [p.names[k] for k, r in enumerate(reaching(p, [p.slot["c"]])) if r]
['a', 'b', 'c']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from graphdiff.ir.program import Program

__all__ = ["needed", "reaching", "last_uses", "input_sets", "same_values", "frozen"]


def needed(program: Program, wanted: Iterable[int] | None = None) -> set[int]:
    """The slots ``wanted`` (default: the outputs) depend on, themselves included."""
    live = set(program.output_slots if wanted is None else wanted)
    for op in reversed(program.ops):
        if op.out in live:
            live.update(op.args)
    return live


def reaching(program: Program, targets: Iterable[int]) -> list[bool]:
    """By slot: whether a path of varied edges leads from the slot to one of ``targets``."""
    reach = [False] * len(program)
    for t in targets:
        reach[t] = True
    for op in reversed(program.ops):
        if reach[op.out]:
            for _, a in op.active_args:
                reach[a] = True
    return reach


def last_uses(program: Program) -> list[int]:
    """For each slot, the index of the last instruction reading it (-1 if none; E for outputs)."""
    last = [-1] * len(program)
    for i, (_, _, args, _, _) in enumerate(program.ops):
        for a in args:
            last[a] = i
    for s in program.output_slots:
        last[s] = len(program.ops)
    return last


def input_sets(program: Program) -> dict[int, int]:
    """For every slot, the inputs its tangent depends on, as a bit mask over input positions.

    Only arguments whose tangent crosses into the node count: a mask (``x > y``) depends on
    x and y but passes no tangent on.
    """
    depends = {slot: 0 for slot, _ in program.consts}
    depends.update({slot: 1 << k for k, slot in enumerate(program.input_slots)})
    for op in program.ops:
        bits = 0
        for _, a in op.active_args:
            bits |= depends[a]
        depends[op.out] = bits
    return depends


def same_values(program: Program) -> list[int]:
    """For every slot, the first slot holding the same value: common-subexpression elimination.

    Two instructions are the same when they apply the same primitive with the same
    parameters to the same values (after this mapping, so chains of duplicates collapse);
    two scalar constants are the same when their bits are (``-0.0`` is not ``0.0``). A
    slot maps to itself when nothing before it computes its value. Every primitive is a
    function of its arguments, so a value read from the earlier slot is the same number.

    >>> import graphdiff as gd
    >>> p = gd.trace(lambda x: gd.sin(x) * gd.sin(x) + gd.cos(x)).program
    >>> [p.names[k] for k in sorted(set(same_values(p)))]
    ['x', 'sin_1', 'mul_3', 'cos_4', 'add_5']
    """
    first = list(range(len(program)))
    seen: dict[Any, int] = {}
    for slot, value in program.consts:
        if type(value) in (float, np.float64) or (isinstance(value, np.ndarray) and value.ndim == 0):
            key = ("const", float(value).hex())
            first[slot] = seen.setdefault(key, slot)
    for prim, out, args, params, _ in program.ops:
        try:
            key = (prim, tuple([first[a] for a in args]), frozen(params) if params else ())
            hash(key)
        except TypeError:  # parameters that do not hash (arrays): kept apart
            continue
        first[out] = seen.setdefault(key, out)
    return first


def frozen(value: Any) -> Any:
    """``value`` (an instruction's parameters) as something hashable: dicts and lists as sorted tuples."""
    if isinstance(value, dict):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value
