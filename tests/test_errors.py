"""Bad graphs and bad calls raise a graphdiff exception that names the node or argument.

Every test calls a real function and checks three things about what it raises: the exact
class (not merely some GraphError), the built-in type a Python user would catch it as, and
that the message names the culprit (the node, input, output, primitive or argument).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.readwrite import node_link as graphdiff_io


def raised(error: type, call, *culprits: str, catch_as: type | None = None) -> Exception:
    """Call ``call()``; it must raise exactly ``error`` whose message contains every culprit.

    ``catch_as`` is the built-in exception a user would write ``except`` for; the error
    must be one (numpy's ``AxisError(ValueError, IndexError)`` is the model).
    """
    with pytest.raises(gd.GraphError) as info:
        call()
    err = info.value
    assert type(err) is error, f"expected {error.__name__}, got {type(err).__name__}: {err}"
    if catch_as is not None:
        assert isinstance(err, catch_as), f"{error.__name__} is not caught by except {catch_as.__name__}"
    message = str(err)
    for culprit in culprits:
        assert culprit in message, f"{culprit!r} is not named in {message!r}"
    return err


def replace_nx(graph: gd.Graph, edit) -> gd.Graph:
    """Give ``graph`` an edited copy of its networkx graph (through the ``nx`` setter)."""
    H = graph.nx.copy()
    edit(H)
    graph.nx = H
    return graph


@pytest.fixture
def colah():
    return builders.colah()


# --- the graph itself -------------------------------------------------------------------------


def test_a_cycle_is_refused_naming_the_nodes_on_it(colah):
    def cycle(H):
        H.remove_edge("a", "c", key=0)
        H.add_edge("e", "c", key=0)  # c = e + b: now c -> e -> c

    err = raised(gd.CycleError, lambda: replace_nx(colah, cycle)(2.0, 1.0), catch_as=ValueError)
    assert re.search(r"c -> e -> c|e -> c -> e", str(err)), str(err)


def test_an_edge_giving_a_node_a_third_argument_is_refused_and_the_graph_without_it_works(colah):
    edited = colah.nx.copy()
    edited.add_edge("a", "e", key=2)  # e = mul(c, d, a)

    def use_edited():
        colah.nx = edited
        return colah(2.0, 1.0)

    raised(gd.ArityError, use_edited, "'e'", "mul takes 2", "position 2 (from 'a')", catch_as=TypeError)
    edited.remove_edge("a", "e", key=2)
    assert use_edited() == 6.0


def test_an_unknown_primitive_is_refused_naming_it_and_its_node():
    g = gd.Graph()
    x = g.add_input("x")
    err = raised(
        gd.UnknownPrimitiveError, lambda: g.add_op("frobnicate", x, name="y"), "'frobnicate'", "'y'",
        catch_as=KeyError,
    )  # fmt: skip
    assert str(err).startswith("unknown primitive")  # not quoted the way KeyError quotes its message
    g.set_outputs(x)

    def unknown(H):
        H.add_node("z", kind="op", op="frobnicate", params={})
        H.add_edge(x, "z", key=0)

    raised(gd.UnknownPrimitiveError, lambda: replace_nx(g, unknown)(1.0), "'frobnicate'", "'z'")


def test_wrong_arity_is_refused_naming_the_primitive_and_node():
    g = gd.Graph()
    x = g.add_input("x")
    raised(gd.ArityError, lambda: g.add_op("add", x, name="y"), "'add'", "'y'", "takes 2", catch_as=TypeError)
    raised(gd.ArityError, lambda: gd.sin(1.0, 2.0), "'sin'", "takes 1", "got 2")
    raised(gd.ArityError, lambda: g.add_op("integer_pow", x), "'integer_pow'", "['y']")  # needs y=
    g.set_outputs(x)

    def gap(H):
        H.add_node("z", kind="op", op="mul", params={})
        H.add_edge(x, "z", key=0)
        H.add_edge(x, "z", key=2)  # positions 0 and 2: position 1 missing

    raised(gd.ArityError, lambda: replace_nx(g, gap)(1.0), "'z'", "[0, 2]")


def test_bad_nodes_are_refused_by_name():
    g = gd.Graph("g")
    x = g.add_input("x")
    raised(gd.NodeError, lambda: g.add_input("x"), "'x'", "already exists", catch_as=ValueError)
    raised(gd.NodeError, lambda: g.add_input(""), "''")
    raised(gd.NodeError, lambda: g.add_op("sin", "q", name="y"), "'q'", "'y'")
    raised(gd.NodeError, lambda: g.set_outputs("q"), "output 'q'")
    raised(gd.NodeError, lambda: g.shape_of("nope"), "'nope'", "g")
    raised(gd.NodeError, lambda: g(1.0), "no outputs", "set_outputs")
    g.set_outputs(x)
    raised(
        gd.NodeError,
        lambda: replace_nx(g, lambda H: H.add_node("w", kind="variable"))(1.0),
        "'w'",
        "'variable'",
    )


# --- binding inputs ---------------------------------------------------------------------------


def test_a_missing_input_is_named(colah):
    raised(gd.MissingInputError, lambda: colah(2.0), "['b']", "colah", catch_as=TypeError)
    raised(gd.MissingInputError, lambda: colah(b=1.0), "['a']")
    raised(gd.MissingInputError, lambda: gd.forward(colah, {"a": 2.0}, seed="a"), "['b']")
    raised(gd.MissingInputError, lambda: gd.reverse(colah, {"b": 2.0}), "['a']")


def test_a_value_for_a_name_that_is_not_an_input_is_named(colah):
    raised(gd.UnknownInputError, lambda: colah(a=1.0, b=2.0, z=3.0), "'z'", catch_as=TypeError)
    raised(gd.UnknownInputError, lambda: colah(a=1.0, b=2.0, c=3.0), "'c'")  # a node, but not an input


def test_too_many_positional_values_are_refused_naming_the_inputs(colah):
    raised(gd.ExtraInputError, lambda: colah(1.0, 2.0, 3.0), "colah", "2 input", "['a', 'b']", "got 3",
           catch_as=TypeError)  # fmt: skip


def test_an_input_given_twice_or_not_a_number_is_named(colah):
    raised(gd.InputError, lambda: colah(1.0, a=2.0), "'a'", "twice", catch_as=TypeError)
    raised(gd.ValueTypeError, lambda: colah("two", 1.0), "input 'a'", "'two'", catch_as=TypeError)
    raised(gd.ValueTypeError, lambda: colah(1.0, 1j), "input 'b'", "1j", catch_as=TypeError)
    raised(gd.ValueTypeError, lambda: gd.grad(colah)(1j, 1.0), "input 'a'", catch_as=TypeError)
    raised(gd.InputError, lambda: gd.jvp(colah, (2.0, 1.0), (1.0,)), "colah", "2 inputs", "1 tangent")
    raised(gd.InputError, lambda: gd.vjp(builders.fan_out(2), (1.0,), (1.0,)), "fan_out(2)", "2 outputs")
    raised(gd.InputError, lambda: gd.grad(3)(1.0), "got 3")


def test_none_as_an_input_value_is_refused_naming_the_input(colah):
    raised(gd.ValueTypeError, lambda: colah(None, 1.0), "input 'a'", "None", catch_as=TypeError)


def test_none_as_an_input_of_a_gradient_is_refused_naming_the_input(colah):
    raised(gd.ValueTypeError, lambda: gd.grad(colah)(None, 1.0), "input 'a'", "None", catch_as=TypeError)


def test_an_array_attribute_with_no_primitive_is_an_attribute_error_naming_it():
    raised(
        gd.TracerAttributeError, lambda: gd.trace(lambda x: x.cumprod(), np.ones(2)), ".cumprod", "'x'",
        catch_as=AttributeError,
    )  # fmt: skip


def test_a_function_of_varargs_needs_example_values():
    raised(gd.InputError, lambda: gd.trace(lambda *xs: xs[0]), "*xs", "example values")
    g = gd.trace(lambda *xs: xs[0] * xs[1], 1.0, 2.0)
    assert g.inputs == ["x0", "x1"] and g(2.0, 3.0) == 6.0


# --- seeds, shapes, scalars -------------------------------------------------------------------


def test_seeding_a_non_input_or_a_non_output_is_refused_naming_it(colah):
    point = {"a": 2.0, "b": 1.0}
    raised(gd.SeedError, lambda: gd.forward(colah, point, seed="c"), "'c'", "['a', 'b']", catch_as=ValueError)
    raised(gd.SeedError, lambda: gd.forward(colah, point, seed="nope"), "'nope'")
    raised(gd.SeedError, lambda: gd.forward(colah, point), "['a', 'b']", "name the one to seed")
    raised(gd.SeedError, lambda: gd.reverse(colah, point, output="a"), "'a'", "['e']")
    two = gd.trace(lambda x: (x, 2 * x), name="two")
    raised(gd.SeedError, lambda: gd.reverse(two, [1.0]), "two", *map(repr, two.outputs))


def test_grad_of_an_output_that_is_not_one_scalar_is_refused_naming_it():
    err = raised(gd.NotScalarError, lambda: gd.grad(lambda x: x * 2.0)(np.ones(2)), "(2,)", "jacrev",
                 catch_as=ValueError)  # fmt: skip
    assert isinstance(err, gd.ShapeError)  # except ShapeError catches it too
    g = gd.trace(lambda x: x * 2.0, np.ones(2))
    raised(gd.NotScalarError, lambda: gd.grad(g)(np.ones(2)), repr(g.outputs[0]), "(2,)")
    pair = gd.trace(lambda x: (x, 2 * x), name="pair")
    raised(gd.NotScalarError, lambda: gd.grad(pair)(1.0), "pair", "one output", str(pair.outputs))


def test_shape_mismatches_name_the_node_or_input():
    raised(gd.ShapeError, lambda: gd.trace(lambda x, y: x @ y, np.ones((2, 3)), np.ones((2, 3))),
           "matmul(x, y)", "(2, 3) and (2, 3)", catch_as=ValueError)  # fmt: skip
    raised(
        gd.ShapeError, lambda: gd.trace(lambda x, y: x + y, np.ones(2), np.ones(3)), "add(x, y)", "(2,), (3,)"
    )
    raised(gd.ShapeError, lambda: gd.trace(lambda x, y: x @ y, np.ones((3, 2, 2)), np.ones((4, 2, 2))),
           "matmul(x, y)", "leading axes do not broadcast")  # fmt: skip
    raised(gd.ShapeError, lambda: gd.trace(lambda x, y: x @ y, np.ones(()), np.ones(2)),
           "matmul(x, y)", "at least one axis")  # fmt: skip
    g = gd.trace(lambda x: gd.sum(x), np.ones(3))
    raised(gd.ShapeError, lambda: g(np.ones(4)), "input 'x'", "(3,)", "(4,)")
    square = gd.trace(lambda x: x * x, np.ones(2))
    out = repr(square.outputs[0])
    raised(gd.ShapeError, lambda: gd.reverse(square, [np.ones(2)]), f"output {out}", "pass a cotangent")
    raised(
        gd.ShapeError, lambda: gd.reverse(square, [np.ones(2)], cotangent=np.ones(3)), f"output {out}", "(3,)"
    )
    raised(gd.ShapeError, lambda: gd.jvp(square, [np.ones(2)], [np.ones(3)]), "input 'x'", "(3,)")


# --- tracing ----------------------------------------------------------------------------------


def test_branching_on_a_traced_value_is_refused_naming_the_node():
    def f(x):
        return x if x > 0 else -x

    raised(gd.TracerError, lambda: gd.trace(f), "greater", catch_as=TypeError)
    raised(gd.TracerError, lambda: gd.trace(lambda x: 1.0 if x else 0.0), "truth value", "'x'")
    raised(gd.TracerError, lambda: gd.trace(lambda x: np.cumprod(x), np.ones(3)), "cumprod", "'x'")


# --- files, arguments, optional dependencies ------------------------------------------------------


def test_a_malformed_graph_file_is_refused_naming_the_node_or_file(colah, tmp_path):
    data = graphdiff_io.to_json(colah)
    next(n for n in data["nodes"] if n["id"] == "c")["kind"] = "python"
    raised(gd.GraphFormatError, lambda: graphdiff_io.from_json(data), "'c'", "'python'", catch_as=ValueError)
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    raised(gd.GraphFormatError, lambda: graphdiff_io.load(path), str(path), "not JSON")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(graphdiff_io.to_json(colah)))
    assert graphdiff_io.load(good)(2.0, 1.0) == 6.0  # the same file, well-formed, loads


def test_builder_sizes_out_of_range_are_refused_naming_the_size():
    raised(gd.ArgumentError, lambda: builders.speelpenning(0), "speelpenning", "n", "0", catch_as=ValueError)
    raised(gd.ArgumentError, lambda: builders.path_explosion(2, width=-1), "width", "-1")
    raised(gd.ArgumentError, lambda: builders.rosenbrock(1), "rosenbrock", "at least 2", "1")
    raised(gd.ArgumentError, lambda: builders.from_spec("nope:3"), "'nope'")
    raised(gd.ArgumentError, lambda: builders.from_spec("speelpenning:x"), "'speelpenning:x'")


def test_plotting_without_matplotlib_says_how_to_install_it():
    from graphdiff.views.plot import require_matplotlib

    with mock.patch.dict(sys.modules, {"matplotlib": None}):  # import matplotlib now raises ImportError
        raised(gd.OptionalDependencyError, require_matplotlib, "matplotlib", "pip install 'graphdiff[plot]'",
               catch_as=ImportError)  # fmt: skip


def test_every_exception_class_is_raised_by_a_test():
    """A new exception class needs a test that makes a real function raise it: here (exact class,
    culprit named) or, at least, a ``pytest.raises(gd.ThatError...)`` elsewhere in tests/."""
    here = set(re.findall(r"raised\(\s*gd\.(\w+)", Path(__file__).read_text()))
    assert here, "the pattern finds this file's checks"
    elsewhere = {
        name
        for path in Path(__file__).parent.glob("test_*.py")
        for name in re.findall(r"pytest\.raises\(\s*gd\.(\w+)", path.read_text())
    }
    untested = set(gd.errors.__all__) - {"GraphError"} - here - elsewhere
    assert not untested, f"no test raises {sorted(untested)}"


# --- the command line ---------------------------------------------------------------------------


def test_cli_reports_graph_errors_on_one_line_without_traceback(capsys):
    from graphdiff.cli.main import main

    assert main(["example", "colah", "--seed", "c"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("graphdiff: error: cannot seed 'c'") and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""
