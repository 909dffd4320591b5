"""The step-through page's events at their edges: parallel edges, derived reads, empty paths."""

from __future__ import annotations

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.views.page.steps import backward_steps, elimination_steps, path_steps


@pytest.mark.parametrize("output", ["y1", "y2", "y3"])
def test_the_factored_path_sum_counts_both_edges_of_a_square(output):
    # fan_out: y_k = t_k * t_k reads t_k twice; two edges t_k -> y_k, two paths through the same nodes
    g = builders.fan_out(3)
    sweep = path_steps(g, [0.5], "x", output)
    expected = float(gd.jacfwd(g)(0.5)[int(output[1]) - 1, 0])
    factored = sweep.steps[-2]  # the factored form, before the sweeps' counts
    assert float(factored.text.rsplit("= ", 1)[1]) == pytest.approx(expected, rel=1e-3)
    assert sweep.final["derivative"] == pytest.approx(expected, rel=1e-14)
    assert factored.counts["additions"] >= 1  # the two edges of the square are added


def test_the_backward_program_reads_what_its_rules_compute_from_the_evaluation():
    # sin's rule reads cos(x), a node of the backward program only: traced back to x, which it reads
    g = builders.path_explosion(2, 3)
    sweep, _ = backward_steps(g, [0.5])
    tape = sweep.final["tape"]
    assert tape and set(tape) <= set(g.nx) and "x" in tape


def test_a_path_from_an_input_to_itself_multiplies_nothing():
    g = gd.Graph("identity")
    x = g.add_input("x")
    g.set_outputs(x, g.add_op("sin", x))
    sweep = path_steps(g, [1.5], "x", "x")
    assert all(step.counts.get("multiplications", 0) >= 0 for step in sweep.steps)
    assert sweep.steps[0].text == "no edge: the empty product = 1"


def test_the_best_order_is_named_as_the_search_it_is():
    sweep = elimination_steps(builders.colah(), [2.0, 1.0], "best", iterations=50)
    assert "50-step search" in sweep.banner
    assert (
        sweep.steps[-1].counts["multiplications"]
        == gd.eliminate(builders.colah(), [2.0, 1.0], order="best", iterations=50, seed=0).multiplications
    )
    assert np.isfinite(sweep.steps[-1].counts["multiplications"])


def test_a_graph_with_no_seed_to_choose_is_refused_by_name_not_a_broken_page():
    with pytest.raises(gd.ArgumentError, match="none of the views forward"):
        gd.show(builders.colah(), [2.0, 1.0], seeds=[], views=["forward"])
    page = gd.show(builders.colah(), [2.0, 1.0], seeds=[])  # the other views stay
    assert '"key":"forward"' not in page.html and '"key":"reverse"' in page.html


def test_each_greek_letter_of_the_path_sum_is_given_its_edge_and_value():
    sweep = path_steps(builders.path_explosion(2, 3), [0.5], "x", "y2")
    assert sweep.note.count(" = ∂") == 6  # α .. ζ: the six partials that are not 1
    assert "α = ∂s1b0/∂x = 0.8776" in sweep.note  # d sin(x)/dx = cos(0.5)


def test_the_backward_program_says_which_node_holds_each_gradient():
    sweep, vg = backward_steps(builders.colah(), [2.0, 1.0])
    assert "c_bar holds de/da, b_bar holds de/db." in sweep.note  # de/da passes through c unchanged
    assert vg(2.0, 1.0, 1.0)[1:] == (2.0, 5.0)
    two, _ = backward_steps(gd.trace(lambda a, b: (a * b, a + b)), [2.0, 1.0])
    assert "gradient of the sum" in two.note


def test_the_path_sum_offers_first_the_pairs_whose_paths_can_be_listed():
    def f(x, y):
        t = x
        for _ in range(4):  # 3^4 = 81 paths from x: more than the page lists
            t = gd.sin(t) + gd.cos(t) + gd.tanh(t)
        return t, gd.sin(x) + gd.cos(x), y * 2.0

    page = gd.show(gd.trace(f, 0.5, 0.5), [0.5, 0.5], views=["paths"])
    labels = [c["label"] for c in page.data["views"][0]["choices"]]
    assert labels[:3] == ["x → add_24", "y → mul_26", "x → add_21"]  # 2 paths, 1, then 81 (not listed)
