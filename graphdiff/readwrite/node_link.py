"""Saving and loading graphs as JSON, in networkx's node-link format.

Each node carries its ``kind``, and operations their primitive's name (``op``) and
``params``; each edge carries its argument position as ``key``. Loading checks every
field and compiles the graph (cycles, arity, shapes) before returning it; a file can only
name primitives from the table, so loading never runs code from the file.

A file holds one JSON object::

    {"directed": true, "multigraph": true,
     "graph": {"name": "colah", "inputs": ["a", "b"], "outputs": ["e"],
               "format": "graphdiff-node-link"},
     "nodes": [{"id": "a", "kind": "input", "shape": []},
               {"id": "k", "kind": "const", "value": 1.0, "shape": []},
               {"id": "c", "kind": "op", "op": "add", "params": {}, "shape": []}, ...],
     "edges": [{"source": "a", "target": "c", "key": 0}, ...]}

Every field is checked on loading, and a field that is not one of these is refused (a
misspelt ``"shap"`` would otherwise leave an input scalar without a word). ``shape`` is
optional (an input without one is a scalar; for constants and operations it is checked
against the shape the value or the arguments give), and so is ``params`` (``{}``). A bad
file raises a :class:`~graphdiff.GraphError` whose message names the file and the field;
structural faults keep their own class (:class:`~graphdiff.CycleError`,
:class:`~graphdiff.ArityError`, :class:`~graphdiff.ParameterError`,
:class:`~graphdiff.UnknownPrimitiveError`, :class:`~graphdiff.ShapeError`), malformed
fields are a :class:`~graphdiff.GraphFormatError`, and a file that cannot be opened is a
:class:`~graphdiff.GraphFileError` (also an ``OSError``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.errors import ArgumentError, GraphError, GraphFileError, GraphFormatError, ValueTypeError
from graphdiff.graph.graph import Graph
from graphdiff.primitives.table import get_primitive, params_from_lists
from graphdiff.values import as_shape, as_value, brief

__all__ = ["to_json", "from_json", "save", "load", "FORMAT"]

FORMAT = "graphdiff-node-link"

_TOP_FIELDS = frozenset({"directed", "multigraph", "graph", "nodes", "edges"})
_GRAPH_FIELDS = frozenset({"name", "inputs", "outputs", "format"})
_NODE_FIELDS = {
    "input": frozenset({"id", "kind", "shape"}),
    "const": frozenset({"id", "kind", "value", "shape"}),
    "op": frozenset({"id", "kind", "op", "params", "shape"}),
}
_EDGE_FIELDS = frozenset({"source", "target", "key"})


def to_json(graph: Graph) -> dict[str, Any]:
    """The graph as a JSON-ready node-link dict.

    The graph is compiled first, so a graph that is not a valid computation (say, one
    whose ``graph.nx`` was edited into a cycle) raises here instead of being written.

    Examples
    --------
    >>> from graphdiff import builders
    >>> doc = to_json(builders.colah())
    >>> doc["graph"]["inputs"], [n["id"] for n in doc["nodes"] if n["kind"] == "op"]
    (['a', 'b'], ['c', 'd', 'e'])
    >>> from_json(doc)(2.0, 1.0)
    6.0
    """
    if not isinstance(graph, Graph):
        raise ArgumentError(f"to_json takes a graphdiff Graph, got {brief(graph)}")
    program = graph.program
    values = {program.names[k]: value for k, value in program.consts}
    nodes = []
    for name, data in graph.nx.nodes(data=True):
        node: dict[str, Any] = {"id": name, "kind": data["kind"]}
        if data["kind"] == "const":
            node["value"] = np.asarray(values[name]).tolist()
        elif data["kind"] == "op":
            node["op"] = data["op"]
            node["params"] = dict(data.get("params") or {})
        node["shape"] = list(program.shapes[program.slot[name]])
        nodes.append(node)
    meta = {
        "name": str(graph.name),
        "inputs": list(graph.inputs),
        "outputs": list(graph.outputs),
        "format": FORMAT,
    }
    edges = [{"source": u, "target": v, "key": key} for u, v, key in graph.nx.edges(keys=True)]
    return {"directed": True, "multigraph": True, "graph": meta, "nodes": nodes, "edges": edges}


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write the graph to ``path`` as JSON (UTF-8).

    Raises :class:`~graphdiff.GraphFileError` (an ``OSError`` too) naming the file when
    it cannot be written, and writes nothing if the graph cannot be turned into JSON.

    Examples
    --------
    >>> import os, tempfile
    >>> from graphdiff import builders
    >>> path = os.path.join(tempfile.mkdtemp(), "colah.json")
    >>> save(builders.colah(), path)
    >>> load(path)(2.0, 1.0)
    6.0
    """
    if not isinstance(graph, Graph):
        raise ArgumentError(f"save(graph, path) takes a graphdiff Graph first, got {brief(graph)}")
    where = _path_text(path)
    text = json.dumps(to_json(graph), indent=1)
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise _file_error(f"cannot write graph file {where}", err) from None


