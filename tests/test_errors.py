"""Bad graphs and bad calls raise a graphdiff exception that names the node or argument."""

from __future__ import annotations

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders


@pytest.fixture
def colah():
    return builders.colah()


def test_every_error_is_a_graph_error():
    for name in gd.errors.__all__:
        assert issubclass(getattr(gd.errors, name), gd.GraphError)


def test_cycle_names_its_nodes(colah):
    H = colah.nx.copy()
    H.remove_edge("a", "c", key=0)
    H.add_edge("e", "c", key=0)  # c = e + b: now c -> e -> c
    with pytest.raises(gd.CycleError, match=r"c -> e -> c|e -> c -> e"):
        gd.Graph.from_networkx(H)


def test_unknown_primitive_named_with_node():
    g = gd.Graph()
    x = g.add_input("x")
    with pytest.raises(gd.UnknownPrimitiveError, match="'frobnicate' at node 'y'"):
        g.add_op("frobnicate", x, name="y")
    g.set_outputs(x)
    H = g.nx.copy()
    H.add_node("z", kind="op", op="frobnicate", params={})
    H.add_edge(x, "z", key=0)
    with pytest.raises(gd.UnknownPrimitiveError, match="node 'z'"):
        gd.Graph.from_networkx(H)


def test_wrong_arity():
    g = gd.Graph()
    x = g.add_input("x")
    with pytest.raises(gd.ArityError, match="'add' at node 'y' takes 2 argument"):
        g.add_op("add", x, name="y")
    with pytest.raises(gd.ArityError, match="'sin' takes 1"):
        gd.sin(1.0, 2.0)
    with pytest.raises(gd.ArityError, match="parameters"):
        g.add_op("integer_pow", x)  # needs y=
    g.set_outputs(x)
    H = g.nx.copy()
    H.add_node("z", kind="op", op="mul", params={})
    H.add_edge(x, "z", key=0)
    H.add_edge(x, "z", key=2)  # positions 0 and 2: position 1 missing
    with pytest.raises(gd.ArityError, match=r"node 'z': argument positions \[0, 2\]"):
        gd.Graph.from_networkx(H)


def test_missing_unknown_extra_and_duplicate_inputs(colah):
    with pytest.raises(gd.MissingInputError, match=r"\['b'\]"):
        colah(2.0)
    with pytest.raises(gd.UnknownInputError, match="'z' is not an input"):
        colah(a=1.0, b=2.0, z=3.0)
    with pytest.raises(gd.UnknownInputError, match="'c' is not an input"):
        colah(a=1.0, b=2.0, c=3.0)  # a node, but not an input
    with pytest.raises(gd.ExtraInputError, match="takes 2 input"):
        colah(1.0, 2.0, 3.0)
    with pytest.raises(gd.InputError, match="'a' .* given twice"):
        colah(1.0, a=2.0)
    with pytest.raises(gd.InputError, match="input 'a' must be a number"):
        colah("two", 1.0)
    with pytest.raises(gd.MissingInputError):
        gd.forward(colah, {"a": 2.0}, seed="a")


def test_seeding_a_non_input_or_non_output(colah):
    with pytest.raises(gd.SeedError, match="cannot seed 'c'"):
        gd.forward(colah, {"a": 2.0, "b": 1.0}, seed="c")
    with pytest.raises(gd.SeedError, match="cannot seed 'nope'"):
        gd.forward(colah, {"a": 2.0, "b": 1.0}, seed="nope")
    with pytest.raises(gd.SeedError, match="name the one to seed"):
        gd.forward(colah, {"a": 2.0, "b": 1.0})
    with pytest.raises(gd.SeedError, match="cannot seed 'a'"):
        gd.reverse(colah, {"a": 2.0, "b": 1.0}, output="a")
    two = gd.trace(lambda x: (x, 2 * x))
    with pytest.raises(gd.SeedError, match="name the one to seed"):
        gd.reverse(two, [1.0])


def test_grad_needs_one_scalar_output():
    with pytest.raises(gd.NotScalarError, match="shape \\(2,\\)"):
        gd.grad(lambda x: x * 2.0)(np.ones(2))
    with pytest.raises(gd.NotScalarError, match="one output"):
        gd.grad(lambda x: (x, x))(1.0)


def test_shape_mismatches_name_the_node_or_input():
    with pytest.raises(gd.ShapeError, match=r"matmul\(x, y\): matmul shapes \(2, 3\) and \(2, 3\)"):
        gd.trace(lambda x, y: x @ y, np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(gd.ShapeError, match="do not broadcast"):
        gd.trace(lambda x, y: x + y, np.ones(2), np.ones(3))
    g = gd.trace(lambda x: gd.sum(x), np.ones(3))
    with pytest.raises(gd.ShapeError, match="input 'x' .* shape \\(3,\\), got a value of shape \\(4,\\)"):
        g(np.ones(4))
    with pytest.raises(gd.ShapeError, match="matmul takes 1-D or 2-D"):
        gd.trace(lambda x, y: x @ y, np.ones((2, 2, 2)), np.ones((2, 2)))
    square = gd.trace(lambda x: x * x, np.ones(2))
    with pytest.raises(gd.ShapeError, match="output .* pass a cotangent"):
        gd.reverse(square, [np.ones(2)])
    with pytest.raises(gd.ShapeError, match="cotangent for output"):
        gd.reverse(square, [np.ones(2)], cotangent=np.ones(3))
    with pytest.raises(gd.ShapeError, match="tangent for input 'x'"):
        gd.jvp(square, [np.ones(2)], [np.ones(3)])


def test_branching_on_a_tracer_is_refused():
    def f(x):
        return x if x > 0 else -x

    with pytest.raises(gd.TracerError, match="greater"):
        gd.trace(f)
    with pytest.raises(gd.TracerError, match="truth value"):
        gd.trace(lambda x: 1.0 if x else 0.0)


def test_node_errors():
    g = gd.Graph()
    x = g.add_input("x")
    with pytest.raises(gd.NodeError, match="'x' already exists"):
        g.add_input("x")
    with pytest.raises(gd.NodeError, match="argument 'q' of 'y' is not a node"):
        g.add_op("sin", "q", name="y")
    with pytest.raises(gd.NodeError, match="output 'q'"):
        g.set_outputs("q")
    with pytest.raises(gd.NodeError, match="no outputs"):
        g(1.0)
    g.set_outputs(x)
    H = g.nx.copy()
    H.add_node("w", kind="variable")
    with pytest.raises(gd.NodeError, match="node 'w' has kind 'variable'"):
        gd.Graph.from_networkx(H)


def test_varargs_need_examples():
    with pytest.raises(gd.InputError, match="pass example values"):
        gd.trace(lambda *xs: xs[0])
    g = gd.trace(lambda *xs: xs[0] * xs[1], 1.0, 2.0)
    assert g.inputs == ["x0", "x1"]


def test_cli_reports_graph_errors_without_traceback(capsys):
    from graphdiff.cli import main

    assert main(["example", "colah", "--seed", "c"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graphdiff: error: cannot seed 'c'") and "Traceback" not in err
