"""Reverse mode: one sweep against evaluation order carrying an adjoint for every node.

``adjoints[k]`` is d(output)/d(node k). Each operation passes its adjoint to the
arguments that depend on an input, through its primitive's reverse rules, and adjoints
arriving over several edges are added, in the order they arrive. An operation that reads
one value twice (``x * x``) sums its own two terms first, then passes that sum on: what
it sends to a value is one adjoint. The sweep reads primal values kept from an
evaluation: :func:`tape` says which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphdiff.errors import SeedError, ShapeError
from graphdiff.ir.program import Program
from graphdiff.modes.evaluate import evaluate
from graphdiff.values import as_output, as_value, is_boxed

if TYPE_CHECKING:  # a mode runs on a program; the graph above it is only named in annotations
    from graphdiff.graph.graph import Graph

__all__ = ["reverse", "reverse_sweep", "tape", "ReverseResult", "output_seeds"]


def reverse_sweep(program: Program, values: list, seeds: Mapping[int, Any]) -> list:
    """Run one reverse sweep over evaluated ``values``. ``seeds`` maps slots to adjoints.

    Returns the adjoints by slot; ``None`` where no adjoint arrived (a structural zero).
    """
    adjoints: list[Any] = [None] * len(program)
    for slot, y_bar in seeds.items():
        adjoints[slot] = y_bar if adjoints[slot] is None else adjoints[slot] + y_bar
    rereads = program.rereads
    for prim, out, args, params, active_args in reversed(program.ops):
        y_bar = adjoints[out]
        if y_bar is None or not active_args:
            continue
        arg_values = [values[a] for a in args]
        y = values[out]
        if out in rereads:  # x * x: x gets y_bar * x + y_bar * x, summed before it arrives
            arrivals: dict[int, Any] = {}
            for i, a in active_args:
                x_bar = prim.adjoint_in(i, y_bar, y, arg_values, params)
                arrivals[a] = x_bar if a not in arrivals else arrivals[a] + x_bar
            for a, x_bar in arrivals.items():
                adjoints[a] = x_bar if adjoints[a] is None else adjoints[a] + x_bar
            continue
        for i, a in active_args:
            x_bar = prim.adjoint_in(i, y_bar, y, arg_values, params)
            adjoints[a] = x_bar if adjoints[a] is None else adjoints[a] + x_bar
    return adjoints


def tape(program: Program, adjoints: list) -> set[int]:
    """The slots of the values a finished reverse sweep read from the evaluation.

    These are what a reverse sweep must keep from the forward evaluation (constants,
    which the program holds anyway, are not counted). Which values each reverse rule reads
    is measured per primitive (:meth:`Primitive.residuals`).
    """
    kept = set()
    for prim, out, args, params, active_args in program.ops:
        if adjoints[out] is None:
            continue
        shapes = tuple(program.shapes[a] for a in args)
        for i, _ in active_args:
            for p in prim.residuals(i, shapes, params):
                kept.add(out if p == prim.arity else args[p])
    return {k for k in kept if program.kinds[k] != "const"}


@dataclass(frozen=True)
class ReverseResult:
    """What a reverse sweep found, keyed by node name.

    ``adjoints[node]`` is d(output)/d(node) for every node that is not a constant;
    ``zeros`` are those no adjoint reached (the output does not depend on them).
    ``stored_values`` is how many numbers the sweep read from the evaluation (an array
    counts its elements):
    the memory that reverse mode pays for getting every gradient at once.
    """

    graph: Graph
    output: str
    values: dict[str, Any]
    adjoints: dict[str, Any]
    zeros: frozenset[str]
    stored_values: int

    @property
    def input_adjoints(self) -> tuple:
        """d(output)/d(input) for every input, in input order: the gradient."""
        return tuple(self.adjoints[n] for n in self.graph.inputs)


def reverse(
    graph: Graph,
    inputs: Mapping[str, Any] | Sequence[Any],
    output: str | None = None,
    cotangent: Any = None,
) -> ReverseResult:
    """Evaluate, then one reverse sweep seeded at one output: d(output)/d(node) everywhere.

    Parameters
    ----------
    graph : Graph
    inputs : mapping or sequence
        The input values, by name or in input order.
    output : str, optional
        The output to seed; may be omitted when the graph has one output.
    cotangent : float or array, optional
        The seed adjoint; 1 by default, which a non-scalar output must replace by an
        array of its shape.

    Raises
    ------
    SeedError
        If ``output`` is not an output of the graph.
    ShapeError
        If the cotangent does not have the output's shape.

    Examples
    --------
    >>> import graphdiff as gd
    >>> rv = gd.reverse(gd.builders.colah(), {"a": 2.0, "b": 1.0})
    >>> {n: rv.adjoints[n] for n in "edcba"}
    {'e': 1.0, 'd': 3.0, 'c': 2.0, 'b': 5.0, 'a': 2.0}
    >>> rv.stored_values        # e = c * d needs c and d; the adds need nothing
    2
    """
    program = graph.program
    inputs = graph.bind_inputs(inputs)
    if output is None:
        if len(graph.outputs) != 1:
            raise SeedError(f"{graph.name} has outputs {graph.outputs}: name the one to seed")
        output = graph.outputs[0]
    if output not in graph.outputs:
        raise SeedError(f"cannot seed {output!r}: it is not an output of {graph.name} {graph.outputs}")
    slot = program.slot[output]
    y_bar = seed_cotangent(program.shapes[slot], cotangent, output)
    values = evaluate(program, inputs)
    adjoints = reverse_sweep(program, values, {slot: y_bar})
    names = program.names
    return ReverseResult(
        graph=graph,
        output=output,
        values={n: as_output(v) for n, v in zip(names, values)},
        adjoints={
            n: as_output(np.zeros(program.shapes[k]) if a is None else a)
            for k, (n, a) in enumerate(zip(names, adjoints))
            if program.kinds[k] != "const"
        },
        zeros=frozenset(
            n for k, (n, a) in enumerate(zip(names, adjoints)) if a is None and program.kinds[k] != "const"
        ),
        stored_values=sum(program.sizes[k] for k in tape(program, adjoints)),
    )


def output_seeds(program: Program, cotangents: Iterable[tuple[int, Any]]) -> dict[int, Any]:
    """The seeds of a reverse sweep from (output index, cotangent) pairs: each at its output's
    slot, added where one node is several outputs.

    >>> import graphdiff as gd
    >>> g = gd.Graph("twice")
    >>> x = g.add_input("x")
    >>> g.set_outputs(x, x)
    >>> output_seeds(g.program, [(0, 1.0), (1, 2.0)])
    {0: 3.0}
    """
    seeds: dict[int, Any] = {}
    for k, y_bar in cotangents:
        slot = program.output_slots[k]
        seeds[slot] = y_bar if slot not in seeds else seeds[slot] + y_bar
    return seeds


def seed_cotangent(shape: tuple[int, ...], cotangent: Any, output: str) -> Any:
    """The seed adjoint for an output of ``shape``: 1 for a scalar by default."""
    if type(cotangent) is float and shape == ():  # the common case, kept cheap for many outputs
        return np.float64(cotangent)
    if cotangent is None:
        if shape != ():
            raise ShapeError(f"output {output!r} has shape {shape}: pass a cotangent of that shape")
        return np.float64(1.0)
    if is_boxed(cotangent):  # a traced cotangent, in a nested derivative
        if cotangent.shape != shape:
            raise ShapeError(f"cotangent for output {output!r} has shape {cotangent.shape}, expected {shape}")
        return cotangent
    y_bar = np.asarray(as_value(cotangent, f"cotangent for output {output!r}"))
    if y_bar.shape != shape:
        raise ShapeError(f"cotangent for output {output!r} has shape {y_bar.shape}, expected {shape}")
    return np.float64(y_bar) if y_bar.ndim == 0 else y_bar
