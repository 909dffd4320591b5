"""Pictures: DOT text with the right numbers, PNG/SVG files, faded structural zeros, the CLI."""

from __future__ import annotations

import re

import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli import main
from graphdiff.draw import annotate, layout

AT = {"a": 2.0, "b": 1.0}


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


def test_array_graphs_draw_without_partials():
    g = builders.mlp()
    from graphdiff.bench import random_point

    picture = annotate(g, random_point(g), reverse=True)
    assert picture.edge_labels == {} and "array 4×4" in " ".join(picture.labels.values())


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
