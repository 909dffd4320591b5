"""Forward and reverse sweeps: per-node results, structural zeros, stored values; "Calculus on Computational Graphs" exactly."""

from __future__ import annotations

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders

AT = {"a": 2.0, "b": 1.0}


def test_colah_values_exactly():
    rv = gd.reverse(builders.colah(), AT)
    assert {n: rv.values[n] for n in "abcde"} == {"a": 2.0, "b": 1.0, "c": 3.0, "d": 2.0, "e": 6.0}


def test_colah_forward_seeded_at_b_exactly():
    fw = gd.forward(builders.colah(), AT, seed="b")
    assert {n: fw.tangents[n] for n in "abcde"} == {"a": 0.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 5.0}
    assert "a" in fw.zeros and not {"b", "c", "d", "e"} & fw.zeros
    assert fw.output_tangents == 5.0


def test_colah_forward_seeded_at_a_exactly():
    fw = gd.forward(builders.colah(), AT, seed="a")
    assert {n: fw.tangents[n] for n in "abcde"} == {"a": 1.0, "b": 0.0, "c": 1.0, "d": 0.0, "e": 2.0}
    assert {"b", "d"} <= fw.zeros  # d = b + 1 does not depend on a: never computed


def test_colah_reverse_seeded_at_e_exactly():
    rv = gd.reverse(builders.colah(), AT)
    assert {n: rv.adjoints[n] for n in "edcba"} == {"e": 1.0, "d": 3.0, "c": 2.0, "a": 2.0, "b": 5.0}
    assert rv.input_adjoints == (2.0, 5.0)
    assert not rv.zeros
    assert rv.stored_values == 2  # mul reads c and d; add reads nothing


def test_colah_edge_partials_exactly():
    from graphdiff.views.report import edge_partials

    partials = {(e["from"], e["to"]): e["partial"] for e in edge_partials(builders.colah(), AT)}
    assert partials == {("a", "c"): 1.0, ("b", "c"): 1.0, ("b", "d"): 1.0, ("c", "e"): 2.0, ("d", "e"): 3.0}


def test_reverse_zeros_for_nodes_the_output_does_not_depend_on():
    g = gd.trace(lambda x, y: (x * 2.0, gd.sin(y)))
    rv = gd.reverse(g, [1.0, 2.0], output=g.outputs[0])
    assert rv.adjoints["y"] == 0.0 and "y" in rv.zeros
    assert g.outputs[1] in rv.zeros


def test_fan_out_adjoints_accumulate():
    g = gd.trace(lambda x: x * x + gd.sin(x) + x)
    rv = gd.reverse(g, [0.5])
    assert rv.adjoints["x"] == pytest.approx(2 * 0.5 + np.cos(0.5) + 1, rel=1e-15)


def test_stored_values_are_what_the_rules_read():
    # exp keeps its output, sin keeps its input, add keeps nothing
    g = gd.trace(lambda x, y: gd.exp(x) + gd.sin(y))
    assert gd.reverse(g, [0.1, 0.2]).stored_values == 2
    g = gd.trace(lambda x, y: x + y - x)
    assert gd.reverse(g, [0.1, 0.2]).stored_values == 0


def test_directional_forward_sweep():
    fw = gd.forward(builders.colah(), AT, seed={"a": 1.0, "b": 1.0})
    assert fw.tangents["e"] == 7.0  # de/da + de/db


def test_forward_on_arrays_seeds_a_unit_tangent():
    g = gd.trace(lambda x: x * x, np.ones(3))
    fw = gd.forward(g, [np.array([1.0, 2.0, 3.0])])
    np.testing.assert_array_equal(fw.output_tangents, [2.0, 4.0, 6.0])


def test_an_instruction_reading_a_value_twice_passes_on_one_sum():
    # the program marks the instructions whose terms the reverse sweep sums before they
    # arrive: x * x, and a three-argument instruction reading x at positions 0 and 2
    fma = gd.Primitive(
        "fma_twice", 3, lambda x, y, z: x * y + z,
        jvp=(lambda t, o, x, y, z: t * y, lambda t, o, x, y, z: x * t, lambda t, o, x, y, z: t),
        vjp=(lambda b, o, x, y, z: b * y, lambda b, o, x, y, z: b * x, lambda b, o, x, y, z: b),
    )  # fmt: skip
    g = gd.trace(lambda x, y: fma(x, y, x) + x * x + x * y, 0.5, 3.0)
    program = g.program
    twice = [g.label(program.names[k]) for k in sorted(program.rereads)]
    assert twice == ["fma_twice(x, y, x)", "mul(x, x)"]
    # f = (x y + x) + x^2 + x y: d/dx = (y + 1) + 2x + y = 8.0 at (0.5, 3.0); d/dy = 2x = 1.0
    assert gd.reverse(g, [0.5, 3.0]).input_adjoints == (8.0, 1.0)
