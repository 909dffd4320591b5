"""The step-through page, without a browser: its steps reproduce seed 001's numbers, its counts
are eliminate's, the file is self-contained and small, and bad arguments are refused by name."""

from __future__ import annotations

import argparse
import json
import math
import re

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.views.draw import layout
from graphdiff.views.page import geometry, steps
from graphdiff.views.page.steps import (
    MAX_STEPS,
    backward_steps,
    elimination_steps,
    forward_steps,
    path_steps,
    reverse_steps,
    values_after,
)
from graphdiff.views.show import SHOWN_ORDERS, page_data, show

COLAH = {"a": 2.0, "b": 1.0}


@pytest.fixture(scope="module")
def colah_page():
    return show(builders.colah(), COLAH)


def _embedded(page) -> dict:
    match = re.search(r'<script type="application/json" id="gd-data">(.*?)</script>', page.html, re.S)
    return json.loads(match.group(1))


# --- the sweeps reproduce seed 001 ---------------------------------------------------------


def test_reverse_sweep_from_e_gives_the_seeds_adjoints_summing_where_edges_meet():
    rv = reverse_steps(builders.colah(), COLAH, "e")
    assert values_after(rv, len(rv.steps)) == {"e": 1.0, "c": 2.0, "d": 3.0, "a": 2.0, "b": 5.0}
    arrivals_at_b = [s for s in rv.steps if s.nodes[0] == "b"]
    assert [s.text for s in arrivals_at_b] == ["de/db = 3 · 1", "de/db += 2 · 1"]
    assert [s.values["b"] for s in arrivals_at_b] == [3.0, 5.0]  # the sum being formed
    order = [s.nodes[0] for s in rv.steps]
    assert order.index("e") < order.index("c") < order.index("a")  # reverse topological order
    assert rv.faded == {"const_3"}
    assert values_after(rv, len(rv.steps)) == {
        n: v for n, v in gd.reverse(builders.colah(), COLAH).adjoints.items() if n != "const_3"
    }


def test_forward_sweep_from_b_gives_the_seeds_tangents_and_never_computes_a_structural_zero():
    fw = forward_steps(builders.colah(), COLAH, "b")
    assert values_after(fw, len(fw.steps)) == {"b": 1.0, "c": 1.0, "d": 1.0, "e": 5.0}
    assert [s.nodes for s in fw.steps] == [("b",), ("c",), ("d",), ("e",)]  # evaluation order
    assert fw.steps[1].text == "dc/db = 1 · 1" and fw.steps[3].text == "de/db = 2 · 1 + 3 · 1"
    assert fw.faded == {"a", "const_3"}
    assert not any("a" in s.nodes or "const_3" in s.nodes for s in fw.steps)
    seeded_at_a = forward_steps(builders.colah(), COLAH, "a")
    assert values_after(seeded_at_a, len(seeded_at_a.steps)) == {"a": 1.0, "c": 1.0, "e": 2.0}
    assert seeded_at_a.faded == {"b", "d", "const_3"}


@pytest.mark.parametrize("name", ["colah", "speelpenning", "fan_out", "random_dag"])
def test_every_sweep_ends_at_the_values_of_the_modes(name):
    g = {"colah": builders.colah(), "speelpenning": builders.speelpenning(5), "fan_out": builders.fan_out(3),
         "random_dag": builders.random_dag(25)}[name]  # fmt: skip
    point = np.random.default_rng(0).uniform(0.2, 0.9, len(g.inputs)).tolist()
    for x in g.inputs:
        fw, mode = forward_steps(g, point, x), gd.forward(g, point, seed=x)
        assert values_after(fw, len(fw.steps)) == pytest.approx(
            {n: mode.tangents[n] for n in g.nx if n not in mode.zeros}
        )
    for o in g.outputs:
        rv, mode = reverse_steps(g, point, o), gd.reverse(g, point, output=o)
        assert values_after(rv, len(rv.steps)) == pytest.approx(
            {n: v for n, v in mode.adjoints.items() if n not in mode.zeros}
        )


