"""The graph and tracing: a networkx graph of primitives, and how a Python function becomes one.

- :mod:`~graphdiff.graph.graph`: :class:`Graph`, over a networkx ``MultiDiGraph``;
- :mod:`~graphdiff.graph.tracer`: :func:`trace`, which records a function run on tracers;
- :mod:`~graphdiff.graph.captures`: what a traced function reads besides its arguments;
- :mod:`~graphdiff.graph.passes`: simplifications of a graph (:func:`cse`, :func:`dce`).
"""

from graphdiff.graph.graph import Graph
from graphdiff.graph.passes import cse, dce
from graphdiff.graph.tracer import Tracer, trace

__all__ = ["Graph", "Tracer", "trace", "cse", "dce"]
