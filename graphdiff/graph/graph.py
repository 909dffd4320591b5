"""The computational graph: a networkx ``MultiDiGraph`` of inputs, constants and operations."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.errors import (
    ExtraInputError,
    FrozenGraphError,
    InputError,
    MissingInputError,
    NodeError,
    ShapeError,
    UnknownInputError,
)
from graphdiff.ir.program import infer_shape
from graphdiff.primitives.boxing import Box
from graphdiff.primitives.table import Primitive, get_primitive, params_from_lists
from graphdiff.values import as_shape, as_value

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

    # a function closing over a graph reads it as it is: the graph is read-only once built
    # (see graphdiff.graph.captures), so identity tells whether it is the same one
    _graphdiff_identity_ = True

    def __init__(self, name: str = "graph") -> None:
        from graphdiff.ir.program import ProgramBuilder

        self._nx = _Network(name=name, inputs=(), outputs=())
        self._inputs: list[str] = []
        self._outputs: list[str] = []
        self._counter = itertools.count()
        self._program = None
        # the program, kept up to date as nodes are added, so that tracing needs no second
        # pass; None for a graph made from a networkx graph, which is compiled instead
        self._builder: ProgramBuilder | None = ProgramBuilder()
        # nodes and edges added since networkx was last asked for: they enter the networkx
        # graph in one batch when someone reads it, so that tracing and a first gradient,
        # which need only the program, do not pay networkx's cost per node
        self._new_nodes: list[tuple[str, dict]] = []
        self._new_edges: list[tuple[str, Sequence[str]]] = []  # (node, its arguments in order)
        self._exposed = False  # once handed out (read-only), nodes go straight into networkx

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The networkx graph itself, read-only: read it and hand it to networkx's algorithms freely.

        Editing it raises :class:`~graphdiff.FrozenGraphError` (an edit would not reach
        the compiled program). To change a graph, edit a copy and make a new graph of it::

            H = g.nx.copy()
            H.remove_edge("a", "c", key=0)
            ...
            g2 = Graph.from_networkx(H)
        """
        if not self._exposed or self._new_nodes or self._new_edges:
            nodes, edges = self._new_nodes, self._new_edges
            self._new_nodes, self._new_edges = [], []
            self._nx.add_nodes_from(nodes)
            self._nx.add_edges_from(_edges_into(edges))
            _freeze(self._nx)
            self._exposed = True
        return self._nx

    @nx.setter
    def nx(self, graph: nx.MultiDiGraph) -> None:
        self._adopt(graph)

    @classmethod
    def from_networkx(cls, graph: nx.MultiDiGraph | dict, name: str | None = None) -> Graph:
        """A :class:`Graph` made from a networkx ``MultiDiGraph`` in graphdiff's layout.

        ``graph`` may also be the dict ``nx.node_link_data(g.nx)`` gives, as it is or
        after a JSON round trip (its edges under ``"edges"`` or, as older networkx wrote
        them, ``"links"``). It is checked in full (kinds, primitives, argument positions,
        cycles, shapes) and copied: later edits to it do not reach the new graph. This is
        the way to change a graph: edit ``g.nx.copy()``, then make a graph of it.

        Raises a :class:`~graphdiff.GraphError` subclass naming the offending node.

        Examples
        --------
        >>> import graphdiff as gd, networkx as nx
        >>> H = gd.builders.colah().nx.copy()
        >>> H.nodes["e"]["op"] = "add"          # e = c + d instead of c * d
        >>> gd.Graph.from_networkx(H)(2.0, 1.0)
        5.0
        >>> gd.Graph.from_networkx(nx.node_link_data(H))(2.0, 1.0)
        5.0
        """
        if isinstance(graph, dict):
            graph = _from_node_link(graph)
        if not isinstance(graph, nx.MultiDiGraph):
            raise NodeError(
                f"expected a networkx MultiDiGraph or the dict nx.node_link_data gives, got {type(graph).__name__}"
            )
        made = cls(name if name is not None else str(graph.graph.get("name", "graph")))
        made._adopt(graph)
        return made

    def _adopt(self, graph: nx.MultiDiGraph) -> None:
        """Become a validated, read-only copy of ``graph``."""
        from graphdiff.ir.program import compile_program

        copy = _Network()
        copy.graph.update(graph.graph)
        copy.add_nodes_from((n, _from_lists(d)) for n, d in graph.nodes(data=True))
        copy.add_edges_from((u, v, k, dict(d)) for u, v, k, d in graph.edges(keys=True, data=True))
        inputs, outputs = list(graph.graph.get("inputs", ())), list(graph.graph.get("outputs", ()))
        copy.graph.update(
            inputs=tuple(inputs), outputs=tuple(outputs), name=copy.graph.get("name", self.name)
        )
        program = compile_program(copy)  # validates every node before anything is replaced
        for node, shape in zip(program.names, program.shapes):
            copy._node[node]["shape"] = shape
        _freeze(copy)
        self._nx, self._inputs, self._outputs = copy, inputs, outputs
        self._new_nodes, self._new_edges = [], []
        self._exposed, self._builder, self._program = True, None, program

    def _attrs(self, node: Any) -> tuple[str, tuple[int, ...]] | None:
        """A node's kind and shape, or None if there is no such node (without flushing to networkx)."""
        if self._builder is not None and not self._exposed:
            k = self._builder.slot.get(node) if isinstance(node, str) else None
            return None if k is None else (self._builder.kinds[k], self._builder.shapes[k])
        data = self.nx._node.get(node) if isinstance(node, str) else None
        return None if data is None else (data.get("kind"), data.get("shape"))

    def shape_of(self, node: str) -> tuple[int, ...]:
        """The shape of ``node``'s value."""
        attrs = self._attrs(node)
        if attrs is None:
            raise NodeError(f"{node!r} is not a node of {self.name}")
        return attrs[1]

    # --- building -----------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._nx.graph["name"]

    @property
    def inputs(self) -> list[str]:
        """The input nodes, in the order positional arguments bind to them (a copy)."""
        return list(self._inputs)

    @property
    def outputs(self) -> list[str]:
        """The output nodes, in order (a copy)."""
        return list(self._outputs)

    def _new_name(self, name: str | None, stem: str) -> str:
        number = next(self._counter)
        if name is None:
            name = f"{stem}_{number}"
            while self._attrs(name) is not None:
                name = f"{stem}_{next(self._counter)}"
        elif not isinstance(name, str) or not name:
            raise NodeError(f"node names are non-empty strings, got {name!r}")
        elif self._attrs(name) is not None:
            raise NodeError(f"a node named {name!r} already exists")
        self._program = None
        return name

    def add_input(self, name: str, shape: Sequence[int] = ()) -> str:
        """Add an input node with the given name and value shape; return its name.

        ``shape`` is a tuple or list of non-negative integers (an integer ``n`` means
        ``(n,)``); anything else, a bool or a string included, is a
        :class:`~graphdiff.ShapeError` naming the input.

        Examples
        --------
        >>> from graphdiff import Graph
        >>> g = Graph()
        >>> g.add_input("w", shape=(2, 3)), g.shape_of("w")
        ('w', (2, 3))
        >>> g.add_input("v", shape=(2.5,))
        Traceback (most recent call last):
        ...
        graphdiff.errors.ShapeError: input 'v': a shape is a tuple of non-negative integers, got (2.5,): dimension 0 is 2.5 (float)
        """
        if type(shape) is not tuple or shape:  # a scalar, the common case, needs no check
            shape = as_shape(shape, f"input {name!r}")
        name = self._new_name(name, "x")
        self._add_node(name, {"kind": "input", "shape": shape})
        self._inputs.append(name)
        dict.__setitem__(self._nx.graph, "inputs", tuple(self._inputs))
        if self._builder is not None:
            self._builder.input(name, shape)
        return name

    def add_const(self, value: Any, name: str | None = None) -> str:
        """Add a constant node holding ``value`` (a number or array); return its name.

        ``value`` must be a real number or an array of them: None, bools, strings,
        complex numbers and ragged lists are a :class:`~graphdiff.ValueTypeError`.
        """
        value = as_value(value, "constant" if name is None else f"constant {name!r}")
        name = self._new_name(name, "const")
        self._add_node(name, {"kind": "const", "value": value, "shape": np.shape(value)})
        if self._builder is not None:
            self._builder.const(name, value)
        return name

    def add_op(self, op: str | Primitive, *args: str, name: str | None = None, **params: Any) -> str:
        """Add an operation applying primitive ``op`` to the nodes ``args``, in order.

        Returns the new node's name (``name``, or ``<op>_<number>``). Raises
        :class:`~graphdiff.UnknownPrimitiveError`, :class:`~graphdiff.ArityError`,
        :class:`~graphdiff.ParameterError` (a parameter of the wrong type, checked now
        rather than at the first evaluation), :class:`~graphdiff.NodeError` (an argument
        is not a node) or :class:`~graphdiff.ShapeError` naming the node.
        """
        prim = op if isinstance(op, Primitive) else get_primitive(op, where=name or "")
        prim.check_call(len(args), params, where=name or "")
        arg_attrs = [self._attrs(a) for a in args]
        if None in arg_attrs:
            missing = args[arg_attrs.index(None)]
            raise NodeError(f"argument {missing!r} of {name or prim.name!r} is not a node of the graph")
        return self._record_op(prim, args, [attrs[1] for attrs in arg_attrs], params, name)[0]

    def _record_op(
        self, prim: Primitive, args: Sequence[str], arg_shapes: list, params: dict, name: str | None = None
    ) -> tuple[str, tuple[int, ...]]:
        """Add an operation whose primitive, arity and argument nodes are already checked.

        Returns the new node's name and the shape it inferred for its value.
        """
        shape = infer_shape(prim, arg_shapes, params, name, args)
        name = self._new_name(name, prim.name)
        self._add_node(name, {"kind": "op", "op": prim.name, "params": dict(params), "shape": shape})
        if self._builder is not None and not self._exposed:
            self._new_edges.append((name, args))
        else:
            with _unfrozen(self._nx, name):
                self._nx.add_edges_from(_edges_into([(name, args)]))
        if self._builder is not None:
            self._builder.op(name, prim, args, dict(params) if params else None, shape)
        return name, shape

    def _add_node(self, name: str, attrs: dict) -> None:
        if self._builder is not None and not self._exposed:
            self._new_nodes.append((name, attrs))
        else:
            with _unfrozen(self._nx, name):
                self._nx.add_node(name, **attrs)

    def set_outputs(self, *names: str) -> None:
        """Make ``names`` the graph's outputs, in order (a name may repeat); at least one."""
        if not names:
            raise NodeError("set_outputs needs at least one node name")
        for n in names:
            if self._attrs(n) is None:
                hint = "; pass the names as separate arguments" if isinstance(n, (list, tuple)) else ""
                raise NodeError(f"output {n!r} is not a node of the graph{hint}")
        self._outputs = list(names)
        dict.__setitem__(self._nx.graph, "outputs", tuple(names))
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
        return len(self._nx) + len(self._new_nodes)

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self)} nodes, inputs {self.inputs}, outputs {self.outputs}>"

    @property
    def program(self):
        """The graph compiled to a flat instruction list (validated once, then cached)."""
        if self._program is None:
            from graphdiff.ir.program import compile_program

            if self._builder is not None:
                self._program = self._builder.build(self._inputs, self._outputs)  # valid by construction
            else:
                self._program = compile_program(self.nx)
        return self._program

    # --- evaluating ---------------------------------------------------------------

    def bind(self, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None) -> list[Any]:
        """Match positional and keyword values to the inputs; return them in input order.

        A graph traced from a function of pytrees also takes the arguments as that function
        did (``g(params, X)``), read leaf by leaf; its outputs stay the graph's own, flat.

        Values become ``float64`` scalars or arrays; each is checked against its input's
        shape. Raises :class:`~graphdiff.InputError` subclasses naming the input.
        """
        inputs = self._inputs
        if getattr(self, "_container_args", False) and not kwargs and len(args) == len(self._pytrees.args):
            trees = self._pytrees.args  # the arguments as the traced function took them (a params dict)
            given = [
                tree.kind is not None and isinstance(a, (dict, list, tuple)) for tree, a in zip(trees, args)
            ]
            if any(given):
                from graphdiff.graph.pytree import flatten_up_to

                args = [
                    leaf
                    for k, (tree, a) in enumerate(zip(trees, args))
                    for leaf in (flatten_up_to(tree, a, f"argument {k} of {self.name}") if given[k] else [a])
                ]
        if not kwargs and len(args) == len(inputs) and self._program is not None:
            return self._bind_in_order(args)  # the common case, kept cheap: every value, in order
        kwargs = dict(kwargs or {})
        if len(args) > len(inputs):
            raise ExtraInputError(
                f"{self.name} takes {len(inputs)} input(s) {inputs}, got {len(args)} positional values"
            )
        bound = dict(zip(inputs, args))
        for key, value in kwargs.items():
            attrs = self._attrs(key)
            if attrs is None or attrs[0] != "input":
                raise UnknownInputError(f"{key!r} is not an input of {self.name}; inputs are {inputs}")
            if key in bound:
                raise InputError(f"input {key!r} of {self.name} given twice")
            bound[key] = value
        missing = [n for n in inputs if n not in bound]
        if missing:
            raise MissingInputError(f"no value for input(s) {missing} of {self.name}")
        values = []
        for name in inputs:
            value, expected = bound[name], self._attrs(name)[1]
            if type(value) is float and expected == ():  # the common case, kept cheap for big graphs
                values.append(np.float64(value))
                continue
            if not isinstance(value, Box):  # a traced or dual value stays as it is: its sweep records
                value = as_value(value, f"input {name!r}")
            if np.shape(value) != expected:
                raise ShapeError(
                    f"input {name!r} of {self.name} has shape {expected}, got a value of shape {np.shape(value)}"
                )
            values.append(value)
        return values

    def _bind_in_order(self, args: Sequence[Any]) -> list[Any]:
        """:meth:`bind` for one value per input, in order, once the program is compiled."""
        program = self._program
        shapes = program.shapes
        values = []
        for name, slot, value in zip(self._inputs, program.input_slots, args):
            if not isinstance(value, Box):  # a traced or dual value stays as it is: its sweep records
                value = as_value(value, f"input {name!r}")
            if np.shape(value) != shapes[slot]:
                raise ShapeError(
                    f"input {name!r} of {self.name} has shape {shapes[slot]}, got a value of shape {np.shape(value)}"
                )
            values.append(value)
        return values

    def bind_inputs(self, inputs: Mapping[str, Any] | Sequence[Any]) -> list[Any]:
        """Like :meth:`bind`, for values given as one mapping (by name) or one sequence (in order)."""
        return self.bind((), inputs) if isinstance(inputs, Mapping) else self.bind(inputs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate the graph; return its output, or a tuple of outputs."""
        from graphdiff.compiler.codegen import fast, interpreted, run, run_hot
        from graphdiff.modes.evaluate import evaluate

        outputs = None if kwargs else run_hot(self._program, "evaluate", args)  # floats, unbound
        if outputs is None:
            inputs = self.bind(args, kwargs)
            if any(isinstance(x, Box) for x in inputs):  # called on tracers or duals: apply every primitive
                values = evaluate(self.program, inputs, boxed=True)
                outs = tuple(values[s] for s in self.program.output_slots)
                return outs[0] if len(outs) == 1 else outs
            outputs = run(fast(self.program, "evaluate"), inputs)
            if outputs is None:  # not generated (yet), or numpy's nan/inf semantics needed
                started = time.perf_counter()
                packed = self.program.pack_outputs(evaluate(self.program, inputs))
                interpreted(self.program, "evaluate", started)
                return packed
        return outputs[0] if len(outputs) == 1 else outputs


def _from_lists(data: dict) -> dict:
    """A node's attributes, with parameters given as lists (``nx.node_link_data`` through JSON) as tuples."""
    data = dict(data)
    if isinstance(data.get("params"), dict):
        data["params"] = params_from_lists(data["params"])
    return data


def _edges_into(nodes: list[tuple[str, Sequence[str]]]) -> Any:
    """The edges ``(argument, node, position)`` of operation nodes given with their arguments."""
    return ((arg, node, position) for node, args in nodes for position, arg in enumerate(args))


_EDIT_A_COPY = (
    "the networkx graph of a graphdiff Graph is read-only (an edit would not reach what is compiled): "
    "edit a copy, H = g.nx.copy(), and make a graph of it with graphdiff.Graph.from_networkx(H)"
)


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise FrozenGraphError(_EDIT_A_COPY)


class _Attributes(dict):
    """A node's, an edge's or the graph's attribute dict: writable while graphdiff builds, then locked."""

    __slots__ = ("locked",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locked = False

    def _writable(self) -> None:
        if self.locked:
            raise FrozenGraphError(_EDIT_A_COPY)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._writable()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._writable()
        super().__delitem__(key)

    def __ior__(self, other: Any) -> _Attributes:
        self._writable()
        return super().__ior__(other)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._writable()
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._writable()
        return super().setdefault(key, default)

    def pop(self, *args: Any) -> Any:
        self._writable()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._writable()
        return super().popitem()

    def clear(self) -> None:
        self._writable()
        super().clear()


class _Network(nx.MultiDiGraph):
    """The networkx graph inside a :class:`Graph`; its attribute dicts can be locked.

    A copy (``g.nx.copy()``) is an ordinary, editable graph of this class.
    """

    node_attr_dict_factory = _Attributes
    edge_attr_dict_factory = _Attributes
    graph_attr_dict_factory = _Attributes


_MUTATORS = (
    "add_node", "add_nodes_from", "remove_node", "remove_nodes_from", "add_edge", "add_edges_from",
    "add_weighted_edges_from", "remove_edge", "remove_edges_from", "update", "clear", "clear_edges",
)  # fmt: skip


def _freeze(graph: _Network, nodes: Any = None) -> None:
    """Make every edit of ``graph`` raise :class:`FrozenGraphError` (``nx.is_frozen`` then says so).

    ``nodes``: the nodes whose attributes to lock (default: all).
    """
    for method in _MUTATORS:
        setattr(graph, method, _refuse)
    graph.frozen = True
    if isinstance(graph.graph, _Attributes):
        graph.graph.locked = True
    _lock_nodes(graph, graph._node if nodes is None else nodes)


@contextlib.contextmanager
def _unfrozen(graph: _Network, node: str) -> Any:
    """Let graphdiff itself add ``node`` to a frozen graph (one that grows after it was read), then freeze it."""
    for method in _MUTATORS:
        graph.__dict__.pop(method, None)
    graph.frozen = False
    try:
        yield graph
    finally:
        _freeze(graph, [node] if node in graph._node else [])


def _lock_nodes(graph: _Network, nodes: Any) -> None:
    """Lock the attribute dicts of ``nodes`` and of the edges into them."""
    node_data, pred = graph._node, graph._pred
    for n in nodes:
        data = node_data[n]
        if isinstance(data, _Attributes):
            data.locked = True
        for keys in pred[n].values():
            for edge_data in keys.values():
                if isinstance(edge_data, _Attributes):
                    edge_data.locked = True


def _from_node_link(data: dict) -> nx.MultiDiGraph:
    """The MultiDiGraph a ``nx.node_link_data`` dict describes (the same on every networkx version)."""
    edges = data.get("edges", data.get("links"))
    if not isinstance(data.get("nodes"), list) or not isinstance(edges, list):
        raise NodeError("a node-link dict needs a list of 'nodes' and a list of 'edges' (or 'links')")
    if data.get("directed") is False or data.get("multigraph") is False:
        raise NodeError("a node-link dict of graphdiff's must be directed and a multigraph, as g.nx is")
    made = nx.MultiDiGraph()
    made.graph.update(data.get("graph") or {})
    for k, node in enumerate(data["nodes"]):
        if not isinstance(node, dict) or "id" not in node:
            raise NodeError(f"node {k} of the node-link dict has no 'id'")
        made.add_node(node["id"], **{a: v for a, v in node.items() if a != "id"})
    for k, edge in enumerate(edges):
        if not isinstance(edge, dict) or not {"source", "target", "key"} <= set(edge):
            raise NodeError(
                f"edge {k} of the node-link dict needs 'source', 'target' and 'key' (its argument)"
            )
        attrs = {a: v for a, v in edge.items() if a not in ("source", "target", "key")}
        made.add_edge(edge["source"], edge["target"], key=edge["key"], **attrs)
    return made
