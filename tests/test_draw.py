"""Pictures: DOT text with the right numbers, PNG/SVG files, faded structural zeros, the CLI."""

from __future__ import annotations

import importlib
import re

import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.main import main
from graphdiff.views.draw import annotate, layout

AT = {"a": 2.0, "b": 1.0}
draw_module = importlib.import_module("graphdiff.views.draw")  # graphdiff.views.draw is the function


def dot_labels(dot):
    return dict(re.findall(r'^\s+"(\w+)" \[label="([^"]*)"', dot, flags=re.M))


def test_reverse_picture_shows_the_adjoints():
    labels = dot_labels(gd.draw(builders.colah(), AT, reverse=True, format="dot"))
    adjoints = {n: labels[n].split("\\n")[1] for n in "abcde"}
    assert adjoints == {
        "a": "de/da = 2",
        "b": "de/db = 5",
        "c": "de/dc = 2",
        "d": "de/dd = 3",
        "e": "de/de = 1",
    }


def test_forward_picture_fades_structural_zeros():
    picture = annotate(builders.colah(), AT, forward="b")
    assert "a" in picture.faded and not {"b", "c", "d", "e"} & picture.faded
    assert picture.labels["e"] == "e = 6\nde/db = 5"
    dot = gd.draw(builders.colah(), AT, forward="b", format="dot")
    assert re.search(r'"a" \[label="a = 2\\nda/db = 0", color=gray70', dot)


def test_edges_carry_their_partials():
    picture = annotate(builders.colah(), AT, reverse=True)
    assert picture.edge_labels == {
        ("a", "c"): "1",
        ("b", "c"): "1",
        ("b", "d"): "1",
        ("c", "e"): "2",
        ("d", "e"): "3",
    }
    dot = gd.draw(builders.colah(), AT, reverse=True, format="dot")
    assert '"c" -> "e" [label="2"];' in dot


def test_parallel_edges_are_labelled_once_with_both_partials():
    g = gd.trace(lambda x: x * x)
    picture = annotate(g, [3.0], reverse=True)
    assert picture.edge_labels == {("x", g.outputs[0]): "3, 3"}