def test_the_backward_program_reads_the_tape_and_ends_at_the_gradient():
    sweep, vg = backward_steps(builders.colah(), COLAH)
    assert vg.inputs == ["a", "b", "e_bar"]
    reads = {s.nodes[0]: s.reads for s in sweep.steps if s.reads}
    assert reads == {"d_bar": ("c",), "c_bar": ("d",)}
    assert sweep.final["tape"] == ["c", "d"]
    assert values_after(sweep, len(sweep.steps))["b_bar"] == 5.0
    assert values_after(sweep, len(sweep.steps))["c_bar"] == 2.0  # colah's de/da is the node c_bar
    assert [s.nodes[0] for s in sweep.steps] == [
        "e_bar",
        *[n for n in vg.program.names if vg.nx.nodes[n]["kind"] == "op"],
    ]


def test_the_path_sum_of_seed_001_has_9_terms_and_factors_into_one_product():
    g = builders.path_explosion(2, 3)
    ps = path_steps(g, [0.5], "x", "y2")
    reference = gd.paths(g, "x", "y2", [0.5])
    assert ps.final["count"] == 9 and ps.final["derivative"] == reference.derivative
    assert ps.final["path_sum"] == {"multiplications": reference.naive_mul, "additions": reference.naive_add}
    assert [s.formula.rsplit(": ", 1)[1] for s in ps.steps[:9]] == [a + b for a in "αβγ" for b in "δεζ"]
    assert [s.counts["multiplications"] for s in ps.steps[:9]][-1] == reference.naive_mul  # running count
    factored = next(s for s in ps.steps if s.formula == "dy2/dx = (α + β + γ)(δ + ε + ζ)")
    assert factored.counts == ps.final["factored"] == {"multiplications": 11, "additions": 4}
    assert float(factored.text.rsplit("= ", 1)[1]) == pytest.approx(reference.derivative, rel=1e-3)
    assert "20 operations" in ps.steps[-1].text  # what one forward and one reverse sweep cost


def test_colah_paths_from_b_do_not_factor_and_a_missing_path_is_a_zero():
    ps = path_steps(builders.colah(), COLAH, "b", "e")
    assert [s.nodes for s in ps.steps[:2]] == [("b", "c", "e"), ("b", "d", "e")]
    assert ps.final["derivative"] == 5.0 and ps.final["factored"] == ps.final["path_sum"]
    g = gd.trace(lambda x, y: (x * 2.0, y * 3.0))
    none = path_steps(g, [1.0, 1.0], "x", g.outputs[1])
    assert none.final == {"count": 0} and none.steps[0].text.endswith("= 0")


@pytest.mark.parametrize("order", SHOWN_ORDERS)
@pytest.mark.parametrize("name", ["colah", "roe_flux_1d", "random_dag"])
def test_the_elimination_replay_counts_what_eliminate_counts(order, name):
    if name == "roe_flux_1d":
        g, point = builders.roe_flux_1d(), builders.ELIMINATION_BENCHMARKS["roe_flux_1d"][1]
    elif name == "random_dag":
        g = builders.random_dag(40)
        point = np.random.default_rng(1).uniform(0.2, 0.9, len(g.inputs)).tolist()
    else:
        g, point = builders.colah(), [2.0, 1.0]
    el = elimination_steps(g, point, order, iterations=50)
    expected = gd.eliminate(g, point, order=order, iterations=50, seed=0)
    assert el.final["multiplications"] == expected.multiplications
    assert el.final["additions"] == expected.additions
    assert el.final["order"] == expected.order
    assert el.steps[-1].counts == {
        "multiplications": expected.multiplications,
        "additions": expected.additions,
    }
    np.testing.assert_allclose(el.final["jacobian"], expected.jacobian)
    assert [s.removed for s in el.steps[:-1]] == [(v,) for v in expected.order][: len(el.steps) - 1]


def test_colah_elimination_shows_its_fill_in_and_the_jacobian():
    el = elimination_steps(builders.colah(), [2.0, 1.0], "reverse")
    first, second, last = el.steps
    assert first.removed == ("d",) and first.partials == {("b", "e"): 3.0}
    assert "fill-in" in first.text
    assert second.partials == {("a", "e"): 2.0, ("b", "e"): 5.0} and "+=" in second.text
    assert last.text == "de/da = 2, de/db = 5" and last.counts == {"multiplications": 3, "additions": 1}


