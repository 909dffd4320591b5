"""gd.advise and gd.jacobian: every method counted, the cheapest timed, the right advice on
the cases whose answer is known, and the Jacobian the advice leads to."""

import json

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.main import main
from graphdiff.cost.advice import METHODS


def test_a_scalar_loss_of_many_parameters_is_counted_cheapest_by_reverse_mode():
    g = builders.rosenbrock(40)
    a = gd.advise(g, *np.linspace(0.1, 0.9, 40), measure=2, budget=0.2)
    counts = {m.method: m for m in a.methods}
    assert (
        a.predicted.method == "reverse" and counts["reverse"].sweeps == 1 and counts["forward"].sweeps == 40
    )
    assert counts["forward"].ops > 10 * counts["reverse"].ops
    assert "reverse-compressed" not in counts  # one output: one colour, the same method as reverse


def test_one_input_and_many_outputs_is_counted_cheapest_forward():
    a = gd.advise(builders.fan_out(30), 0.4, measure=1, budget=0.2)
    by = {m.method: m for m in a.methods}
    assert by["forward"].sweeps == 1 and by["reverse"].sweeps == 30
    assert by["forward"].ops * 5 < by["reverse"].ops
    assert min((m for m in a.methods if m.method != "elimination"), key=lambda m: m.ops).method.startswith(
        "forward"
    )


def test_a_banded_jacobian_is_compressed_and_the_timed_ones_are_the_cheapest_counted():
    g = builders.pde_residual(30)
    a = gd.advise(g, *np.linspace(0.1, 0.9, 30), measure=3, budget=0.2)
    by = {m.method: m for m in a.methods}
    assert by["reverse-compressed"].sweeps == 3 and by["forward-compressed"].sweeps == 3
    assert a.predicted.method == "reverse-compressed"  # as many ops as reverse, in 3 sweeps, not 30
    timed = sorted((m for m in a.methods if m.seconds is not None), key=lambda m: (m.ops, m.sweeps))
    untimed = [m for m in a.methods if m.seconds is None]
    assert len(timed) == 3 and all(t.ops <= u.ops for t in timed for u in untimed)
    assert a.recommended in timed


def test_on_roe_flux_an_elimination_order_counts_fewer_operations_than_both_modes():
    key = "roe_flux_1d"
    a = gd.advise(
        builders.roe_flux_1d(), *builders.ELIMINATION_BENCHMARKS[key][1], measure=2, iterations=6000
    )
    by = {m.method: m.ops for m in a.methods}
    assert by["elimination"] < by["reverse"] < by["forward"]
    assert a.predicted.method == "elimination"


@pytest.mark.parametrize("method", gd.cost.advice.METHODS + ("auto",))
def test_gd_jacobian_gives_jacfwds_numbers_by_every_method(method):
    g = builders.pde_residual(8)
    x = list(np.linspace(0.1, 0.8, 8))
    want = gd.jacfwd(g)(*x)
    J = gd.jacobian(g, method=method)
    for _ in range(3):
        np.testing.assert_allclose(J(*x), want, rtol=1e-14, atol=1e-15)


def test_gd_jacobian_of_an_array_function_keeps_jacfwds_layout():
    A = np.arange(6.0).reshape(2, 3)
    J = gd.jacobian(lambda x: gd.tanh(A @ x), method="auto")(np.array([0.1, 0.2, 0.3]))
    np.testing.assert_allclose(
        J[0], gd.jacfwd(lambda x: gd.tanh(A @ x))(np.array([0.1, 0.2, 0.3]))[0], rtol=1e-14
    )


def test_graphdiff_advise_prints_a_ranked_table_and_json(capsys, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(
        "import numpy as np\ndef loss(W, b):\n    return np.sum(np.tanh(np.ones((4, 3)) @ W + b) ** 2)\n"
    )
    assert main(["advise", f"{path}:loss", "--shapes", "3x2,2", "--measure", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 output by 8 inputs" in out and out.strip().splitlines()[-1].startswith("use ")
    assert main(["advise", "fan_out:6", "--format", "json", "--budget", "0.1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_inputs"] == 1 and data["recommended"] in {m["method"] for m in data["methods"]}


def test_bad_advice_requests_are_refused_by_name(capsys):
    with pytest.raises(gd.ArgumentError, match="method is 'auto' or one of"):
        gd.jacobian(builders.colah(), method="magic")
    with pytest.raises(gd.ArgumentError, match="measure is how many"):
        gd.advise(builders.colah(), 2.0, 1.0, measure=0)
    assert main(["advise", "colah", "--shapes", "2"]) == 2
    assert "FILE.py:NAME" in capsys.readouterr().err


def test_the_identity_counts_no_operations_and_its_table_still_renders():
    advice = gd.advise(lambda x: x, 1.0, iterations=10)
    assert {m.ops for m in advice.methods} == {0}
    assert "as counted" in advice.render()


def test_advice_and_jacobian_where_the_generated_code_raises_give_numpys_infinities():
    f = lambda x, y: (1.0 / x * y, y * y)  # d/dx = -y / x**2 at x = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        advice = gd.advise(f, 0.0, 2.0, iterations=10, measure=len(METHODS))
        assert all(m.seconds is not None for m in advice.methods)
        expected = gd.jacfwd(f)(0.0, 2.0)
        np.testing.assert_array_equal(gd.jacobian(f)(0.0, 2.0), expected)
        np.testing.assert_array_equal(gd.jacobian(f, method="elimination")(0.0, 2.0), expected)


def test_jacobian_by_elimination_follows_a_changed_capture():
    k = [2.0]

    def h(x, y):
        return x * y * k[0]

    J = gd.jacobian(h, method="elimination")
    np.testing.assert_array_equal(J(1.0, 2.0), [[4.0, 2.0]])
    k[0] = 3.0
    np.testing.assert_array_equal(J(1.0, 2.0), [[6.0, 3.0]])


def test_jacobian_by_elimination_of_arrays_is_refused_by_name():
    with pytest.raises(gd.ShapeError, match="elimination works on graphs of scalars"):
        gd.jacobian(lambda x: gd.sum(x * x), method="elimination")(np.ones(3))


def test_advice_traces_pytrees_and_integer_data_as_the_transformations_do():
    f = lambda p, y: gd.sum(p["w"] * y)
    p, y = {"w": np.ones(3)}, np.array([1, 2, 3])
    advice = gd.advise(f, p, y, measure=1)
    assert (advice.n_inputs, advice.n_outputs) == (3, 1)  # the labels are data, not inputs
    (J,) = gd.jacobian(f)(p, y)
    np.testing.assert_array_equal(J["w"], [1.0, 2.0, 3.0])
