"""Every malformed input to building and loading a graph is a GraphError that names the culprit.

The tables below are generated: each bad value at each entry point that takes a value,
each bad shape at each entry point that takes a shape, each field of a valid saved file
replaced by each of a list of bad JSON values (or removed), each builder parameter given
each bad size, and the structural breakages of a file one by one. Every case checks the
exception's class and that its message names the field, node or argument at fault.
Where a mutation happens to leave a valid file (an input's shape removed: it is a
scalar), the case checks instead that the file still loads and evaluates.
"""

from __future__ import annotations

import copy
import json
import math
import re
import warnings

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.main import main
from graphdiff.cli.suites import random_point
from graphdiff.readwrite import node_link as io

MISSING = object()  # a field removed rather than replaced


# --- 1. values: None, bools, strings, complex, huge ints, ragged and object arrays ------------

BAD_VALUES = [
    ("None", None, "got None"),
    ("True", True, "the bool True"),
    ("False", False, "the bool False"),
    ("numpy-bool", np.True_, "the bool"),
    ("string", "two", "the string 'two'"),
    ("nan-string", "nan", "the string 'nan'"),
    ("number-string", "1.5", "the string '1.5'"),
    ("bytes", b"1", "the string b'1'"),
    ("complex", 1 + 2j, r"the complex number \(1\+2j\)"),
    ("complex-real", complex(3, 0), "the complex number"),
    ("numpy-complex", np.complex128(1), "the complex number"),
    ("huge-int", 10**400, "an integer too large for a float64"),
    ("huge-negative-int", -(10**400), "an integer too large for a float64"),
    ("list-with-None", [1.0, None], "holding None at index 1"),
    ("list-of-None", [None], "holding None at index 0"),
    ("nested-None", [[1.0, 2.0], [3.0, None]], r"holding None at index \[1, 1\]"),
    ("ragged", [[1.0, 2.0], [3.0]], "ragged"),
    ("ragged-deeper", [[[1.0]], [2.0]], "ragged"),
    ("list-with-string", [1.0, "a"], "an array of strings"),
    ("list-with-bool", [1.0, True], "holding the bool True at index 1"),
    ("list-with-complex", [1.0, 2j], "complex"),
    ("list-with-huge-int", [1, 10**400], "holding an integer too large for a float64 .* at index 1"),
    ("list-with-dict", [1.0, {}], "holding a dict"),
    ("dict", {"a": 1.0}, "a dict"),
    ("empty-dict", {}, "a dict"),
    ("set", {1.0}, "a set"),
    ("object", object(), "an object"),
    ("function", math.sin, "builtin_function_or_method"),
    ("complex-array", np.array([1 + 1j, 2]), "an array of complex numbers"),
    ("bool-array", np.array([True, False]), "an array of bools"),
    ("string-array", np.array(["1", "2"]), "an array of strings"),
    ("object-array-None", np.array([1.0, None], dtype=object), "holding None at index 1"),
    ("object-array-huge", np.array([1, 10**400], dtype=object), "too large for a float64"),
    ("datetime", np.datetime64("2020-01-01"), "datetime64"),
    ("datetime-array", np.array(["2020-01-01"], dtype="datetime64[D]"), "an array of dates"),
    (
        "too-many-dims",
        [
            [
                [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                            1.0
                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            ]
        ],
        "numpy cannot read",
    ),  # fmt: skip
]


def _colah_with_an_array_input():
    return gd.trace(lambda a, b: a * b, 1.0, np.ones(2), name="scaled")


def _bind_first_input(bad):
    return builders.colah()(bad, 1.0)


def _bind_keyword(bad):
    return builders.colah()(a=1.0, b=bad)


def _bind_array_input(bad):
    return _colah_with_an_array_input()(2.0, bad)


def _bind_through_grad(bad):
    return gd.grad(builders.colah())(bad, 1.0)


def _bind_through_forward(bad):
    return gd.forward(builders.colah(), {"a": bad, "b": 1.0}, seed="a")


def _add_const(bad):
    return gd.Graph().add_const(bad, name="k")


def _primitive_unary(bad):
    return gd.sin(bad)


def _primitive_second_argument(bad):
    return gd.add(1.0, bad)


def _traced_constant(bad):
    return gd.trace(lambda x: x + bad)


def _edited_networkx_constant(bad):
    H = builders.colah().nx.copy()
    H.nodes["const_3"]["value"] = bad
    return gd.Graph.from_networkx(H)(1.0, 2.0)


_MASKS = {"True", "False", "numpy-bool", "bool-array"}  # bools a traced function may compute with

VALUE_ENTRY_POINTS = [
    ("bind-positional", _bind_first_input, gd.ValueTypeError, "input 'a'"),
    ("bind-keyword", _bind_keyword, gd.ValueTypeError, "input 'b'"),
    ("bind-array-input", _bind_array_input, gd.ValueTypeError, "input 'b'"),
    ("grad", _bind_through_grad, gd.ValueTypeError, "input 'a'"),
    ("forward", _bind_through_forward, gd.ValueTypeError, "input 'a'"),
    ("add_const", _add_const, gd.ValueTypeError, "constant 'k'"),
    ("primitive-argument-0", _primitive_unary, gd.ValueTypeError, "argument 0 of sin"),
    ("primitive-argument-1", _primitive_second_argument, gd.ValueTypeError, "argument 1 of add"),
    ("traced-constant", _traced_constant, gd.ValueTypeError, "constant"),
    ("edited-networkx-constant", _edited_networkx_constant, gd.ValueTypeError, "constant 'const_3'"),
]


@pytest.mark.parametrize(
    "entry, call, error, culprit", VALUE_ENTRY_POINTS, ids=[e[0] for e in VALUE_ENTRY_POINTS]
)
@pytest.mark.parametrize("name, bad, description", BAD_VALUES, ids=[v[0] for v in BAD_VALUES])
def test_a_value_that_is_not_a_number_is_refused_by_name(entry, call, error, culprit, name, bad, description):
    if entry == "traced-constant" and name in _MASKS:  # x + mask is numpy arithmetic: mask as 1.0 and 0.0
        np.testing.assert_array_equal(call(bad)(0.5), 0.5 + np.asarray(bad, dtype=float))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning, no DeprecationWarning on the way
        with pytest.raises(error) as caught:
            call(bad)
    message = str(caught.value)
    assert culprit in message and re.search(description, message), message
    assert "\n" not in message


def _saved_colah_with_constant(tmp_path, value):
    doc = io.to_json(builders.colah())
    next(n for n in doc["nodes"] if n["id"] == "const_3")["value"] = value
    path = tmp_path / "colah.json"
    path.write_text(json.dumps(doc))
    return path


def _json_able(value):
    try:
        return json.loads(json.dumps(value)) == value and not isinstance(value, (np.ndarray, np.generic))
    except (TypeError, ValueError):
        return False


JSON_BAD_VALUES = [v for v in BAD_VALUES if _json_able(v[1])]


@pytest.mark.parametrize("name, bad, description", JSON_BAD_VALUES, ids=[v[0] for v in JSON_BAD_VALUES])
def test_a_constant_in_a_file_that_is_not_a_number_is_refused_naming_file_and_field(
    tmp_path, name, bad, description
):
    path = _saved_colah_with_constant(tmp_path, bad)
    with pytest.raises(gd.GraphFormatError) as caught:
        io.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: nodes[3].value: constant 'const_3'"), message
    assert re.search(description, message), message


GOOD_VALUES = [
    ("int", 3),
    ("negative-int", -2),
    ("numpy-int", np.int32(4)),
    ("numpy-float32", np.float32(0.5)),
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("large-int-that-fits", 10**300),
    ("list-of-ints", [1, 2]),
    ("tuple", (0.5, -1.0)),
    ("int-array", np.array([1, 2], dtype=np.int8)),
    ("float32-array", np.array([0.5, 2.0], dtype=np.float32)),
    ("object-array-of-floats", np.array([0.5, 2], dtype=object)),
    ("big-endian-array", np.array([0.5, 2.0], dtype=">f8")),
]


@pytest.mark.parametrize("name, good", GOOD_VALUES, ids=[v[0] for v in GOOD_VALUES])
def test_real_numbers_of_every_type_are_still_accepted(name, good):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sin(inf) is nan, with numpy's warning
        expected = np.sin(np.asarray(good, dtype=float))
        np.testing.assert_array_equal(gd.sin(good), expected)
        g = gd.trace(gd.sin, np.zeros(np.shape(good)))
        np.testing.assert_array_equal(g(good), expected)
        k = gd.Graph()
        k.set_outputs(k.add_const(good))
        np.testing.assert_array_equal(k(), np.asarray(good, dtype=float))


def test_binding_none_to_an_input_is_refused_not_nan():
    g = builders.colah()
    with pytest.raises(
        gd.ValueTypeError, match="input 'a' must be a number or an array of numbers, got None"
    ):
        g(None, 2.0)


def test_a_null_constant_in_a_file_is_refused_not_read_as_nan(tmp_path):
    path = _saved_colah_with_constant(tmp_path, None)
    with pytest.raises(gd.GraphFormatError, match=r"nodes\[3\]\.value: constant 'const_3' .* got None"):
        io.load(path)


def test_a_complex_constant_is_refused_not_stripped_of_its_imaginary_part():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(gd.ValueTypeError, match=r"constant .* the complex number \(1\+2j\)"):
            gd.Graph().add_const(1 + 2j)
        with pytest.raises(gd.ValueTypeError, match="an array of complex numbers"):
            gd.trace(lambda x: x * np.array([1j, 1.0]), np.ones(2))


def test_an_integer_too_large_for_a_float_is_refused_naming_the_constant_not_overflow_error():
    with pytest.raises(gd.ValueTypeError, match="constant 'big' .* too large for a float64") as caught:
        gd.Graph().add_const(10**400, name="big")
    assert not isinstance(caught.value, OverflowError)


def test_sin_of_a_string_names_the_argument():
    with pytest.raises(gd.ValueTypeError, match="argument 0 of sin .* the string 'a'"):
        gd.sin("a")


def test_errors_on_values_are_still_type_errors_for_code_that_catches_those():
    with pytest.raises(TypeError):
        builders.colah()(None, 1.0)


# --- 5. shapes, names and parameters, checked when the graph is built ---------------------

BAD_SHAPES = [
    ("string", "ab", "the string 'ab'"),
    ("bytes", b"ab", "the string b'ab'"),
    ("bool", True, "the bool True"),
    ("None", None, "got None"),
    ("float", 2.5, r"2\.5 \(float\)"),
    ("negative-int", -1, "dimension 0 is negative"),
    ("bool-dimension", (True,), "dimension 0 is the bool True"),
    ("negative-dimension", (2, -1), "dimension 1 is negative"),
    ("float-dimension", (2.5,), r"dimension 0 is 2\.5 \(float\)"),
    ("integral-float-dimension", (2.0,), r"dimension 0 is 2\.0 \(float\)"),
    ("numpy-float-dimension", (np.float64(2),), "dimension 0 is"),
    ("string-dimension", ("2",), "dimension 0 is the string '2'"),
    ("None-dimension", (None,), "dimension 0 is None"),
    ("nested", ((2,),), r"dimension 0 is a tuple \(\(2,\)\)"),
    ("huge-dimension", (10**30,), "larger than numpy allows"),
    ("huge-int-dimension", (10**400,), "larger than numpy allows"),
    ("too-many-elements", (2**40, 2**40), "more elements than a float64 array can hold"),
    ("too-many-dimensions", (1,) * 65, "65 dimensions"),
    ("dict", {2: 3}, "a dict"),
    ("set", {2}, "a set"),
    ("float-array", np.array([2.0]), "ndarray"),
]


def _add_input(bad):
    gd.Graph().add_input("x", shape=bad)


def _edited_networkx_shape(bad):
    g = gd.Graph()
    x = g.add_input("x")
    g.set_outputs(g.add_op("sin", x))
    H = g.nx.copy()
    H.nodes["x"]["shape"] = bad
    gd.Graph.from_networkx(H)


@pytest.mark.parametrize("entry", [_add_input, _edited_networkx_shape], ids=["add_input", "edited-networkx"])
@pytest.mark.parametrize("name, bad, description", BAD_SHAPES, ids=[s[0] for s in BAD_SHAPES])
def test_a_bad_shape_is_refused_naming_the_input(entry, name, bad, description):
    with pytest.raises(gd.ShapeError) as caught:
        entry(bad)
    message = str(caught.value)
    assert message.startswith("input 'x': a shape is a tuple of non-negative integers") and re.search(
        description, message
    ), message


def test_a_bad_shape_leaves_the_graph_without_the_input():
    g = gd.Graph()
    with pytest.raises(gd.ShapeError):
        g.add_input("x", shape=(-1,))
    assert g.inputs == [] and len(g) == 0
    assert g.add_input("x", shape=(2,)) == "x"


@pytest.mark.parametrize(
    "good, shape", [((), ()), ([2, 3], (2, 3)), (4, (4,)), ((np.int64(2),), (2,)), ((0,), (0,))]
)
def test_good_shapes_are_accepted_as_tuples_of_ints(good, shape):
    g = gd.Graph()
    g.add_input("x", shape=good)
    assert g.shape_of("x") == shape and all(type(n) is int for n in g.shape_of("x"))


BAD_NAMES = [("int", 5), ("float", 1.5), ("bool", True), ("empty", ""), ("bytes", b"x"), ("tuple", ("a",))]


def _name_input(bad):
    gd.Graph().add_input(bad)


def _name_const(bad):
    gd.Graph().add_const(1.0, name=bad)


def _name_op(bad):
    g = gd.Graph()
    g.add_op("sin", g.add_input("x"), name=bad)


@pytest.mark.parametrize(
    "entry", [_name_input, _name_const, _name_op], ids=["add_input", "add_const", "add_op"]
)
@pytest.mark.parametrize("name, bad", BAD_NAMES, ids=[n[0] for n in BAD_NAMES])
def test_a_node_name_that_is_not_a_string_is_refused(entry, name, bad):
    with pytest.raises(gd.NodeError, match=f"node names are non-empty strings, got {re.escape(repr(bad))}"):
        entry(bad)


BAD_OUTPUTS = [
    ("unknown", ("q",), "output 'q' is not a node"),
    ("int", (5,), "output 5 is not a node"),
    ("None", (None,), "output None is not a node"),
    ("list", (["x"],), "pass the names as separate arguments"),
    ("none-at-all", (), "at least one node"),
]


@pytest.mark.parametrize("name, outputs, message", BAD_OUTPUTS, ids=[o[0] for o in BAD_OUTPUTS])
def test_set_outputs_refuses_what_is_not_a_node(name, outputs, message):
    g = gd.Graph()
    g.add_input("x")
    with pytest.raises(gd.NodeError, match=re.escape(message)):
        g.set_outputs(*outputs)


BAD_ARGUMENTS = [("unknown", "q"), ("int", 5), ("None", None), ("list", ["x"])]


@pytest.mark.parametrize("name, bad", BAD_ARGUMENTS, ids=[a[0] for a in BAD_ARGUMENTS])
def test_add_op_refuses_an_argument_that_is_not_a_node(name, bad):
    g = gd.Graph()
    g.add_input("x")
    with pytest.raises(gd.NodeError, match=f"argument {re.escape(repr(bad))} of 'y' is not a node"):
        g.add_op("add", "x", bad, name="y")


BAD_EXPONENTS = [
    ("string", "3", "must be a Python int, got the string '3'"),
    ("bool", True, "must be a Python int, got the bool True"),
    ("false", False, "must be a Python int, got the bool False"),
    ("float", 3.0, r"must be a Python int, got 3\.0 \(float\)"),
    ("fraction", 2.5, r"must be a Python int, got 2\.5 \(float\)"),
    ("nan", float("nan"), "must be a Python int, got nan"),
    ("numpy-int", np.int64(3), r"got np\.int64\(3\) \(numpy\.int64\)"),
    ("None", None, "must be a Python int, got None"),
    ("list", [3], r"must be a Python int, got \[3\]"),
    ("dict", {"v": 3}, "must be a Python int"),
    ("too-large", 2**63, r"between -\(2\*\*63 - 1\) and 2\*\*63 - 1"),
    ("too-negative", -(2**63), r"between -\(2\*\*63 - 1\) and 2\*\*63 - 1"),
    ("huge", 10**400, "between"),
]


def _exponent_add_op(bad):
    g = gd.Graph()
    g.add_op("integer_pow", g.add_input("x"), name="p", y=bad)


def _exponent_call(bad):
    gd.integer_pow(2.0, y=bad)


def _exponent_edited_networkx(bad):
    g = gd.Graph()
    g.set_outputs(g.add_op("integer_pow", g.add_input("x"), name="p", y=2))
    H = g.nx.copy()
    H.nodes["p"]["params"] = {"y": bad}
    gd.Graph.from_networkx(H)


def _exponent_file(bad):
    g = gd.Graph()
    g.set_outputs(g.add_op("integer_pow", g.add_input("x"), name="p", y=2))
    doc = io.to_json(g)
    next(n for n in doc["nodes"] if n["id"] == "p")["params"]["y"] = bad
    io.from_json(json.loads(json.dumps(doc)) if _json_able(bad) else doc)


EXPONENT_ENTRY_POINTS = [
    ("add_op", _exponent_add_op, "at node 'p'"),
    ("call", _exponent_call, "primitive 'integer_pow'"),
    ("edited-networkx", _exponent_edited_networkx, "at node 'p'"),
    ("file", _exponent_file, r"nodes\[1\]\.params: primitive 'integer_pow' at node 'p'"),
]


@pytest.mark.parametrize(
    "entry, call, culprit", EXPONENT_ENTRY_POINTS, ids=[e[0] for e in EXPONENT_ENTRY_POINTS]
)
@pytest.mark.parametrize("name, bad, description", BAD_EXPONENTS, ids=[b[0] for b in BAD_EXPONENTS])
def test_a_bad_integer_pow_exponent_is_refused_naming_the_parameter(
    entry, call, culprit, name, bad, description
):
    with pytest.raises(gd.ParameterError) as caught:
        call(bad)
    message = str(caught.value)
    assert re.search(culprit, message) and "parameter 'y'" in message and re.search(description, message), (
        message
    )


def test_integer_pow_with_a_string_exponent_is_refused_when_built_not_when_evaluated():
    g = gd.Graph()
    x = g.add_input("x")
    with pytest.raises(gd.ParameterError, match="parameter 'y' must be a Python int, got the string '3'"):
        g.add_op("integer_pow", x, name="cube", y="3")
    assert len(g) == 1  # the bad node was never added


BAD_PARAMETER_SETS = [
    ("integer_pow", {}, gd.ArityError, r"takes parameters \['y'\], got \[\]"),
    ("integer_pow", {"z": 3}, gd.ArityError, r"got \['z'\]"),
    ("integer_pow", {"y": 3, "z": 2}, gd.ArityError, r"got \['y', 'z'\]"),
    ("sin", {"y": 3}, gd.ArityError, r"'sin' at node 'n' takes parameters \[\], got \['y'\]"),
    ("add", {"alpha": 1.0}, gd.ArityError, r"got \['alpha'\]"),
]


@pytest.mark.parametrize(
    "op, params, error, message",
    BAD_PARAMETER_SETS,
    ids=[f"{p[0]}-{sorted(p[1])}" for p in BAD_PARAMETER_SETS],
)
def test_parameters_with_the_wrong_names_are_refused_at_build_time(op, params, error, message):
    g = gd.Graph()
    args = [g.add_input(f"x{k}") for k in range(gd.PRIMITIVES[op].arity)]
    with pytest.raises(error, match=message):
        g.add_op(op, *args, name="n", **params)


@pytest.mark.parametrize("params", [None, [1], "y", 3], ids=["None", "list", "string", "int"])
def test_params_that_are_not_a_dict_in_an_edited_graph_are_refused(params):
    g = gd.Graph()
    g.set_outputs(g.add_op("integer_pow", g.add_input("x"), name="p", y=2))
    H = g.nx.copy()
    H.nodes["p"]["params"] = params
    with pytest.raises(gd.ParameterError, match="'integer_pow' at node 'p': parameters are a dict"):
        gd.Graph.from_networkx(H)


# --- 2. argument positions: in an edited networkx graph and in a file ----------------------


def _graph_with_edges(op, edges, params=None):
    """A networkx graph of inputs a, b and an operation z with the given edges, made a Graph."""
    g = gd.Graph()
    g.add_input("a")
    g.set_outputs(g.add_input("b"))
    H = g.nx.copy()
    H.add_node("z", kind="op", op=op, params=params or {})
    for source, key in edges:
        H.add_edge(source, "z", key=key)
    H.graph["outputs"] = ["z"]
    return gd.Graph.from_networkx(H)


BAD_POSITIONS = [
    ("sin-twice-at-0", "sin", [("a", 0), ("b", 0)], r"position 0 is given 2 times \(by 'a', 'b'\)"),
    ("add-twice-at-0", "add", [("a", 0), ("b", 0)], r"position 0 is given 2 times .*; position 1 missing"),
    ("add-twice-at-1", "add", [("a", 0), ("a", 1), ("b", 1)], "position 1 is given 2 times"),
    ("mul-0-and-2", "mul", [("a", 0), ("b", 2)], "position 2 .* is out of range; position 1 missing"),
    ("add-one-edge", "add", [("a", 0)], "position 1 missing"),
    ("add-no-edges", "add", [], "positions 0, 1 missing"),
    ("sin-no-edges", "sin", [], "position 0 missing"),
    ("sin-at-1", "sin", [("a", 1)], "position 1 .* is out of range"),
    ("sin-negative", "sin", [("a", -1)], "position -1 .* is out of range"),
    ("sin-bool", "sin", [("a", True)], "position True .* is not an integer"),
    (
        "add-bool-for-1",
        "add",
        [("a", 0), ("b", True)],
        "position True .* is not an integer; position 1 missing",
    ),
    ("sin-false", "sin", [("a", False)], "position False .* is not an integer"),
    ("sin-string", "sin", [("a", "0")], "position '0' .* is not an integer"),
    ("sin-float", "sin", [("a", 0.0)], r"position 0\.0 .* is not an integer"),
    ("sin-tuple", "sin", [("a", (0,))], r"position \(0,\) .* is not an integer"),
    (
        "sin-three",
        "sin",
        [("a", 0), ("b", 1), ("b", 2)],
        "position 1 .* out of range; position 2 .* out of range",
    ),
    ("integer_pow-twice", "integer_pow", [("a", 0), ("b", 0)], "position 0 is given 2 times"),
]


@pytest.mark.parametrize("name, op, edges, problem", BAD_POSITIONS, ids=[p[0] for p in BAD_POSITIONS])
def test_bad_argument_positions_in_an_edited_graph_name_the_node_and_positions(name, op, edges, problem):
    with pytest.raises(gd.ArityError) as caught:
        _graph_with_edges(op, edges, {"y": 2} if op == "integer_pow" else None)
    message = str(caught.value)
    assert message.startswith("node 'z': argument positions [") and re.search(problem, message), message


def _doc_with_edges(op, edges, params=None):
    g = gd.Graph("positions")
    g.add_input("a")
    g.add_input("b")
    g.set_outputs(g.add_op("add", "a", "b", name="keep"))
    doc = io.to_json(g)
    doc["nodes"].append({"id": "z", "kind": "op", "op": op, "params": params or {}})
    doc["edges"] += [{"source": s, "target": "z", "key": k} for s, k in edges]
    doc["graph"]["outputs"].append("z")
    return doc


FILE_POSITION_PROBLEMS = {
    "sin-twice-at-0": r"edges\[3\]: 'b' -> 'z' at position 0 repeats edges\[2\]",
    "add-twice-at-0": r"edges\[3\]: 'b' -> 'z' at position 0 repeats edges\[2\]",
    "add-twice-at-1": r"edges\[4\]: 'b' -> 'z' at position 1 repeats edges\[3\]",
    "mul-0-and-2": r"edges\[3\]\.key: position 2 of 'z' is out of range: mul takes 2 argument",
    "add-one-edge": r"nodes\[3\]: operation 'z' \(add\) has no argument at position 1",
    "add-no-edges": r"nodes\[3\]: operation 'z' \(add\) has no argument at positions 0, 1",
    "sin-no-edges": r"nodes\[3\]: operation 'z' \(sin\) has no argument at position 0",
    "sin-at-1": r"edges\[2\]\.key: position 1 of 'z' is out of range: sin takes 1 argument",
    "sin-negative": r"edges\[2\]\.key: position -1 of 'z' is out of range",
    "sin-bool": r"edges\[2\]\.key: .* must be an integer, got the boolean true",
    "add-bool-for-1": r"edges\[3\]\.key: .* must be an integer, got the boolean true",
    "sin-false": r"edges\[2\]\.key: .* must be an integer, got the boolean false",
    "sin-string": r"edges\[2\]\.key: .* must be an integer, got the string '0'",
    "sin-float": r"edges\[2\]\.key: .* must be an integer, got the number 0\.0",
    "sin-tuple": r"edges\[2\]\.key: .* must be an integer, got a list \[0\]",
    "sin-three": r"edges\[3\]\.key: position 1 of 'z' is out of range",
    "integer_pow-twice": r"edges\[3\]: 'b' -> 'z' at position 0 repeats edges\[2\]",
}


@pytest.mark.parametrize("name, op, edges, problem", BAD_POSITIONS, ids=[p[0] for p in BAD_POSITIONS])
def test_bad_argument_positions_in_a_file_name_the_edge_and_node(tmp_path, name, op, edges, problem):
    path = tmp_path / "positions.json"
    path.write_text(json.dumps(_doc_with_edges(op, edges, {"y": 2} if op == "integer_pow" else None)))
    with pytest.raises(gd.GraphFormatError) as caught:
        io.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and re.search(FILE_POSITION_PROBLEMS[name], message), message


def test_a_unary_op_with_two_edges_at_one_position_is_refused():
    with pytest.raises(gd.ArityError, match=r"node 'z'.*position 0 is given 2 times \(by 'a', 'b'\)"):
        _graph_with_edges("sin", [("a", 0), ("b", 0)])  # it used to compute sin(b)
    with pytest.raises(gd.GraphFormatError, match=r"'b' -> 'z' at position 0 repeats"):
        io.from_json(_doc_with_edges("sin", [("a", 0), ("b", 0)]))


def test_two_edges_at_one_position_into_add_name_the_position_not_the_count():
    with pytest.raises(gd.ArityError) as caught:
        _graph_with_edges("add", [("a", 0), ("b", 0)])
    assert "position 0 is given 2 times" in str(caught.value)
    assert "got 1" not in str(caught.value)


# --- 3. every field of a saved file, replaced by each bad JSON value or removed -------------

BAD_JSON = [
    ("null", None),
    ("string", "oops"),
    ("nan-string", "nan"),
    ("empty-string", ""),
    ("list", ["oops"]),
    ("empty-list", []),
    ("list-of-null", [None]),
    ("list-of-bool", [True]),
    ("list-of-negative", [-1]),
    ("list-of-float", [2.5]),
    ("list-of-huge", [10**400]),
    ("dict", {"oops": 1}),
    ("true", True),
    ("false", False),
    ("negative", -1),
    ("float", 2.5),
    ("huge", 10**400),
    ("missing", MISSING),
]


def _reference_graph():
    """Every kind of node and field: inputs (one an array), a constant, operations, a parameter."""
    g = gd.Graph("reference")
    a, b = g.add_input("a"), g.add_input("b")
    c = g.add_op("add", a, b, name="c")
    k = g.add_const(1.0, name="k")
    d = g.add_op("add", b, k, name="d")
    e = g.add_op("mul", c, d, name="e")
    p = g.add_op("integer_pow", e, name="p", y=3)
    w = g.add_input("w", shape=(2,))
    s = g.add_op("sum", w, name="s")
    g.set_outputs(p, s)
    return g


REFERENCE = io.to_json(_reference_graph())
NODE = {n["id"]: i for i, n in enumerate(REFERENCE["nodes"])}
EDGE_A_C = next(j for j, e in enumerate(REFERENCE["edges"]) if (e["source"], e["target"]) == ("a", "c"))


def _node_field(node, field, valid=(), also=()):
    i = NODE[node]
    return (f"nodes[{node}].{field}", ("nodes", i, field), set(valid), (f"nodes[{i}]", f"'{node}'", *also))


SCALAR_SHAPE = {"empty-list", "missing"}  # [] is a scalar's shape, and shape is optional
FIELDS = [
    ("directed", ("directed",), {"true", "missing"}, ("'directed'",)),
    ("multigraph", ("multigraph",), {"true", "missing"}, ("'multigraph'",)),
    ("graph", ("graph",), set(), ("'graph'", "graph: unknown field")),
    ("nodes", ("nodes",), set(), ("nodes", "not the id of a node")),
    ("edges", ("edges",), set(), ("edge",)),
    ("graph.name", ("graph", "name"), {"string", "nan-string", "empty-string", "missing"}, ("graph.name",)),
    ("graph.inputs", ("graph", "inputs"), set(), ("graph.inputs",)),
    ("graph.outputs", ("graph", "outputs"), set(), ("graph.outputs",)),
    # without a format, a file is read as json.dump(nx.node_link_data(g.nx)) writes it
    ("graph.format", ("graph", "format"), {"missing"}, ("graph.format",)),
    ("graph.inputs[0]", ("graph", "inputs", 0), set(), ("graph.inputs",)),
    ("graph.outputs[0]", ("graph", "outputs", 0), {"missing"}, ("graph.outputs",)),
    ("nodes[a]", ("nodes", NODE["a"]), set(), (f"nodes[{NODE['a']}]", "'a'")),
    ("edges[a->c]", ("edges", EDGE_A_C), set(), (f"edges[{EDGE_A_C}]", "'c'")),
    _node_field("a", "id", also=("graph.inputs[0]",)),
    _node_field("a", "kind"),
    _node_field("a", "shape", SCALAR_SHAPE),
    _node_field("w", "shape", {"empty-list", "missing"}),  # w becomes a scalar, which sum accepts
    _node_field("k", "id", also=("edges[",)),
    _node_field("k", "kind"),
    _node_field("k", "value", {"negative", "float"}),
    _node_field("k", "shape", SCALAR_SHAPE),
    _node_field("c", "id", also=("edges[",)),
    _node_field("c", "kind"),
    _node_field("c", "op"),
    _node_field("c", "params", {"missing"}),
    _node_field("c", "shape", SCALAR_SHAPE),
    _node_field("s", "shape", SCALAR_SHAPE),
    _node_field("p", "params"),
    ("nodes[p].params.y", ("nodes", NODE["p"], "params", "y"), {"negative"}, ("'y'",)),
    (f"edges[{EDGE_A_C}].source", ("edges", EDGE_A_C, "source"), set(), (f"edges[{EDGE_A_C}]",)),
    (f"edges[{EDGE_A_C}].target", ("edges", EDGE_A_C, "target"), set(), (f"edges[{EDGE_A_C}]",)),
    (f"edges[{EDGE_A_C}].key", ("edges", EDGE_A_C, "key"), set(), (f"edges[{EDGE_A_C}]",)),
]


def _mutated(path, value):
    doc = copy.deepcopy(REFERENCE)
    *parents, last = path
    target = doc
    for step in parents:
        target = target[step]
    if value is MISSING:
        del target[last]
    else:
        target[last] = copy.deepcopy(value)
    return doc


FIELD_CASES = [
    pytest.param(path, value, bad_name in valid, culprits, id=f"{field}={bad_name}")
    for field, path, valid, culprits in FIELDS
    for bad_name, value in BAD_JSON
]


@pytest.mark.parametrize("path, value, still_valid, culprits", FIELD_CASES)
def test_every_field_of_a_file_replaced_by_a_bad_value_is_refused_naming_it(
    tmp_path, path, value, still_valid, culprits
):
    file = tmp_path / "mutated.json"
    file.write_text(json.dumps(_mutated(path, value)))
    if still_valid:  # the mutation left a valid file: it must load and evaluate as the reference does
        graph = io.load(file)
        _evaluates_like_the_reference(
            graph,
            same=path[-1] in ("directed", "multigraph", "name", "shape", "params")
            and path != ("nodes", NODE["w"], "shape"),
        )
        return
    with pytest.raises(gd.GraphError) as caught:
        io.load(file)
    message = str(caught.value)
    assert message.startswith(f"{file}: ") and "\n" not in message, message
    assert any(c in message for c in culprits), f"{message!r} names none of {culprits}"


def _evaluates_like_the_reference(graph, same):
    reference = io.from_json(REFERENCE)
    point = {n: 0.5 if graph.shape_of(n) == () else np.full(graph.shape_of(n), 0.5) for n in graph.inputs}
    outputs = graph(**point)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert len(outputs) == len(graph.outputs) and np.all(np.isfinite(_flat(outputs)))
    if same:  # a mutation that changes nothing the computation reads (a name, an optional field)
        assert graph.outputs == reference.outputs and graph.inputs == reference.inputs
        assert outputs == reference(**point)


UNKNOWN_FIELDS = [
    ("top level", ()),
    ("graph", ("graph",)),
    ("an input", ("nodes", NODE["a"])),
    ("a constant", ("nodes", NODE["k"])),
    ("an operation", ("nodes", NODE["c"])),
    ("an edge", ("edges", 0)),
]


@pytest.mark.parametrize("field", ["oops", "shap", "valu", "parmas", "links"])
@pytest.mark.parametrize("where, path", UNKNOWN_FIELDS, ids=[u[0] for u in UNKNOWN_FIELDS])
def test_an_unknown_field_is_refused_so_that_a_misspelt_one_is_not_ignored(where, path, field):
    doc = copy.deepcopy(REFERENCE)
    target = doc
    for step in path:
        target = target[step]
    target[field] = 1
    with pytest.raises(gd.GraphFormatError, match=f"unknown field '{field}'; the fields are"):
        io.from_json(doc)


def _structural(edit):
    doc = copy.deepcopy(REFERENCE)
    edit(doc)
    return doc


def _node_of(doc, name):
    return next(n for n in doc["nodes"] if n["id"] == name)


STRUCTURAL = [  # each edits the reference file in place
    ("links-not-edges", lambda d: d.update(links=d.pop("edges")), gd.GraphFormatError, "rename it 'edges'"),
    (
        "duplicate-node-id",
        lambda d: d["nodes"].append({"id": "c", "kind": "input"}),
        gd.GraphFormatError,
        rf"nodes\[{len(REFERENCE['nodes'])}\]: id 'c' is already the id of nodes\[{NODE['c']}\]",
    ),
    (
        "edge-from-unknown-node",
        lambda d: d["edges"].append({"source": "zz", "target": "c", "key": 0}),
        gd.GraphFormatError,
        rf"edges\[{len(REFERENCE['edges'])}\]\.source: 'zz' is not the id of a node",
    ),
    (
        "edge-to-unknown-node",
        lambda d: d["edges"].append({"source": "a", "target": "zz", "key": 0}),
        gd.GraphFormatError,
        "target: 'zz' is not the id of a node",
    ),
    (
        "edge-into-an-input",
        lambda d: d["edges"].append({"source": "a", "target": "b", "key": 0}),
        gd.GraphFormatError,
        "'a' -> 'b' goes into input node 'b'",
    ),
    (
        "edge-into-a-constant",
        lambda d: d["edges"].append({"source": "a", "target": "k", "key": 0}),
        gd.GraphFormatError,
        "goes into const node 'k'",
    ),
    (
        "the-same-edge-twice",
        lambda d: d["edges"].append(dict(d["edges"][EDGE_A_C])),
        gd.GraphFormatError,
        rf"'a' -> 'c' at position 0 repeats edges\[{EDGE_A_C}\]",
    ),
    (
        "cycle",
        lambda d: [e.update(source="e") for e in d["edges"] if (e["source"], e["target"]) == ("a", "c")],
        gd.CycleError,
        "c -> e -> c|e -> c -> e",
    ),
    (
        "input-not-listed",
        lambda d: d["graph"]["inputs"].remove("b"),
        gd.GraphFormatError,
        "input 'b' is missing from graph.inputs",
    ),
    (
        "input-listed-twice",
        lambda d: d["graph"]["inputs"].append("a"),
        gd.GraphFormatError,
        "names 'a' twice",
    ),
    (
        "constant-listed-as-input",
        lambda d: d["graph"]["inputs"].append("k"),
        gd.GraphFormatError,
        r"graph.inputs\[3\]: 'k' is a const node, not an input",
    ),
    (
        "output-not-a-node",
        lambda d: d["graph"]["outputs"].append("q"),
        gd.GraphFormatError,
        r"graph.outputs\[2\]: 'q' is not the id of a node",
    ),
    ("no-outputs", lambda d: d["graph"].update(outputs=[]), gd.GraphFormatError, "at least one output"),
    (
        "wrong-format",
        lambda d: d["graph"].update(format="networkx"),
        gd.GraphFormatError,
        "graph.format must be 'graphdiff-node-link'",
    ),
    (
        "unknown-op",
        lambda d: _node_of(d, "c").update(op="eval"),
        gd.UnknownPrimitiveError,
        "'eval' at node 'c'",
    ),
    (
        "shape-contradicts-arguments",
        lambda d: _node_of(d, "s").update(shape=[2]),
        gd.GraphFormatError,
        "operation 's' has shape .2. in the file, but its arguments give ..",
    ),
    (
        "shape-contradicts-value",
        lambda d: _node_of(d, "k").update(shape=[3]),
        gd.GraphFormatError,
        "constant 'k' has shape .3. in the file, but its value gives",
    ),
    (
        "shapes-do-not-broadcast",
        lambda d: (_node_of(d, "a").update(shape=[3]), _node_of(d, "b").update(shape=[2])),
        gd.ShapeError,
        "add node 'c'",
    ),
    (
        "an-op-with-no-op",
        lambda d: _node_of(d, "c").pop("op"),
        gd.GraphFormatError,
        "operation 'c' has no 'op'",
    ),
    (
        "a-const-with-no-value",
        lambda d: _node_of(d, "k").pop("value"),
        gd.GraphFormatError,
        "'k' has no 'value'",
    ),
    (
        "matmul-of-scalars",
        lambda d: _node_of(d, "c").update(op="matmul"),
        gd.ShapeError,
        "matmul node 'c'",
    ),
    (
        "params-not-an-object",
        lambda d: _node_of(d, "p").update(params=[3]),
        gd.GraphFormatError,
        r"nodes\[\d\]\.params: operation 'p' needs an object of parameters, got a list \[3\]",
    ),
]


@pytest.mark.parametrize("name, edit, error, message", STRUCTURAL, ids=[s[0] for s in STRUCTURAL])
def test_a_structurally_broken_file_is_refused_naming_what_is_broken(tmp_path, name, edit, error, message):
    doc = copy.deepcopy(REFERENCE)
    edit(doc)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(error) as caught:
        io.load(path)
    assert str(caught.value).startswith(f"{path}: ") and re.search(message, str(caught.value)), str(
        caught.value
    )


UNREADABLE = [
    (
        "binary",
        b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
        gd.GraphFormatError,
        r"not a UTF-8 text file \(byte 0x89 at offset 0\)",
    ),
    ("latin-1", '{"nodes": "caf\xe9"}'.encode("latin-1"), gd.GraphFormatError, "not a UTF-8 text file"),
    ("empty", b"", gd.GraphFormatError, "not JSON"),
    ("truncated", b'{"nodes": [', gd.GraphFormatError, "not JSON"),
    ("not-json", b"{not json", gd.GraphFormatError, "not JSON"),
    ("python-literal", b"{'nodes': []}", gd.GraphFormatError, "not JSON"),
    ("deeply-nested-list", b"[" * 100_000 + b"]" * 100_000, gd.GraphFormatError, "nested too deeply"),
    (
        "deeply-nested-object",
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        gd.GraphFormatError,
        "nested too deeply",
    ),
    ("integer-of-5000-digits", b"1" * 5000, gd.GraphFormatError, "not readable JSON .*digits"),
    (
        "repeated-key",
        b'{"nodes": [], "nodes": [], "edges": []}',
        gd.GraphFormatError,
        "gives the field 'nodes' twice",
    ),
    ("top-level-number", b"3", gd.GraphFormatError, "got the number 3"),
    (
        "top-level-list",
        b"[]",
        gd.GraphFormatError,
        "a JSON object with 'nodes' and 'edges' lists, got a list",
    ),
    ("top-level-string", b'"graph"', gd.GraphFormatError, "got the string 'graph'"),
    ("top-level-null", b"null", gd.GraphFormatError, "got null"),
]


@pytest.mark.parametrize("name, content, error, message", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_an_unreadable_file_is_a_format_error_naming_the_file(tmp_path, name, content, error, message):
    path = tmp_path / "unreadable.json"
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        io.load(path)
    assert str(caught.value).startswith(f"{path}: ") and re.search(message, str(caught.value)), str(
        caught.value
    )
    assert not isinstance(caught.value, UnicodeError | RecursionError | OverflowError)


def _deep_constant(depth):
    doc = copy.deepcopy(REFERENCE)
    value = 1.0
    for _ in range(depth):
        value = [value]
    _node_of(doc, "k")["value"] = value
    del _node_of(doc, "k")["shape"]
    return doc


def test_a_constant_nested_deeper_than_numpy_allows_is_refused_naming_it(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(_deep_constant(200)))
    with pytest.raises(
        gd.GraphFormatError, match=rf"nodes\[{NODE['k']}\]\.value: constant 'k' .* numpy cannot read"
    ):
        io.load(path)


def test_a_binary_file_is_a_format_error_not_a_unicode_decode_error(tmp_path):
    path = tmp_path / "picture.json"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(gd.GraphFormatError, match="not a UTF-8 text file") as caught:
        io.load(path)
    assert not isinstance(caught.value, UnicodeDecodeError)


def test_deeply_nested_json_is_a_format_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(gd.GraphFormatError, match="nested too deeply"):
        io.load(path)


def test_a_bool_in_a_shape_is_a_format_error_not_a_type_error(tmp_path):
    doc = copy.deepcopy(REFERENCE)
    _node_of(doc, "w")["shape"] = [True]
    path = tmp_path / "bool-shape.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(gd.GraphFormatError, match=rf"nodes\[{NODE['w']}\]\.shape: input 'w'.* the bool True"):
        io.load(path)


# --- OS-level problems: GraphFileError, which is also an OSError ---------------------------


def test_loading_a_directory_or_a_missing_file_is_a_graph_file_error(tmp_path):
    for path, reason in ((tmp_path, "Is a directory"), (tmp_path / "missing.json", "No such file")):
        with pytest.raises(
            gd.GraphFileError, match=f"cannot read graph file {re.escape(str(path))}: {reason}"
        ) as e:
            io.load(path)
        assert isinstance(e.value, OSError) and isinstance(e.value, gd.GraphFormatError) and e.value.errno


def test_saving_into_a_directory_is_a_graph_file_error_and_an_os_error(tmp_path):
    for path, reason in ((tmp_path, "Is a directory"), (tmp_path / "no" / "such" / "g.json", "No such file")):
        with pytest.raises(
            gd.GraphFileError, match=f"cannot write graph file {re.escape(str(path))}: {reason}"
        ) as e:
            io.save(builders.colah(), path)
        assert isinstance(e.value, OSError)


BAD_PATHS = [("None", None), ("int", 3), ("float", 1.5), ("list", ["g.json"]), ("graph", builders.colah())]


@pytest.mark.parametrize("name, bad", BAD_PATHS, ids=[p[0] for p in BAD_PATHS])
def test_a_path_that_is_not_a_path_is_refused(tmp_path, name, bad):
    with pytest.raises(gd.ArgumentError, match="path is a str or os.PathLike"):
        io.load(bad)  # an int would otherwise be read as an open file descriptor
    with pytest.raises(gd.ArgumentError, match="path is a str or os.PathLike"):
        io.save(builders.colah(), bad)


def test_saving_something_that_is_not_a_graph_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(gd.ArgumentError, match="takes a graphdiff Graph first, got 'g.json'"):
        io.save("g.json", tmp_path / "g.json")
    assert not (tmp_path / "g.json").exists()


def test_saving_a_graph_that_does_not_compile_raises_and_writes_nothing(tmp_path):
    g = gd.Graph("no outputs")
    g.add_op("sin", g.add_input("x"))
    with pytest.raises(gd.NodeError, match="no outputs"):
        io.save(g, tmp_path / "g.json")
    assert not (tmp_path / "g.json").exists()


# --- 4. builders: every size and seed ---------------------------------------------------------

BAD_SIZES = [
    ("float", 2.5, "must be an integer, got 2.5"),
    ("integral-float", 3.0, "must be an integer, got 3.0"),
    ("numpy-float", np.float64(3), "must be an integer"),
    ("string", "3", "must be an integer, got '3'"),
    ("bool", True, "must be an integer, got True"),
    ("false", False, "must be an integer, got False"),
    ("None", None, "must be an integer, got None"),
    ("list", [3], "must be an integer"),
    ("complex", 3 + 0j, "must be an integer"),
    ("zero", 0, "must be a positive integer, got 0"),
    ("negative", -1, "must be a positive integer, got -1"),
    ("huge", 10**9, "too large"),
    ("huge-numpy", np.int64(2**62), "too large"),
    ("enormous", 10**400, "too large"),
]

SIZE_PARAMETERS = [
    ("speelpenning", "n", lambda v: builders.speelpenning(v)),
    ("path_explosion", "depth", lambda v: builders.path_explosion(v, 2)),
    ("path_explosion", "width", lambda v: builders.path_explosion(2, v)),
    ("fan_out", "m", lambda v: builders.fan_out(v)),
    ("dense_map", "n", lambda v: builders.dense_map(v, 2)),
    ("dense_map", "m", lambda v: builders.dense_map(2, v)),
    ("dense_map", "hidden", lambda v: builders.dense_map(2, 2, hidden=v)),
    ("rosenbrock", "n", lambda v: builders.rosenbrock(v)),
    ("random_dag", "nodes", lambda v: builders.random_dag(v)),
    ("random_dag", "inputs", lambda v: builders.random_dag(10, v)),
    ("random_dag", "outputs", lambda v: builders.random_dag(10, 2, v)),
    ("mlp", "layer_sizes[1]", lambda v: builders.mlp((2, v, 1))),
    ("mlp", "layer_sizes[0]", lambda v: builders.mlp((v, 1))),
]


@pytest.mark.parametrize(
    "family, parameter, build", SIZE_PARAMETERS, ids=[f"{s[0]}-{s[1]}" for s in SIZE_PARAMETERS]
)
@pytest.mark.parametrize("name, bad, message", BAD_SIZES, ids=[b[0] for b in BAD_SIZES])
def test_a_bad_builder_size_is_refused_naming_the_parameter(family, parameter, build, name, bad, message):
    if family == "rosenbrock" and name in ("zero", "negative"):
        message = "must be at least 2"
    with pytest.raises(gd.ArgumentError) as caught:
        build(bad)
    text = str(caught.value)
    assert text.startswith(f"{family}: {parameter} ") and message in text, text


BAD_SEEDS = [("negative", -1), ("float", 0.5), ("string", "0"), ("bool", True), ("None", None), ("list", [0])]


@pytest.mark.parametrize(
    "family, build",
    [
        ("random_dag", lambda s: builders.random_dag(10, seed=s)),
        ("dense_map", lambda s: builders.dense_map(2, 2, seed=s)),
    ],
    ids=["random_dag", "dense_map"],
)
@pytest.mark.parametrize("name, bad", BAD_SEEDS, ids=[s[0] for s in BAD_SEEDS])
def test_a_bad_seed_is_refused_naming_it(family, build, name, bad):
    with pytest.raises(gd.ArgumentError, match=f"^{family}: seed must be a non-negative integer"):
        build(bad)


BAD_MLP = [
    ("layer_sizes-int", {"layer_sizes": 3}, "mlp: layer_sizes must be a sequence"),
    ("layer_sizes-string", {"layer_sizes": "21"}, "mlp: layer_sizes must be a sequence"),
    ("layer_sizes-None", {"layer_sizes": None}, "mlp: layer_sizes must be a sequence"),
    ("layer_sizes-one", {"layer_sizes": (2,)}, "mlp: layer_sizes needs at least 2 sizes"),
    ("layer_sizes-empty", {"layer_sizes": ()}, "mlp: layer_sizes needs at least 2 sizes"),
    ("samples-columns", {"layer_sizes": (3, 4, 1)}, r"mlp: samples must be a 2-D array with 3 column\(s\)"),
    ("samples-None", {"samples": None}, "mlp: samples must be a number or an array of numbers, got None"),
    ("samples-with-None", {"samples": [[0.0, None]] * 4}, "mlp: samples .* holding None"),
    ("samples-1-D", {"samples": [0.0, 1.0]}, "mlp: samples must be a 2-D array"),
    ("samples-complex", {"samples": np.ones((4, 2)) * 1j}, "mlp: samples .* complex"),
    ("targets-string", {"targets": "1"}, "mlp: targets .* the string '1'"),
    ("targets-columns", {"targets": np.ones((4, 2))}, r"mlp: targets must be a 2-D array with 1 column\(s\)"),
    ("targets-rows", {"targets": [[1.0]]}, "mlp: samples and targets must have the same number of rows"),
    ("no-samples", {"samples": np.ones((0, 2)), "targets": np.ones((0, 1))}, "at least 1"),
    ("scalar-string", {"scalar": "yes"}, "mlp: scalar must be True or False, got 'yes'"),
    ("scalar-int", {"scalar": 1}, "mlp: scalar must be True or False, got 1"),
    ("scalar-None", {"scalar": None}, "mlp: scalar must be True or False, got None"),
    ("too-large", {"layer_sizes": (2, 10**6, 1), "scalar": True}, "mlp: layer_sizes is too large"),
]


@pytest.mark.parametrize("name, kwargs, message", BAD_MLP, ids=[m[0] for m in BAD_MLP])
def test_bad_mlp_arguments_are_refused_naming_them(name, kwargs, message):
    with pytest.raises(gd.ArgumentError, match=message):
        builders.mlp(**kwargs)


BAD_SPECS = [
    ("int", 5, "a graph spec is a string"),
    ("None", None, "a graph spec is a string"),
    ("unknown", "nope", "unknown graph 'nope'"),
    ("letters", "speelpenning:x", "sizes after ':' must be integers"),
    ("float", "speelpenning:1.5", "sizes after ':' must be integers"),
    ("zero", "speelpenning:0", "speelpenning: n must be a positive integer, got 0"),
    ("negative", "fan_out:-2", "fan_out: m must be a positive integer, got -2"),
    ("no-sizes", "rosenbrock", "rosenbrock needs sizes"),
    ("too-many", "speelpenning:1,2", "speelpenning takes at most 1 size"),
    ("huge", "random_dag:1000000000", "random_dag: nodes is too large"),
    ("digits", "speelpenning:" + "9" * 5000, "sizes after ':' must be integers"),
]


@pytest.mark.parametrize("name, spec, message", BAD_SPECS, ids=[s[0] for s in BAD_SPECS])
def test_a_bad_graph_spec_is_refused_naming_it(name, spec, message):
    with pytest.raises(gd.ArgumentError, match=re.escape(message)):
        builders.from_spec(spec)


def test_random_dag_with_a_float_size_names_the_parameter():
    with pytest.raises(gd.ArgumentError, match=r"^random_dag: nodes must be an integer, got 2\.5 \(float\)$"):
        builders.random_dag(2.5)


# --- the command line: one line on stderr, exit status 2 -----------------------------------

CLI_FILES = [
    ("binary", b"\x00\xff\xfe\x89", "not a UTF-8 text file"),
    ("deeply-nested", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("truncated", b'{"nodes": [', "not JSON"),
    (
        "null-constant",
        None,
        r"nodes\[3\]\.value: constant 'const_3' must be a number or an array of numbers, got None",
    ),
    ("unary-with-two-edges", "positions", "repeats edges"),
    ("bool-shape", "bool-shape", r"dimension 0 is the bool True"),
    ("unknown-op", "unknown-op", "unknown primitive 'eval' at node 'c'"),
]


def _cli_file(tmp_path, name, content):
    path = tmp_path / f"{name}.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is None:
        return _saved_colah_with_constant(tmp_path, None)
    else:
        doc = io.to_json(builders.colah())
        if content == "positions":
            doc = _doc_with_edges("sin", [("a", 0), ("b", 0)])
        elif content == "bool-shape":
            _node_of(doc, "a")["shape"] = [True]
        else:
            _node_of(doc, "c")["op"] = "eval"
        path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("command", ["bench", "draw"])
@pytest.mark.parametrize("name, content, message", CLI_FILES, ids=[c[0] for c in CLI_FILES])
def test_the_cli_reports_a_bad_graph_file_in_one_line_and_exits_2(
    tmp_path, capsys, command, name, content, message
):
    path = _cli_file(tmp_path, name, content)
    argv = ["bench", "--graph", str(path)] if command == "bench" else ["draw", str(path)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"graphdiff: error: {path}: ") and re.search(message, lines[0]), lines[0]
    assert captured.out == ""


@pytest.mark.parametrize("command", ["bench", "draw"])
def test_the_cli_reports_a_missing_or_directory_graph_file_in_one_line(tmp_path, capsys, command):
    directory = tmp_path / "directory.json"
    directory.mkdir()
    for path in (tmp_path / "missing.json", directory):
        argv = ["bench", "--graph", str(path)] if command == "bench" else ["draw", str(path)]
        assert main(argv) == 2
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("graphdiff: error: cannot read graph file"), lines


# --- valid files still load and evaluate: every builder through save and load --------------

ROUND_TRIP = [
    builders.colah,
    lambda: builders.speelpenning(4),
    lambda: builders.path_explosion(2, 3),
    lambda: builders.fan_out(3),
    lambda: builders.dense_map(2, 3, hidden=4),
    lambda: builders.rosenbrock(3),
    lambda: builders.random_dag(40, 3, 2, seed=3),
    builders.mlp,
    lambda: builders.mlp((2, 3, 1), scalar=True),
    lambda: gd.trace(lambda x: x**3 - x ** (-2), name="powers"),
    lambda: gd.trace(lambda w, x: gd.sum(gd.sigmoid(x @ w)), np.ones(2), np.ones((3, 2)), name="arrays"),
    lambda: gd.trace(
        lambda x: x * np.array([[1.0, np.inf], [np.nan, -0.0]]), np.ones((2, 2)), name="nonfinite"
    ),
    _reference_graph,
]


@pytest.mark.parametrize("build", ROUND_TRIP, ids=lambda b: b().name)
def test_every_builder_survives_save_and_load(tmp_path, build):
    graph = build()
    path = tmp_path / "graph.json"
    io.save(graph, path)
    loaded = io.load(path)
    assert (loaded.name, loaded.inputs, loaded.outputs) == (graph.name, graph.inputs, graph.outputs)
    assert _same_structure(loaded, graph)
    point = random_point(graph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(_flat(loaded(*point)), _flat(graph(*point)))
    io.save(loaded, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == path.read_text()


def _same_structure(a, b):
    return sorted(a.nx.edges(keys=True)) == sorted(b.nx.edges(keys=True)) and all(
        a.label(n) == b.label(n) for n in b.nx
    )


def _flat(outputs):
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return np.concatenate([np.ravel(np.asarray(o, dtype=float)) for o in outputs])