def load(path: str | os.PathLike) -> Graph:
    """Read a graph written by :func:`save`, checking every field.

    A file of ``json.dump(nx.node_link_data(g.nx))`` (no ``graph.format``) is read too,
    as :meth:`Graph.from_networkx` reads that dict.

    Raises
    ------
    GraphFileError
        The file cannot be opened (missing, a directory, no permission); also an ``OSError``.
    GraphFormatError
        It is not UTF-8 JSON, or a field is malformed.
    GraphError
        Another subclass for a graph that is not a computation (a cycle, an operation
        with the wrong arguments, shapes that do not fit).

    Every message starts with the file's name and names the field or node.
    """
    where = _path_text(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as err:
        raise GraphFormatError(
            f"{where}: not a UTF-8 text file (byte {err.object[err.start]:#04x} at offset {err.start})"
        ) from None
    except OSError as err:
        raise _file_error(f"cannot read graph file {where}", err) from None
    try:
        data = json.loads(text, object_pairs_hook=_object_without_repeats)
    except _RepeatedKey as err:
        raise GraphFormatError(f"{where}: a JSON object gives the field {err.args[0]!r} twice") from None
    except json.JSONDecodeError as err:
        raise GraphFormatError(f"{where}: not JSON ({err})") from None
    except RecursionError:
        raise GraphFormatError(f"{where}: not readable JSON: nested too deeply") from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise GraphFormatError(f"{where}: not readable JSON ({str(err).splitlines()[0]})") from None
    try:
        if _written_by_networkx(data):
            return Graph.from_networkx(data)  # json.dump(nx.node_link_data(g.nx)), checked in full there
        return from_json(data)
    except GraphError as err:
        raise _in_file(err, where) from None


def _written_by_networkx(data: Any) -> bool:
    """Whether ``data`` is what ``nx.node_link_data(g.nx)`` gives for a graphdiff graph: the
    graph's own attributes (inputs, outputs and perhaps a name), and no ``format``."""
    meta = data.get("graph") if isinstance(data, dict) else None
    return isinstance(meta, dict) and {"inputs", "outputs"} <= set(meta) <= {"inputs", "outputs", "name"}


class _RepeatedKey(Exception):
    """A JSON object names a key twice (``json`` would keep the last without a word)."""


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        raise _RepeatedKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


def from_json(data: Any) -> Graph:
    """Build and validate a graph from a node-link dict (see :func:`to_json`).

    Raises a :class:`~graphdiff.GraphError` naming the field (``nodes[2].params``) or
    node at fault; see the module docstring for which.

    Examples
    --------
    >>> doc = {"directed": True, "multigraph": True,
    ...        "graph": {"inputs": ["x"], "outputs": ["y"], "format": FORMAT},
    ...        "nodes": [{"id": "x", "kind": "input"}, {"id": "y", "kind": "op", "op": "sin"}],
    ...        "edges": [{"source": "x", "target": "y", "key": 0}, {"source": "x", "target": "y", "key": 1}]}
    >>> from_json(doc)
    Traceback (most recent call last):
    ...
    graphdiff.errors.GraphFormatError: edges[1].key: position 1 of 'y' is out of range: sin takes 1 argument(s), at positions 0..0
    """
    if not isinstance(data, dict):
        raise GraphFormatError(
            f"a graph file holds a JSON object with 'nodes' and 'edges' lists, got {_kind(data)}"
        )
    for key in ("nodes", "edges"):
        if key not in data:
            hint = (
                " (networkx's older default 'links' is not read: rename it 'edges')"
                if "links" in data
                else ""
            )
            raise GraphFormatError(
                f"a graph file holds a JSON object with 'nodes' and 'edges' lists: no {key!r}{hint}"
            )
        if not isinstance(data[key], list):
            raise GraphFormatError(f"{key!r} must be a list, got {_kind(data[key])}")
    _no_unknown_fields(data, _TOP_FIELDS, "the top level")
    for flag in ("directed", "multigraph"):
        if flag in data and data[flag] is not True:
            raise GraphFormatError(
                f"{flag!r} must be true (graphs are directed multigraphs), got {_kind(data[flag])}"
            )
    if "graph" not in data:
        raise GraphFormatError("a graph file needs a 'graph' object with 'inputs', 'outputs' and 'format'")
    meta = data["graph"]
    if not isinstance(meta, dict):
        raise GraphFormatError(
            f"'graph' must be an object with 'inputs', 'outputs' and 'format', got {_kind(meta)}"
        )
    _no_unknown_fields(meta, _GRAPH_FIELDS, "graph")
    if meta.get("format") != FORMAT:
        got = "nothing" if "format" not in meta else _kind(meta["format"])
        raise GraphFormatError(
            f"graph.format must be {FORMAT!r} (a file written by graphdiff.readwrite.save), got {got}"
        )
    name = meta.get("name", "graph")
    if not isinstance(name, str):
        raise GraphFormatError(f"graph.name must be a string, got {_kind(name)}")
    inputs = _name_list(meta, "inputs")
    outputs = _name_list(meta, "outputs")
    if not outputs:
        raise GraphFormatError("graph.outputs is empty: a graph needs at least one output")

    attrs: dict[str, dict] = {}  # node name -> its networkx attributes
    index: dict[str, int] = {}  # node name -> its position in 'nodes'
    for i, node in enumerate(data["nodes"]):
        node_name, node_attrs = _node(i, node)
        if node_name in attrs:
            raise GraphFormatError(
                f"nodes[{i}]: id {node_name!r} is already the id of nodes[{index[node_name]}]"
            )
        attrs[node_name], index[node_name] = node_attrs, i

    for what, names in (("inputs", inputs), ("outputs", outputs)):
        for k, n in enumerate(names):
            if n not in attrs:
                raise GraphFormatError(f"graph.{what}[{k}]: {n!r} is not the id of a node")
            if what == "inputs" and attrs[n]["kind"] != "input":
                raise GraphFormatError(f"graph.inputs[{k}]: {n!r} is a {attrs[n]['kind']} node, not an input")
    if len(set(inputs)) != len(inputs):
        twice = next(n for n in inputs if inputs.count(n) > 1)
        raise GraphFormatError(f"graph.inputs names {twice!r} twice")
    listed = set(inputs)
    for n, a in attrs.items():
        if a["kind"] == "input" and n not in listed:
            raise GraphFormatError(f"nodes[{index[n]}]: input {n!r} is missing from graph.inputs")

    arity = {n: get_primitive(a["op"]).arity for n, a in attrs.items() if a["kind"] == "op"}
    taken: dict[tuple[str, int], int] = {}  # (target, position) -> the edge that gives it
    G = nx.MultiDiGraph(name=name, inputs=inputs, outputs=outputs)
    G.add_nodes_from(attrs.items())
    for j, edge in enumerate(data["edges"]):
        u, v, key = _edge(j, edge, attrs, arity)
        if (v, key) in taken:
            first = data["edges"][taken[v, key]]
            raise GraphFormatError(
                f"edges[{j}]: {u!r} -> {v!r} at position {key} repeats edges[{taken[v, key]}] "
                f"({first['source']!r} -> {v!r} at position {key}); {attrs[v]['op']} takes one argument per position"
            )
        taken[v, key] = j
        G.add_edge(u, v, key=key)
    for n, count in arity.items():
        missing = [k for k in range(count) if (n, k) not in taken]
        if missing:
            raise GraphFormatError(
                f"nodes[{index[n]}]: operation {n!r} ({attrs[n]['op']}) has no argument at "
                f"position{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))}: no edge has "
                f"target {n!r} and key {missing[0]}"
            )

    file_shapes = {n: a.pop("file_shape") for n, a in attrs.items()}
    graph = Graph(name)
    graph.nx = G  # replacing the graph makes the next line validate it from scratch
    program = graph.program  # validates: cycles, arity, parameters, shapes
    for n, shape in zip(program.names, program.shapes):
        if file_shapes[n] is not None and file_shapes[n] != shape:
            label = "constant" if attrs[n]["kind"] == "const" else "operation"
            given_by = "its value gives" if label == "constant" else "its arguments give"
            raise GraphFormatError(
                f"nodes[{index[n]}].shape: {label} {n!r} has shape {list(file_shapes[n])} in the file, "
                f"but {given_by} {list(shape)}"
            )
        G.nodes[n]["shape"] = shape
    return graph


def _node(i: int, node: Any) -> tuple[str, dict]:
    """One entry of 'nodes' as (name, networkx attributes); the file's shape kept as 'file_shape'."""
    if not isinstance(node, dict):
        raise GraphFormatError(f"nodes[{i}] must be an object with 'id' and 'kind', got {_kind(node)}")
    if "id" not in node:
        raise GraphFormatError(f"nodes[{i}] has no 'id' (the node's name)")
    name = node["id"]
    if not isinstance(name, str) or not name:
        raise GraphFormatError(f"nodes[{i}].id must be a non-empty string, got {_kind(name)}")
    if "kind" not in node:
        raise GraphFormatError(f"nodes[{i}] (node {name!r}) has no 'kind': 'input', 'const' or 'op'")
    kind = node["kind"]
    if not isinstance(kind, str) or kind not in _NODE_FIELDS:
        raise GraphFormatError(
            f"nodes[{i}].kind: node {name!r} has kind {brief(kind) if isinstance(kind, str) else _kind(kind)}; "
            "expected 'input', 'const' or 'op'"
        )
    label = {"input": "input", "const": "constant", "op": "operation"}[kind] + f" {name!r}"
    if not node.keys() <= _NODE_FIELDS[kind]:
        _no_unknown_fields(node, _NODE_FIELDS[kind], f"nodes[{i}] ({label})")
    shape = _shape(node, i, label)
    if kind == "input":
        return name, {"kind": kind, "shape": shape or (), "file_shape": None}
    if kind == "const":
        if "value" not in node:
            raise GraphFormatError(f"nodes[{i}].value: {label} has no 'value'")
        try:
            value = as_value(node["value"], f"nodes[{i}].value: {label}")
        except ValueTypeError as err:
            raise GraphFormatError(str(err)) from None
        return name, {"kind": kind, "value": value, "shape": np.shape(value), "file_shape": shape}
    if "op" not in node:
        raise GraphFormatError(f"nodes[{i}].op: {label} has no 'op' (a primitive's name)")
    if not isinstance(node["op"], str):
        raise GraphFormatError(f"nodes[{i}].op: {label} needs a primitive's name, got {_kind(node['op'])}")
    try:
        prim = get_primitive(node["op"], where=name)
    except GraphError as err:
        raise _in_file(err, f"nodes[{i}].op") from None
    params = node.get("params", {})
    if isinstance(
        params, dict
    ):  # JSON has no tuples: the shapes and axes of structural ops come back as lists
        params = params_from_lists(params)
    if not isinstance(params, dict):
        raise GraphFormatError(
            f"nodes[{i}].params: {label} needs an object of parameters, got {_kind(params)}"
        )
    try:
        prim.check_call(prim.arity, params, where=name)
    except GraphError as err:
        raise _in_file(err, f"nodes[{i}].params") from None
    return name, {"kind": kind, "op": prim.name, "params": params, "shape": None, "file_shape": shape}


def _shape(node: dict, i: int, label: str) -> tuple[int, ...] | None:
    """The node's 'shape' field as a tuple, or None if it has none."""
    if "shape" not in node:
        return None
    shape = node["shape"]
    if not isinstance(shape, list):
        raise GraphFormatError(f"nodes[{i}].shape: {label}: a shape is a list of non-negative integers, "
                               f"got {_kind(shape)}")  # fmt: skip
    try:
        return as_shape(shape, f"nodes[{i}].shape: {label}")
    except GraphError as err:
        raise GraphFormatError(str(err)) from None


def _edge(j: int, edge: Any, attrs: dict, arity: dict) -> tuple[str, str, int]:
    if not isinstance(edge, dict):
        raise GraphFormatError(
            f"edges[{j}] must be an object with 'source', 'target' and 'key', got {_kind(edge)}"
        )
    if edge.keys() != _EDGE_FIELDS:
        for field, meaning in (
            ("source", "the argument's node"),
            ("target", "the operation"),
            ("key", "the argument position"),
        ):
            if field not in edge:
                raise GraphFormatError(f"edges[{j}] has no {field!r} ({meaning})")
        _no_unknown_fields(edge, _EDGE_FIELDS, f"edges[{j}]")
    u, v, key = edge["source"], edge["target"], edge["key"]
    for field, n in (("source", u), ("target", v)):
        if not isinstance(n, str):
            raise GraphFormatError(f"edges[{j}].{field} must be a node id (a string), got {_kind(n)}")
        if n not in attrs:
            raise GraphFormatError(f"edges[{j}].{field}: {n!r} is not the id of a node")
    if attrs[v]["kind"] != "op":
        raise GraphFormatError(
            f"edges[{j}]: {u!r} -> {v!r} goes into {attrs[v]['kind']} node {v!r}; only operations take arguments"
        )
    if type(key) is not int:
        raise GraphFormatError(
            f"edges[{j}].key: the argument position of {u!r} in {v!r} must be an integer, got {_kind(key)}"
        )
    if not 0 <= key < arity[v]:
        raise GraphFormatError(
            f"edges[{j}].key: position {brief(key)} of {v!r} is out of range: {attrs[v]['op']} takes "
            f"{arity[v]} argument(s), at positions 0..{arity[v] - 1}"
        )
    return u, v, key


def _name_list(meta: dict, what: str) -> list[str]:
    if what not in meta:
        raise GraphFormatError(f"graph.{what} is missing: a list of node ids")
    names = meta[what]
    if not isinstance(names, list):
        raise GraphFormatError(f"graph.{what} must be a list of node ids, got {_kind(names)}")
    for k, n in enumerate(names):
        if not isinstance(n, str):
            raise GraphFormatError(f"graph.{what}[{k}] must be a node id (a string), got {_kind(n)}")
    return names


def _no_unknown_fields(obj: dict, known: frozenset[str], where: str) -> None:
    if obj.keys() <= known:
        return
    unknown = next(k for k in obj if k not in known)
    raise GraphFormatError(
        f"{where}: unknown field {brief(unknown)}; the fields are {', '.join(sorted(known))}"
    )


def _kind(value: Any) -> str:
    """A JSON value, described for a message: ``the string 'a'``, ``a list [1, 2]``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, str):
        return f"the string {brief(value)}"
    if isinstance(value, (int, float)):
        return f"the number {brief(value)}"
    if isinstance(value, list):
        return f"a list {brief(value)}"
    if isinstance(value, dict):
        return f"an object {brief(value)}"
    return brief(value)


def _path_text(path: Any) -> str:
    """The path as it appears in messages; a path that is not a str or os.PathLike is refused."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise ArgumentError(f"a graph file's path is a str or os.PathLike, got {brief(path)}")
    text = os.fsdecode(path)
    return text if text.isprintable() else repr(text)


def _file_error(message: str, err: OSError) -> GraphFileError:
    error = GraphFileError(f"{message}: {err.strerror or err}")
    error.errno = err.errno  # (not strerror or filename: OSError would then print its own message)
    return error


def _in_file(err: GraphError, where: str) -> GraphError:
    """``err`` again, its message prefixed with ``where`` (the file, or the field), of the same class."""
    try:
        return type(err)(f"{where}: {err}")
    except Exception:  # a class that takes other arguments
        return GraphFormatError(f"{where}: {err}")
