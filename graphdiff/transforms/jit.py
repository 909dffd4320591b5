"""``jit``: trace a function, derivatives and all, into one graph and compile it at once.

Whatever ``f`` computes, nested transformations included, is recorded as one graph (the
derivatives as the derivative graphs their sweeps make), and that graph's evaluation is
compiled on the first call instead of once repeated calls have paid for it: for users
who know they will call often. A graph with arrays is not compiled to code (numpy does
its work); it is simplified once instead: what no output needs is dropped
(:func:`~graphdiff.dce`) and what is computed twice is shared (:func:`~graphdiff.cse`). A
forward-over-reverse Hessian-vector product that returns only the product does both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphdiff.compiler.codegen import fast
from graphdiff.graph.graph import Graph
from graphdiff.graph.passes import cse, dce
from graphdiff.graph.pytree import flatten, unflatten
from graphdiff.graph.tracer import Tracer
from graphdiff.transforms.api import _Traced

__all__ = ["jit"]


def jit(f: Callable[..., Any] | Graph) -> Callable[..., Any]:
    """``f`` traced once per argument shapes, its graph compiled on the first call.

    Returns the same values as ``f``, in the same structure (a tuple stays a tuple, a
    1-tuple too). Scalar graphs run as straight-line code from the first call; graphs with
    arrays are interpreted, once simplified by :func:`graphdiff.dce` and
    :func:`graphdiff.cse`, with the same bits.

    Examples
    --------
    >>> import graphdiff as gd
    >>> f = lambda x, y: gd.sin(x) * y
    >>> fast_grad = gd.jit(gd.grad(f))
    >>> fast_grad(0.5, 2.0) == gd.grad(f)(0.5, 2.0)
    True
    """
    traced = _Traced(f)

    def jitted(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(x, Tracer) for x in flatten((args, kwargs))[0]):
            return f(*args, **kwargs)  # inside another trace: record f itself
        graph, inputs = traced.graph(args, kwargs)
        packing = traced.packing(graph)  # how f took its arguments and returned its result
        if fast(graph.program, "evaluate", force=True) is None:  # arrays: run the simplified graph
            # kept with the graph's program, so it goes when the trace does
            graph = graph.program.__dict__.get("_jit_simplified") or _simplify(graph)
        out = graph(*inputs)
        return unflatten(packing.result, (out,) if len(graph.outputs) == 1 else out)

    return jitted


def _simplify(graph: Graph) -> Graph:
    simplified = cse(dce(graph))
    graph.program.__dict__["_jit_simplified"] = simplified
    return simplified
