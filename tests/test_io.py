"""Saving and loading graphs as node-link JSON, with validation of every field."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.readwrite import node_link as io


@pytest.mark.parametrize(
    "graph",
    [
        builders.colah(),
        builders.mlp(),
        builders.random_dag(30, 3, 2, seed=2),
        gd.trace(lambda x: x**3),
        gd.trace(
            lambda x: gd.sum(x[1:, ::-1] * x[0, None]) + x.max(axis=0).mean(), np.ones((3, 2)), name="indexed"
        ),
    ],
    ids=lambda g: g.name,
)
def test_round_trip(graph, tmp_path):
    path = tmp_path / "g.json"
    io.save(graph, path)
    loaded = io.load(path)
    assert loaded.inputs == graph.inputs and loaded.outputs == graph.outputs
    from graphdiff.cli.suites import random_point

    point = random_point(graph)
    np.testing.assert_allclose(np.asarray(loaded(*point), float), np.asarray(graph(*point), float), rtol=0)


def colah_doc():
    return io.to_json(builders.colah())


def mutate(edit):
    doc = copy.deepcopy(colah_doc())
    edit(doc)
    return doc


def node(doc, name):
    return next(n for n in doc["nodes"] if n["id"] == name)


@pytest.mark.parametrize(
    "edit, error, message",
    [
        (lambda d: d.pop("nodes"), gd.GraphFormatError, "'nodes' and 'edges'"),
        (lambda d: node(d, "c").update(op="eval"), gd.UnknownPrimitiveError, "'eval' at node 'c'"),
        (lambda d: node(d, "c").update(kind="python"), gd.GraphFormatError, "node 'c' has kind 'python'"),
        (
            lambda d: node(d, "const_3").update(value="__import__('os')"),
            gd.GraphFormatError,
            r"nodes\[3\]\.value: constant 'const_3' must be a number",
        ),
        (
            lambda d: d["edges"].append({"source": "e", "target": "c", "key": 2}),
            gd.GraphFormatError,
            r"edges\[6\]\.key: position 2 of 'c' is out of range",
        ),
        (lambda d: d["edges"].append({"source": "zz", "target": "c", "key": 2}), gd.GraphFormatError, "'zz'"),
        (lambda d: d["edges"][0].pop("key"), gd.GraphFormatError, "argument position"),
        (lambda d: d["graph"].update(inputs="a"), gd.GraphFormatError, "inputs must be a list"),
        (
            lambda d: node(d, "a").update(shape=[-1]),
            gd.GraphFormatError,
            r"nodes\[0\]\.shape: input 'a'.*dimension 0 is negative",
        ),
    ],
    ids=[
        "no-nodes",
        "unknown-op",
        "bad-kind",
        "string-value",
        "extra-arg",
        "unknown-node",
        "no-key",
        "inputs",
        "shape",
    ],
)
def test_bad_files_are_refused_with_the_node_named(edit, error, message):
    with pytest.raises(error, match=message):
        io.from_json(mutate(edit))


def test_cycle_in_a_file_is_refused():
    def make_cycle(d):
        d["edges"] = [e for e in d["edges"] if not (e["source"] == "a" and e["target"] == "c")]
        d["edges"].append({"source": "e", "target": "c", "key": 0})

    with pytest.raises(gd.CycleError, match="c -> e -> c|e -> c -> e"):
        io.from_json(mutate(make_cycle))


def test_unreadable_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(gd.GraphFormatError, match="not JSON"):
        io.load(bad)
    with pytest.raises(gd.GraphFormatError, match="cannot read"):
        io.load(tmp_path / "missing.json")


def test_file_is_plain_node_link_json(tmp_path):
    path = tmp_path / "g.json"
    io.save(builders.colah(), path)
    doc = json.loads(path.read_text())
    assert doc["directed"] and doc["multigraph"]
    assert {"source": "c", "target": "e", "key": 0} in doc["edges"]