# --- the page ----------------------------------------------------------------------------


def test_the_colah_page_is_one_small_file_that_requests_nothing(colah_page):
    text = colah_page.html
    assert len(text.encode()) < 100_000
    assert text.startswith("<!DOCTYPE html>")
    for external in (
        "http://",
        "https://",
        "src=",
        "href=",
        "@import",
        "url(http",
        "fetch(",
        "XMLHttpRequest",
    ):
        assert external not in text, external
    assert text.count("<script") == 2  # the data and the script, both inline
    data = _embedded(colah_page)
    assert [v["key"] for v in data["views"]] == ["forward", "reverse", "backward", "paths", "elimination"]
    assert [c["label"] for c in data["views"][0]["choices"]] == ["a", "b"]  # a seed per input
    assert [c["label"] for c in data["views"][4]["choices"]] == list(SHOWN_ORDERS)


def test_the_page_data_names_the_nodes_marked_by_each_step(colah_page):
    data = _embedded(colah_page)
    reverse = data["views"][1]["choices"][0]["sweep"]
    marks = {}
    for step in reverse["steps"]:
        marks.update(step.get("v", {}))
    assert marks == {"original/e": "de/de = 1", "original/c": "de/dc = 2", "original/d": "de/dd = 3",
                     "original/b": "de/db = 5", "original/a": "de/da = 2"}  # fmt: skip
    assert reverse["banner"] == "reverse sweep seeded at e" and reverse["shows"] == "adjoints de/d·"
    forward_b = data["views"][0]["choices"][1]["sweep"]
    assert forward_b["faded"] == ["original/a", "original/const_3"]
    elimination = {c["label"]: c["sweep"] for c in data["views"][4]["choices"]}
    for order, sweep in elimination.items():
        assert (
            sweep["final"]["multiplications"]
            == gd.eliminate(builders.colah(), [2.0, 1.0], order=order, iterations=200).multiplications
        )


def test_edges_end_exactly_on_the_borders_of_their_boxes():
    for g in (
        builders.colah(),
        builders.path_explosion(2, 3),
        gd.vjp_graph(builders.colah()),
        builders.random_dag(30),
    ):
        kinds = dict(g.nx.nodes(data="kind"))
        d = geometry.diagram(
            layout(g),
            kinds,
            [(u, v) for u, v, _ in g.nx.edges(keys=True)],
            {n: 6 for n in g.nx},
        )
        for wire in d.wires:
            assert geometry.on_border(d.boxes[wire.u], wire.start), (g.name, wire)
            assert geometry.on_border(d.boxes[wire.v], wire.end), (g.name, wire)
        boxes = list(d.boxes.values())
        for i, a in enumerate(boxes):  # no two boxes overlap
            for b in boxes[i + 1 :]:
                assert abs(a.x - b.x) >= (a.w + b.w) / 2 or abs(a.y - b.y) >= (a.h + b.h) / 2


def test_an_edge_that_would_cross_a_box_is_bent_around_it():
    # x feeds y and z; z also reads y: the straight x -> z passes through y's box
    positions = {"x": (0, 0), "y": (0, 1), "z": (0, 2)}
    d = geometry.diagram(
        positions,
        {"x": "input", "y": "op", "z": "op"},
        [("x", "y"), ("y", "z"), ("x", "z")],
        {n: 4 for n in "xyz"},
    )
    bent = {(w.u, w.v): w.bent for w in d.wires}
    assert bent == {("x", "y"): False, ("y", "z"): False, ("x", "z"): True}


