"""The computational graph: a networkx ``MultiDiGraph`` of inputs, constants and operations."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from .errors import ExtraInputError, InputError, MissingInputError, NodeError, ShapeError, UnknownInputError
from .primitives import Primitive, get_primitive
from .program import infer_shape
from .values import as_value

__all__ = ["Graph"]


class Graph:
    """A computational graph over a networkx ``MultiDiGraph``.

    Nodes are named by strings and carry a ``kind``: ``"input"``, ``"const"`` (with its
    ``value``) or ``"op"`` (with the primitive's name in ``op`` and its ``params``).
    An edge ``u -> v`` with key ``i`` says that ``u`` is argument ``i`` of ``v``, so
    argument order is exact and ``x * x`` has two parallel edges. The graph's inputs and
    outputs are ordered lists in ``graph.nx.graph``.

    Build one by tracing a function (:func:`graphdiff.trace`), with the builders in
    :mod:`graphdiff.builders`, or node by node as below. Calling the graph evaluates it.

    Parameters
    ----------
    name : str, optional
        A name for tables and pictures.

    Examples
    --------
    >>> from graphdiff import Graph
    >>> g = Graph("colah")
    >>> a, b = g.add_input("a"), g.add_input("b")
    >>> c = g.add_op("add", a, b, name="c")
    >>> d = g.add_op("add", b, g.add_const(1.0), name="d")
    >>> g.set_outputs(g.add_op("mul", c, d, name="e"))
    >>> g(2.0, 1.0)
    6.0
    >>> g(a=2.0, b=1.0)
    6.0
    >>> import networkx as nx
    >>> list(nx.topological_sort(g.nx))
    ['a', 'b', 'const_3', 'c', 'd', 'e']
    """

    def __init__(self, name: str = "graph") -> None:
        from .program import ProgramBuilder

        self._nx = nx.MultiDiGraph(name=name, inputs=[], outputs=[])
        self._counter = itertools.count()
        self._program = None
        # the program, kept up to date as nodes are added, so that tracing needs no second
        # pass; None once the networkx graph may have been changed behind the builder's back
        self._builder: ProgramBuilder | None = ProgramBuilder()

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The networkx graph itself: read it and hand it to networkx's algorithms freely.

        After changing it directly, call :meth:`invalidate`; replacing it is noticed.
        """
        return self._nx

    @nx.setter
    def nx(self, graph: nx.MultiDiGraph) -> None:
        self._nx = graph
        self.invalidate()

    # --- building -----------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.nx.graph["name"]

    @property
    def inputs(self) -> list[str]:
        """The input nodes, in the order positional arguments bind to them."""
        return self.nx.graph["inputs"]

    @property
    def outputs(self) -> list[str]:
        """The output nodes, in order."""
        return self.nx.graph["outputs"]

    def _new_name(self, name: str | None, stem: str) -> str:
        number = next(self._counter)
        if name is None:
            name = f"{stem}_{number}"
            while name in self.nx:
                name = f"{stem}_{next(self._counter)}"
        elif not isinstance(name, str) or not name:
            raise NodeError(f"node names are non-empty strings, got {name!r}")
        elif name in self.nx:
            raise NodeError(f"a node named {name!r} already exists")
        self._program = None
        return name

    def add_input(self, name: str, shape: Sequence[int] = ()) -> str:
        """Add an input node with the given name and value shape; return its name."""
        name = self._new_name(name, "x")
        shape = tuple(int(n) for n in shape)
        self.nx.add_node(name, kind="input", shape=shape)
        self.inputs.append(name)
        if self._builder is not None:
            self._builder.input(name, shape)
        return name

    def add_const(self, value: Any, name: str | None = None) -> str:
        """Add a constant node holding ``value`` (a number or array); return its name."""
        value = as_value(value, "constant")
        name = self._new_name(name, "const")
        self.nx.add_node(name, kind="const", value=value, shape=np.shape(value))
        if self._builder is not None:
            self._builder.const(name, value)
        return name

    def add_op(self, op: str | Primitive, *args: str, name: str | None = None, **params: Any) -> str:
        """Add an operation applying primitive ``op`` to the nodes ``args``, in order.

        Returns the new node's name (``name``, or ``<op>_<number>``). Raises
        :class:`~graphdiff.UnknownPrimitiveError`, :class:`~graphdiff.ArityError`,
        :class:`~graphdiff.NodeError` (an argument is not a node) or
        :class:`~graphdiff.ShapeError` naming the node.
        """
        prim = op if isinstance(op, Primitive) else get_primitive(op, where=name or "")
        prim.check_call(len(args), params, where=name or "")
        nodes = self.nx._node  # networkx's node dict: much faster than the NodeView
        try:
            arg_shapes = [nodes[a]["shape"] for a in args]
        except (KeyError, TypeError):
            missing = next(a for a in args if not isinstance(a, str) or a not in nodes)
            raise NodeError(
                f"argument {missing!r} of {name or prim.name!r} is not a node of the graph"
            ) from None
        where = f"{prim.name} node {name!r}" if name else f"{prim.name}({', '.join(args)})"
        shape = infer_shape(prim, arg_shapes, params, where)
        name = self._new_name(name, prim.name)
        self.nx.add_node(name, kind="op", op=prim.name, params=dict(params), shape=shape)
        for position, arg in enumerate(args):
            self.nx.add_edge(arg, name, key=position)
        if self._builder is not None:
            self._builder.op(name, prim, args, dict(params) if params else None, shape)
        return name

    def set_outputs(self, *names: str) -> None:
        """Make ``names`` the graph's outputs, in order (a name may repeat)."""
        for n in names:
            if n not in self.nx:
                raise NodeError(f"output {n!r} is not a node of the graph")
        self.nx.graph["outputs"] = list(names)
        self._program = None

    # --- reading ------------------------------------------------------------------

    def args(self, node: str) -> list[str]:
        """The argument nodes of ``node``, in order."""
        edges = sorted(self.nx.in_edges(node, keys=True), key=lambda e: e[2])
        return [u for u, _, _ in edges]

    def label(self, node: str) -> str:
        """A short human-readable description: ``add(a, b)``, ``const 1.0``, ``input``."""
        data = self.nx.nodes[node]
        if data["kind"] == "op":
            params = "".join(f", {k}={v}" for k, v in data.get("params", {}).items())
            return f"{data['op']}({', '.join(self.args(node))}{params})"
        if data["kind"] == "const":
            return f"const {data['value']}"
        return "input"

    def __len__(self) -> int:
        return len(self.nx)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a graph as a picture of its structure (when matplotlib is installed)."""
        from .draw import structure_svg

        return structure_svg(self)

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self.nx)} nodes, inputs {self.inputs}, outputs {self.outputs}>"

    @property
    def program(self):
        """The graph compiled to a flat instruction list (validated once, then cached).

        Modifying ``graph.nx`` directly afterwards needs :meth:`invalidate`.
        """
        if self._program is None:
            from .program import compile_program

            if self._builder is not None and self._builder.describes(self.nx):  # valid by construction
                self._program = self._builder.build(self.inputs, self.outputs)
            else:
                self._program = compile_program(self.nx)
        return self._program

    def invalidate(self) -> None:
        """Forget the compiled program after ``graph.nx`` was changed directly.

        The next sweep validates and compiles the networkx graph afresh.
        """
        self._program = None
        self._builder = None

    # --- evaluating ---------------------------------------------------------------

    def bind(self, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None) -> list[Any]:
        """Match positional and keyword values to the inputs; return them in input order.

        Values become ``float64`` scalars or arrays; each is checked against its input's
        shape. Raises :class:`~graphdiff.InputError` subclasses naming the input.
        """
        kwargs = dict(kwargs or {})
        inputs = self.inputs
        if len(args) > len(inputs):
            raise ExtraInputError(
                f"{self.name} takes {len(inputs)} input(s) {inputs}, got {len(args)} positional values"
            )
        bound = dict(zip(inputs, args))
        for key, value in kwargs.items():
            if key not in self.nx or self.nx.nodes[key]["kind"] != "input":
                raise UnknownInputError(f"{key!r} is not an input of {self.name}; inputs are {inputs}")
            if key in bound:
                raise InputError(f"input {key!r} of {self.name} given twice")
            bound[key] = value
        missing = [n for n in inputs if n not in bound]
        if missing:
            raise MissingInputError(f"no value for input(s) {missing} of {self.name}")
        values = []
        nodes = self.nx._node
        for name in inputs:
            value, expected = bound[name], nodes[name]["shape"]
            if type(value) is float and expected == ():  # the common case, kept cheap for big graphs
                values.append(np.float64(value))
                continue
            value = as_value(value, f"input {name!r}")
            if np.shape(value) != expected:
                raise ShapeError(
                    f"input {name!r} of {self.name} has shape {expected}, got a value of shape {np.shape(value)}"
                )
            values.append(value)
        return values

    def bind_inputs(self, inputs: Mapping[str, Any] | Sequence[Any]) -> list[Any]:
        """Like :meth:`bind`, for values given as one mapping (by name) or one sequence (in order)."""
        return self.bind((), inputs) if isinstance(inputs, Mapping) else self.bind(inputs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate the graph; return its output, or a tuple of outputs."""
        from .codegen import ARITHMETIC_ERRORS, fast
        from .evaluate import evaluate

        inputs = self.bind(args, kwargs)
        compiled = fast(self.program, "evaluate")
        if compiled is not None:
            try:
                outputs = compiled(*map(float, inputs))
                return outputs[0] if len(outputs) == 1 else outputs
            except ARITHMETIC_ERRORS:
                pass  # numpy's nan/inf semantics, from the interpreter
        return self.program.pack_outputs(evaluate(self.program, inputs))
