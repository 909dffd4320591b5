"""Forward mode: one sweep in evaluation order carrying a tangent beside every primal value.

The pair (``values[k]``, ``tangents[k]``) is the dual number of node ``k``; each
operation's tangent comes from its primitive's forward rules. A tangent of ``None`` is a
structural zero: the node does not depend on the seed, and nothing is computed for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphdiff.errors import SeedError, ShapeError
from graphdiff.ir.program import Program
from graphdiff.modes.evaluate import Lift, place_leaves
from graphdiff.values import as_output

if TYPE_CHECKING:  # a mode runs on a program; the graph above it is only named in annotations
    from graphdiff.graph.graph import Graph

__all__ = ["forward", "forward_sweep", "ForwardResult"]


def forward_sweep(
    program: Program,
    inputs: list,
    seeds: Mapping[int, Any],
    lift: Lift | None = None,
    boxed: bool = False,
    values: list | None = None,
) -> tuple[list, list]:
    """Run one forward sweep. ``seeds`` maps input slots to their tangents.

    Returns ``(values, tangents)`` by slot. Tangents may carry leading batch axes
    (several directions at once: vector forward mode). ``boxed``: values or tangents
    include tracers (each primitive is then applied as a whole); ``values``: the primal
    values of an evaluation already made, which the sweep reads instead of computing.
    """
    evaluated = values is not None
    values = list(values) if evaluated else place_leaves(program, inputs, lift)
    tangents: list[Any] = [None] * len(program)
    for slot, x_dot in seeds.items():
        tangents[slot] = x_dot
    for prim, out, args, params, _ in program.ops:
        arg_values = [values[a] for a in args]
        if evaluated:
            y = values[out]
        else:
            values[out] = y = (prim if boxed else prim.impl)(*arg_values, **params)
        arg_dots = [tangents[a] for a in args]
        if any(t is not None for t in arg_dots):
            tangents[out] = prim.tangent_out(y, arg_values, arg_dots, params)
    return values, tangents


@dataclass(frozen=True)
class ForwardResult:
    """What a forward sweep found, keyed by node name.

    ``tangents[node]`` is d(node)/d(seed) for every node; ``zeros`` are the nodes whose
    tangent is a structural zero (they do not depend on the seed and cost nothing).
    """

    graph: Graph
    seed: dict[str, Any]
    values: dict[str, Any]
    tangents: dict[str, Any]
    zeros: frozenset[str]

    @property
    def output_tangents(self) -> Any:
        """The outputs' tangents: one value for a single output, else a tuple."""
        outs = tuple(self.tangents[n] for n in self.graph.outputs)
        return outs[0] if len(outs) == 1 else outs


def forward(
    graph: Graph,
    inputs: Mapping[str, Any] | Sequence[Any],
    seed: str | Mapping[str, Any] | None = None,
) -> ForwardResult:
    """One forward sweep, seeded at one input, giving d(node)/d(seed) at every node.

    Parameters
    ----------
    graph : Graph
    inputs : mapping or sequence
        The input values, by name or in input order.
    seed : str or mapping, optional
        The input to differentiate by (its tangent is 1, every other input's 0), or a
        mapping from input names to tangents (a directional derivative). May be omitted
        when the graph has one input.

    Raises
    ------
    SeedError
        If the seed names no input.

    Examples
    --------
    >>> import graphdiff as gd
    >>> fw = gd.forward(gd.builders.colah(), {"a": 2.0, "b": 1.0}, seed="b")
    >>> {n: fw.tangents[n] for n in "abcde"}
    {'a': 0.0, 'b': 1.0, 'c': 1.0, 'd': 1.0, 'e': 5.0}
    """
    program = graph.program
    values = graph.bind_inputs(inputs)
    seed_tangents = _seed_tangents(graph, seed)
    seeds = {program.slot[name]: t for name, t in seed_tangents.items()}
    values, tangents = forward_sweep(program, values, seeds)
    names = program.names
    return ForwardResult(
        graph=graph,
        seed={k: as_output(v) for k, v in seed_tangents.items()},
        values={n: as_output(v) for n, v in zip(names, values)},
        tangents={
            n: as_output(np.zeros(program.shapes[k]) if t is None else t)
            for k, (n, t) in enumerate(zip(names, tangents))
        },
        zeros=frozenset(n for n, t in zip(names, tangents) if t is None),
    )


def _seed_tangents(graph: Graph, seed: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if seed is None:
        if len(graph.inputs) != 1:
            raise SeedError(f"{graph.name} has inputs {graph.inputs}: name the one to seed")
        seed = graph.inputs[0]
    if isinstance(seed, str):
        seed = {seed: None}  # a unit tangent, shaped like the input
    out = {}
    for name, x_dot in seed.items():
        if name not in graph.inputs:
            raise SeedError(f"cannot seed {name!r}: it is not an input of {graph.name} {graph.inputs}")
        if x_dot is None:
            x_dot = np.ones(graph.shape_of(name))
        x_dot = np.asarray(x_dot, dtype=float)
        shape = graph.shape_of(name)
        if x_dot.shape != shape:
            raise ShapeError(f"tangent for input {name!r} has shape {x_dot.shape}, expected {shape}")
        out[name] = np.float64(x_dot) if x_dot.ndim == 0 else x_dot
    return out