def _sampled_path(d: str, per_segment: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path of M, L, Q and C commands (absolute), as the page draws them."""
    tokens = re.findall(r"[MLQC]|-?[\d.]+", d)
    points, here, k = [], None, 0
    while k < len(tokens):
        command, k = tokens[k], k + 1
        count = {"M": 1, "L": 1, "Q": 2, "C": 3}[command]
        ps = [(float(tokens[k + 2 * i]), float(tokens[k + 2 * i + 1])) for i in range(count)]
        k += 2 * count
        if command != "M":
            ctrl = [here, *ps]
            for j in range(per_segment + 1):
                t = j / per_segment
                n = len(ctrl) - 1
                weights = [math.comb(n, i) * (1 - t) ** (n - i) * t**i for i in range(n + 1)]
                points.append(
                    (
                        sum(w * p[0] for w, p in zip(weights, ctrl)),
                        sum(w * p[1] for w, p in zip(weights, ctrl)),
                    )
                )
        here = ps[-1]
    return points


def test_the_page_routes_edges_through_the_static_pictures_waypoints_clear_of_every_box():
    from graphdiff.views.draw import routed_layout

    g = builders.random_dag(30, seed=1)
    point = np.random.default_rng(0).uniform(0.2, 0.9, len(g.inputs)).tolist()
    drawn = _embedded(show(g, point, iterations=20))["diagrams"]["original"]
    boxes = {
        n["id"]: geometry.Box(n["id"], n["kind"], n["x"], n["y"], n["w"], n["h"]) for n in drawn["nodes"]
    }
    routed = routed_layout(g)
    P = routed.positions
    left, right = min(P, key=lambda n: P[n][0]), max(P, key=lambda n: P[n][0])
    low, high = min(P, key=lambda n: P[n][1]), max(P, key=lambda n: P[n][1])
    across = (boxes[right].x - boxes[left].x) / (P[right][0] - P[left][0])  # pixels per layout unit
    down = (boxes[high].y - boxes[low].y) / (P[high][1] - P[low][1])

    def pixels(x, y):
        return boxes[left].x + (x - P[left][0]) * across, boxes[low].y + (y - P[low][1]) * down

    crossing = 0
    for edge in drawn["edges"]:
        u, v = edge["u"], edge["v"]
        path = _sampled_path(edge["d"])
        for wx, wy in (pixels(*p) for p in routed.waypoints[u, v]):
            assert min(math.dist((wx, wy), p) for p in path) < 0.5, (u, v)  # through draw's waypoints
            crossing += 1
        for x, y in path:
            hit = [n for n, box in boxes.items() if box.contains(x, y, inflate=-1.0 if n in (u, v) else 1.0)]
            assert not hit, f"edge {u} -> {v} passes through {hit} at {(x, y)}"
        for n in (u, v):
            assert geometry.on_border(boxes[n], path[0 if n == u else -1], tolerance=0.6)
        label = geometry.Box("", "", edge["lx"], edge["ly"], 0.62 * 16 * len(edge.get("label", "")), 20)
        assert not [n for n, box in boxes.items() if abs(label.x - box.x) < (label.w + box.w) / 2
                    and abs(label.y - box.y) < (label.h + box.h) / 2], edge  # fmt: skip
    assert crossing > 10  # long edges were routed


def test_a_500_node_graph_is_listed_not_drawn_and_the_file_stays_bounded():
    g = builders.random_dag(500)
    point = np.random.default_rng(0).uniform(0.2, 0.9, len(g.inputs)).tolist()
    page = show(g, point, iterations=20)
    data = _embedded(page)
    assert all(d is None for d in data["diagrams"].values())
    assert len(page.html.encode()) < 1_000_000
    for view in data["views"]:
        assert len(view["choices"]) <= 4
        for choice in view["choices"]:
            assert len(choice["sweep"]["steps"]) <= MAX_STEPS
    elimination = data["views"][-1]["choices"][0]["sweep"]
    assert elimination["total"] > MAX_STEPS and elimination["steps"][-1]["f"] == "the Jacobian"


def test_a_graph_of_arrays_shows_its_sweeps_with_small_arrays_written_out():
    page = show(
        builders.mlp(), [np.full((2, 4), 0.1), np.zeros((1, 4)), np.full((4, 1), 0.2), np.zeros((1, 1))]
    )
    data = _embedded(page)
    assert [v["key"] for v in data["views"]] == ["forward", "reverse", "backward"]
    assert "need a graph of scalars" in data["notes"][0]
    assert steps.fmt(np.array([[0.5], [0.25]])) == "[[0.5], [0.25]]"


def test_a_function_is_traced_at_the_point():
    page = show(lambda a, b: (a + b) * (b + 1.0), [2.0, 1.0], views=["reverse"])
    sweep = _embedded(page)["views"][0]["choices"][0]["sweep"]
    assert sweep["steps"][0]["t"].endswith("= 1")


def test_jupyter_shows_the_page_in_an_iframe_and_save_writes_it(colah_page, tmp_path):
    shown = colah_page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "<script" not in shown  # escaped inside srcdoc
    path = colah_page.save(tmp_path / "colah.html")
    assert path.read_text(encoding="utf-8") == colah_page.html
    assert "colah" in repr(colah_page)


@pytest.mark.parametrize(
    "call, error, named",
    [
        (lambda g: show(g, {"a": 2.0}), gd.MissingInputError, "b"),
        (lambda g: show(g, COLAH, views=["sideways"]), gd.ArgumentError, "views"),
        (lambda g: show(g, COLAH, views="forward"), gd.ArgumentError, "views"),
        (lambda g: show(g, COLAH, orders=["random"]), gd.ArgumentError, "orders"),
        (lambda g: show(g, COLAH, iterations=0), gd.ArgumentError, "iterations"),
        (lambda g: show(g, COLAH, seeds=["e"]), gd.SeedError, "seeds"),
        (lambda g: show(g, COLAH, outputs=["a"]), gd.SeedError, "outputs"),
        (lambda g: show("colah", COLAH), gd.ArgumentError, "g must be"),
        (lambda g: show(g, {"a": "two", "b": 1.0}), gd.ValueTypeError, "a"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, named):
    with pytest.raises(error) as caught:
        call(builders.colah())
    assert isinstance(caught.value, gd.GraphError) and named in str(caught.value)


def test_page_data_is_json_and_cannot_end_its_script_early():
    g = gd.Graph("</script><b>")
    x = g.add_input("x")
    g.set_outputs(g.add_op("sin", x))
    page = show(g, [0.5])
    assert page.html.count("</script>") == 2 and "<b>" not in page.html
    assert _embedded(page)["graph"] == "</script><b>"
    assert page_data(g, [0.5], views=["forward"])["views"][0]["choices"][0]["sweep"]["steps"][-1][
        "r"
    ].startswith("dsin")


# --- the command -------------------------------------------------------------------------


def _parser():
    from graphdiff.cli import show as show_command
    from graphdiff.cli.main import _Parser

    parser = _Parser(prog="graphdiff")
    show_command.add_parser(parser.add_subparsers(dest="command"))
    return parser


def test_the_show_command_writes_the_page(tmp_path, capsys):
    path = tmp_path / "colah.html"
    args = _parser().parse_args(["show", "colah", "-o", str(path)])
    args.check(args)
    assert args.run(args) == 0
    assert "wrote" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == show(builders.colah(), COLAH).html
    args = _parser().parse_args(
        ["show", "path_explosion:2,3", "--at", "0.5", "--view", "paths", "-o", str(path)]
    )
    args.check(args)
    args.run(args)
    assert '"key":"paths"' in path.read_text(encoding="utf-8")


def test_the_show_command_refuses_what_makes_no_sense(tmp_path):
    for argv, message in [
        (["show", "colah", "--view", "sideways", "-o", str(tmp_path / "p.html")], "--view sideways"),
        (["show", "colah", "-o", str(tmp_path / "missing" / "p.html")], "does not exist"),
        (["show", "colah", "--shapes", "3", "-o", str(tmp_path / "p.html")], "--shapes"),
    ]:
        args = _parser().parse_args(argv)
        with pytest.raises(gd.ArgumentError, match=re.escape(message)):
            args.check(args)
    with pytest.raises(SystemExit):
        _parser().parse_args(["show", "colah"])  # -o is required


def test_add_parser_returns_the_subcommand():
    sub = argparse.ArgumentParser().add_subparsers()
    from graphdiff.cli.show import add_parser

    assert add_parser(sub).prog.endswith("show")