def test_layout_puts_inputs_below_their_operations():
    g = builders.path_explosion(3, 2)
    pos = layout(g)
    for u, v in g.nx.edges():
        assert pos[u][1] < pos[v][1]
    assert len(set(pos.values())) == len(pos)  # no two nodes in one place


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_files_are_written(tmp_path, suffix):
    path = tmp_path / f"rev.{suffix}"
    gd.draw(builders.colah(), AT, reverse=True, path=path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in data
    assert len(data) > 5_000


def test_array_graphs_show_small_arrays_by_value_and_large_ones_by_shape_and_first_entries():
    # the XOR network: W1 is 2x4 (8 entries), b1 1x4 and W2 4x1 (4 each), b2 1x1
    import numpy as np

    g = builders.mlp()
    from graphdiff.cli.suites import random_point

    point = random_point(g)
    picture = annotate(g, point, reverse=True)
    assert picture.edge_labels == {}  # partials of arrays are matrices: not written on edges
    W1, b1, W2, b2 = (np.asarray(point[k]) for k in range(4))
    first = ", ".join(f"{x:.3g}" for x in W1.ravel()[:3])
    assert picture.labels["W1"].splitlines()[0] == f"W1 = (2×4) [{first}, …]"
    assert picture.labels["b1"].splitlines()[0] == "b1 = [[" + ", ".join(f"{x:.3g}" for x in b1[0]) + "]]"
    assert picture.labels["W2"].splitlines()[0] == "W2 = [" + ", ".join(f"[{x:.3g}]" for x in W2[:, 0]) + "]"
    assert picture.labels["b2"].splitlines()[0] == f"b2 = [[{b2[0, 0]:.3g}]]"
    assert "array" not in " ".join(picture.labels.values())
    boxes, _, _ = drawn(gd.draw(g, point, reverse=True, format="png"))  # the widest label fits its slot
    row = sorted(boxes.values(), key=lambda b: (round(b.y0), b.x0))
    assert all(a.x1 <= b.x0 for a, b in zip(row, row[1:]) if round(a.y0) == round(b.y0))


def test_structure_only_and_jupyter_svg():
    picture = annotate(builders.colah())
    assert picture.labels["e"] == "e\nmul"
    assert builders.colah()._repr_svg_().lstrip().startswith("<?xml")


def test_draw_refuses_two_sweeps_and_unknown_formats():
    with pytest.raises(gd.ArgumentError, match="one sweep at a time"):
        annotate(builders.colah(), AT, forward="a", reverse=True)
    with pytest.raises(gd.ArgumentError, match="dot, png or svg"):
        gd.draw(builders.colah(), AT, format="gif")


def test_cli_draw(capsys, tmp_path):
    path = tmp_path / "rev.png"
    assert main(["draw", "colah", "--reverse", "-o", str(path)]) == 0
    assert path.read_bytes().startswith(b"\x89PNG")
    assert main(["draw", "colah", "--forward", "b", "--format", "dot"]) == 0
    assert "de/db = 5" in capsys.readouterr().out
    assert main(["draw", "path_explosion:2,3", "--at", "0.5", "--reverse", "--format", "dot"]) == 0
    assert "dy2/dx" in capsys.readouterr().out
    assert main(["draw", "nope"]) == 2
    assert "unknown graph 'nope'" in capsys.readouterr().err


def test_a_png_or_svg_of_more_than_max_nodes_is_refused_by_name_pointing_to_dot():
    g = builders.speelpenning(101)  # 201 nodes
    for fmt in ("png", "svg"):
        with pytest.raises(
            gd.TooLargeToDrawError, match=r"speelpenning\(101\) has 201 nodes, more than max_nodes=200"
        ) as err:
            gd.draw(g, format=fmt)
        assert isinstance(err.value, gd.GraphError) and isinstance(err.value, ValueError)
        assert "format='dot'" in str(err.value) and "--format dot" in str(err.value)
    small = builders.speelpenning(6)  # 11 nodes
    with pytest.raises(gd.TooLargeToDrawError, match="11 nodes, more than max_nodes=10"):
        gd.draw(small, format="svg", max_nodes=10)
    assert gd.draw(small, format="svg", max_nodes=11) is not None


def test_dot_text_is_written_at_any_size():
    g = builders.speelpenning(5000)  # 9999 nodes
    dot = gd.draw(g, format="dot")
    assert dot.count(" -> ") == len(g.nx.edges) == 2 * 4999
    assert dot.count("[label=") == len(g)  # structure only: node labels, none on edges


def test_dot_text_reads_the_edges_in_a_fixed_number_of_passes_not_once_per_edge(monkeypatch):
    from networkx.classes.reportviews import OutMultiEdgeView

    star = gd.Graph("star")  # one input read by 300 operations: a scan of its edges per edge is 300^2
    x = star.add_input("x")
    star.set_outputs(*[star.add_op("sin", x) for _ in range(300)])
    picture = annotate(star, [0.5])
    passes = []
    real_call = OutMultiEdgeView.__call__

    def counted(self, *args, **kwargs):
        passes.append(args)
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(OutMultiEdgeView, "__call__", counted)
    dot = draw_module.to_dot(picture)
    assert dot.count(" -> ") == 300 and len(passes) <= 2


def test_the_cli_refuses_a_big_png_in_one_line_and_still_writes_its_dot(capsys, tmp_path):
    assert main(["draw", "speelpenning:200", "-o", str(tmp_path / "big.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        len(err.splitlines()) == 1 and "TooLarge" not in err and "399 nodes" in err and "--format dot" in err
    )
    assert not (tmp_path / "big.png").exists()
    assert main(["draw", "speelpenning:200", "--format", "dot"]) == 0
    assert capsys.readouterr().out.count(" -> ") == 2 * 199


def test_jupyter_shows_the_repr_of_a_big_graph_without_drawing_it(monkeypatch):
    def no_drawing(*args, **kwargs):
        raise AssertionError("a big graph was drawn")

    monkeypatch.setattr(draw_module, "render", no_drawing)
    monkeypatch.setattr(draw_module, "annotate", no_drawing)
    assert builders.speelpenning(2000)._repr_svg_() is None
    assert builders.speelpenning(101)._repr_svg_() is None  # 201 nodes, just past the limit


def test_a_chain_reading_one_new_input_per_step_is_two_nodes_wide():
    # speelpenning(n): x0 and x1 feed the first mul; x_k sits just below the k-th mul, the
    # one that reads it, instead of all n inputs in one bottom row n nodes wide: n layers,
    # the last holding the final mul alone
    n = 30
    g = builders.speelpenning(n)
    pos = layout(g)
    rows = {}
    for node, (_, y) in pos.items():
        rows.setdefault(y, []).append(node)
    assert max(len(r) for r in rows.values()) == 2 and len(rows) == n
    assert sorted(rows[0.0]) == ["x0", "x1"]
    for k in range(2, n):
        (consumer,) = g.nx.successors(f"x{k}")
        assert pos[f"x{k}"][1] == pos[consumer][1] - 1
    fig = gd.draw(builders.speelpenning(6), format="svg")
    assert fig.get_size_inches().tolist() == [5.0, 1.5 * 6 + 1.2]  # 2 nodes wide, 6 layers


def test_a_large_png_is_rasterized_within_max_pixels(tmp_path, monkeypatch):
    monkeypatch.setattr(draw_module, "MAX_PIXELS", 200_000)
    path = tmp_path / "small.png"
    fig = gd.draw(builders.path_explosion(3, 3), [0.5], reverse=True, path=path)
    inches = fig.get_size_inches()  # 6.9 x 16.2: 897 x 2106 pixels at 130 dpi
    header = path.read_bytes()[:24]
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert 190_000 < width * height <= 200_000  # lowered to the cap, no further
    assert width / height == pytest.approx(inches[0] / inches[1], rel=0.01)


def test_drawing_does_not_switch_the_matplotlib_backend_or_touch_pyplot(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    from graphdiff.views.plot import plot_costs

    before = matplotlib.get_backend()
    try:
        matplotlib.use("svg")  # a user's choice, not the Agg graphdiff draws with
        mine = plt.figure()
        figures = plt.get_fignums()
        gd.draw(builders.colah(), AT, reverse=True, path=tmp_path / "rev.png")
        gd.draw(builders.colah(), AT, reverse=True, path=tmp_path / "rev.svg")
        returned = gd.draw(builders.colah(), AT, format="png")  # no path: the figure is returned
        assert builders.colah()._repr_svg_().lstrip().startswith("<?xml")
        from graphdiff.cli.suites import run_suite

        plot_costs(run_suite(["fan_out"], [2, 4], repeats=1), tmp_path / "costs.png")
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == figures  # not even the returned figure joined pyplot's list
        assert type(returned).__name__ == "Figure"
        assert (tmp_path / "costs.png").read_bytes().startswith(b"\x89PNG")
    finally:
        plt.close(mine)
        matplotlib.use(before)


def test_the_drawing_benchmark_measures_a_picture_and_a_refusal():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import drawing

    drawn = drawing.measure("speelpenning", 9, "svg")
    assert drawn["nodes"] == 9 and drawn["outcome"].endswith("MB file") and drawn["peak MB"] > 0
    refused = drawing.measure_in_child("random_dag", 300, "png")  # a fresh interpreter
    assert refused["nodes"] == 300 and refused["outcome"] == "refused: TooLargeToDrawError"
    table = drawing.render_table([drawn, refused])
    assert "peak MB" in table and "speelpenning(5)" in table and "random_dag(290,10,1,0)" in table


# --- the geometry of a drawn picture, measured on the figure matplotlib drew ----------------


def drawn(fig):
    """Node boxes, edge outlines (display pixels) and edge-label boxes of a drawn figure, by gid."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    boxes = {
        t.get_gid()[5:]: t.get_bbox_patch().get_window_extent(renderer)
        for t in ax.texts
        if (t.get_gid() or "").startswith("node ")
    }
    labels = {
        t.get_gid()[6:]: t.get_bbox_patch().get_window_extent(renderer)
        for t in ax.texts
        if (t.get_gid() or "").startswith("label ")
    }
    edges = {}
    for p in ax.patches:
        if (p.get_gid() or "").startswith("edge "):
            u, v = p.get_gid()[5:].split(" -> ")
            edges[u, v] = p.get_transform().transform_path(p.get_path())
    return boxes, edges, labels


def inside(box, x, y, margin):
    return box.x0 + margin < x < box.x1 - margin and box.y0 + margin < y < box.y1 - margin


def border_distance(box, x, y):
    dx = max(box.x0 - x, 0, x - box.x1)
    dy = max(box.y0 - y, 0, y - box.y1)
    if dx or dy:
        return (dx * dx + dy * dy) ** 0.5
    return min(x - box.x0, box.x1 - x, y - box.y0, box.y1 - y)


def stroked_tip(outline, linewidth_px):
    """Where an arrowhead's stroke ends: its tip vertex pushed out by the miter of the stroke.

    (matplotlib pulls the head's polygon back by that much so the stroke ends where the path does.)
    """
    import numpy as np

    left, tip, right = outline.vertices[-4:-1]
    a, b = left - tip, right - tip
    half = np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) / 2
    ahead = tip - (left + right) / 2
    return tip + ahead / np.linalg.norm(ahead) * linewidth_px / 2 / np.sin(half)


def test_each_arrow_starts_and_ends_exactly_on_the_borders_of_its_boxes():
    fig = gd.draw(builders.colah(), AT, reverse=True, format="png")
    boxes, edges, _ = drawn(fig)
    assert set(edges) == {("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e"), ("const_3", "d")}
    linewidth = 1.0 * fig.dpi / 72
    for (u, v), outline in edges.items():
        tip, start = stroked_tip(outline, linewidth), outline.vertices[0]
        assert border_distance(boxes[v], *tip) <= 1.5, (u, v, tip, boxes[v])  # touches the target
        assert border_distance(boxes[u], *start) <= 1.5, (u, v, start, boxes[u])  # leaves the source
        assert not inside(boxes[v], *tip, 0) or border_distance(boxes[v], *tip) <= 1.5
        assert not any(inside(boxes[n], *p, 1.5) for p in outline.vertices for n in (u, v)), (u, v)


def sampled(outline, per_segment=24):
    return [segment(k / per_segment) for segment, _ in outline.iter_bezier() for k in range(per_segment + 1)]


@pytest.mark.parametrize(
    "graph, point, output",
    [
        (builders.path_explosion(3, 3), [0.5], None),
        (builders.random_dag(12, seed=0), None, "mul_13"),
        (builders.random_dag(12, seed=3), None, None),
        (builders.random_dag(30, seed=1), None, None),
    ],
    ids=["path_explosion(3,3)", "random_dag(12)", "random_dag(12,seed=3)", "random_dag(30)"],
)
def test_no_edge_runs_through_a_box_and_no_label_covers_one(graph, point, output):
    from graphdiff.cli.suites import random_point

    point = random_point(graph) if point is None else point
    output = output or graph.outputs[0]
    boxes, edges, labels = drawn(gd.draw(graph, point, reverse=True, output=output, format="png"))
    assert len(edges) == len(set(graph.nx.edges())) and labels
    for (u, v), outline in edges.items():
        for x, y in sampled(outline):
            hit = [n for n, box in boxes.items() if inside(box, x, y, 1.0 if n in (u, v) else -1.0)]
            assert not hit, f"edge {u} -> {v} passes through {hit} at {(x, y)}"
    for edge, label in labels.items():
        covered = [n for n, box in boxes.items() if label.overlaps(box)]
        assert not covered, f"the label of {edge} covers {covered}"


def test_a_constant_sits_beside_the_other_argument_of_its_user():
    pos = layout(builders.colah())  # d = b + 1: the constant is b's neighbour, in the layer under d
    assert pos["const_3"][1] == pos["b"][1] == pos["d"][1] - 1
    row = sorted((x, n) for n, (x, y) in pos.items() if y == pos["b"][1])
    names = [n for _, n in row]
    assert abs(names.index("const_3") - names.index("b")) == 1
    assert pos["a"][0] < pos["b"][0] < pos["const_3"][0]  # a + b under c, b + 1 under d: no crossing


def test_a_long_edge_passes_a_waypoint_in_each_layer_it_crosses_in_a_slot_of_its_own():
    g = builders.random_dag(30, seed=1)
    routed = draw_module.routed_layout(g)
    spans = 0
    for (u, v), points in routed.waypoints.items():
        yu, yv = routed.positions[u][1], routed.positions[v][1]
        assert [y for _, y in points] == [yu + k for k in range(1, int(yv - yu))]
        spans += len(points)
        for x, y in points:
            assert all(abs(x - px) >= 0.75 for px, py in routed.positions.values() if py == y)
    assert spans > 10  # the test is about something


def test_a_500_node_graph_is_drawn_summarised_in_a_few_counted_boxes_clear_of_each_other():
    from graphdiff.cli.suites import random_point

    g = builders.random_dag(500)  # 503 nodes, 71 layers
    with pytest.raises(gd.TooLargeToDrawError, match="--summarise"):
        gd.draw(g, format="png")  # still refused unless asked
    fig = gd.draw(g, random_point(g), reverse=True, output=g.outputs[0], format="png", summarise=True)
    assert (
        fig.axes[0].get_title()
        == f"Reverse sweep seeded at {g.outputs[0]}, summarised: 503 nodes in 13 boxes"
    )
    boxes, edges, labels = drawn(fig)
    texts = {
        t.get_gid()[5:]: t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("node ")
    }
    assert 3 <= len(boxes) <= 60 and len(edges) <= 60
    assert sum(int(text.split()[0]) for text in texts.values()) == len(g)  # every node counted once
    assert texts["inputs 0"].startswith("3 inputs: x0, x1, x2")
    assert any(re.match(r"\d+ ops: \w+×\d+, ", text) for text in texts.values())
    for (u, v), outline in edges.items():
        for x, y in sampled(outline):
            assert not [n for n, box in boxes.items() if inside(box, x, y, 1.0 if n in (u, v) else -1.0)]
    for edge, label in labels.items():
        assert not [n for n, box in boxes.items() if label.overlaps(box)], edge
    counted = sum(int(t.get_text()) for t in fig.axes[0].texts if (t.get_gid() or "").startswith("label "))
    inside_or_far = sum(
        int(m)
        for text in texts.values()
        for m in re.findall(r"(\d+) (?:edges? inside|from farther down)", text)
    )
    assert counted + inside_or_far == g.nx.number_of_edges()  # every edge counted once


def test_the_cli_draws_a_big_graph_summarised_when_asked(tmp_path):
    path = tmp_path / "big.svg"
    assert main(["draw", "speelpenning:200", "--summarise", "-o", str(path)]) == 0
    svg = path.read_text()
    assert "summarised: 399 nodes in" in svg and 'id="node ops 0"' in svg
