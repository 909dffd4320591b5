"""Saving and loading graphs as JSON, in networkx's node-link format.

Each node carries its ``kind``, and operations their primitive's name (``op``) and
``params``; each edge carries its argument position as ``key``. Loading checks every
field and compiles the graph (cycles, arity, shapes) before returning it; a file can only
name primitives from the table, so loading never runs code from the file.
"""

from __future__ import annotations

import json
import os
from typing import Any

import networkx as nx
import numpy as np

from .errors import GraphFormatError
from .graph import Graph
from .primitives import get_primitive

__all__ = ["to_json", "from_json", "save", "load"]

FORMAT = "graphdiff-node-link"


def to_json(graph: Graph) -> dict[str, Any]:
    """The graph as a JSON-ready node-link dict.

    Examples
    --------
    >>> from graphdiff import builders
    >>> doc = to_json(builders.colah())
    >>> doc["graph"]["inputs"], [n["id"] for n in doc["nodes"] if n["kind"] == "op"]
    (['a', 'b'], ['c', 'd', 'e'])
    >>> from_json(doc)(2.0, 1.0)
    6.0
    """
    data = nx.node_link_data(graph.nx, edges="edges")
    for node in data["nodes"]:
        node["shape"] = list(node["shape"])
        if node["kind"] == "const":
            node["value"] = np.asarray(node["value"]).tolist()
    data["graph"] = {
        **data["graph"],
        "inputs": list(data["graph"]["inputs"]),
        "outputs": list(data["graph"]["outputs"]),
        "format": FORMAT,
    }
    return data


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write the graph to ``path`` as JSON."""
    with open(path, "w") as f:
        json.dump(to_json(graph), f, indent=1)


def load(path: str | os.PathLike) -> Graph:
    """Read a graph written by :func:`save`; raises :class:`GraphFormatError` on a bad file."""
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise GraphFormatError(f"{path}: not JSON ({err})") from None
    except OSError as err:
        raise GraphFormatError(f"cannot read graph file {path}: {err.strerror}") from None
    return from_json(data)


def from_json(data: Any) -> Graph:
    """Build and validate a graph from a node-link dict (see :func:`to_json`)."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("nodes"), list)
        or not isinstance(data.get("edges"), list)
    ):
        raise GraphFormatError("a graph file is a JSON object with 'nodes' and 'edges' lists")
    meta = data.get("graph", {})
    if not isinstance(meta, dict):
        raise GraphFormatError("'graph' must be an object with 'inputs' and 'outputs'")
    graph = Graph(str(meta.get("name", "graph")))
    G = nx.MultiDiGraph(name=graph.name)
    G.graph["inputs"] = _name_list(meta.get("inputs"), "inputs")
    G.graph["outputs"] = _name_list(meta.get("outputs"), "outputs")
    for node in data["nodes"]:
        name, attrs = _node(node)
        if name in G:
            raise GraphFormatError(f"node {name!r} appears twice")
        G.add_node(name, **attrs)
    for edge in data["edges"]:
        if not isinstance(edge, dict) or {"source", "target", "key"} - edge.keys():
            raise GraphFormatError(
                f"edge {edge!r} needs 'source', 'target' and 'key' (the argument position)"
            )
        u, v, key = edge["source"], edge["target"], edge["key"]
        if u not in G or v not in G:
            raise GraphFormatError(f"edge {u!r} -> {v!r} names a node that does not exist")
        if not isinstance(key, int) or G.has_edge(u, v, key):
            raise GraphFormatError(f"edge {u!r} -> {v!r} has a bad or repeated argument position {key!r}")
        G.add_edge(u, v, key=key)
    graph.nx = G  # replacing the graph makes the next line validate it from scratch
    _ = graph.program  # validates: cycles, arity, unknown primitives, shapes
    for node, shape in zip(graph.program.names, graph.program.shapes):
        G.nodes[node]["shape"] = shape
    return graph


def _name_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GraphFormatError(f"graph {what} must be a list of node names, got {value!r}")
    return value


def _node(node: Any) -> tuple[str, dict]:
    if not isinstance(node, dict) or not isinstance(node.get("id"), str):
        raise GraphFormatError(f"node {node!r} needs a string 'id'")
    name, kind = node["id"], node.get("kind")
    if kind == "input":
        shape = node.get("shape", [])
        if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise GraphFormatError(f"input {name!r} has a bad shape {shape!r}")
        return name, {"kind": kind, "shape": tuple(shape)}
    if kind == "const":
        try:
            value = np.asarray(node["value"], dtype=float)
        except (KeyError, TypeError, ValueError):
            raise GraphFormatError(f"constant {name!r} needs a numeric 'value'") from None
        return name, {"kind": kind, "value": float(value) if value.ndim == 0 else value, "shape": value.shape}
    if kind == "op":
        prim = get_primitive(node.get("op"), where=name)
        params = node.get("params", {})
        if not isinstance(params, dict) or not all(isinstance(v, (int, float)) for v in params.values()):
            raise GraphFormatError(f"operation {name!r} has bad params {params!r}")
        return name, {"kind": kind, "op": prim.name, "params": params, "shape": None}
    raise GraphFormatError(f"node {name!r} has kind {kind!r}; expected 'input', 'const' or 'op'")
