"""The generated code is the interpreter, faster: same numbers, same numpy semantics."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.suites import random_point
from graphdiff.compiler import codegen
from graphdiff.ir.analysis import same_values
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward_sweep
from graphdiff.modes.reverse import reverse_sweep
from graphdiff.transforms.derivatives import reverse_program

GRAPHS = {
    "colah": builders.colah,
    "speelpenning": lambda: builders.speelpenning(12),
    "path_explosion": lambda: builders.path_explosion(3, 4),
    "fan_out": lambda: builders.fan_out(5),
    "dense_map": lambda: builders.dense_map(3, 4, hidden=5),
    "mlp_scalar": lambda: builders.mlp(scalar=True),
    "rosenbrock": lambda: builders.rosenbrock(6),
    "random_dag": lambda: builders.random_dag(80, 5, 3, seed=4),
    "every_scalar_primitive": lambda: gd.trace(
        lambda x, y: gd.maximum(x, y) * gd.relu(x) + abs(y) + x**3 + gd.atan2(y, x) + gd.sqrt(x * x)
        + gd.pow(x * x + 1.0, y) + gd.tan(x) / gd.exp(y) - gd.log(x * x + 1.0) + gd.square(gd.cos(y))
        + gd.integer_pow(x, y=-2) + gd.neg(gd.sigmoid(y)) - gd.tanh(x) * gd.sin(y)
        + gd.sign(x) * (x > y) + gd.equal(x, y) * y
        + gd.minimum(x, y) + gd.log1p(x * x) + gd.expm1(y) + gd.log2(x * x + 1.0) + gd.log10(y * y + 2.0)
        + gd.exp2(x) + gd.sinh(y) * gd.cosh(x) + gd.arcsin(gd.tanh(x)) + gd.arccos(gd.tanh(y) * 0.5)
        + gd.arctan(x) + gd.arcsinh(y) + gd.arctanh(gd.tanh(x) * 0.5) + gd.reciprocal(x * x + 1.0)
        + (x >= y) * x + (x != y) * y + (x <= y) + np.where(x > y, x * y, y - x)
    ),
}  # fmt: skip


def test_every_scalar_primitive_is_covered():
    g = GRAPHS["every_scalar_primitive"]()
    used = {d["op"] for _, d in g.nx.nodes(data=True) if d["kind"] == "op"}
    scalar_prims = {name for name, p in gd.PRIMITIVES.items() if p.elementwise}
    assert used == scalar_prims


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_generated_code_equals_the_interpreter(name):
    g = GRAPHS[name]()
    p = g.program
    point = [float(v) for v in random_point(g, (0.2, 1.2))]
    inputs = g.bind(point)
    values = evaluate(p, inputs)
    outputs = tuple(float(values[s]) for s in p.output_slots)
    # math's sin, exp, tanh... may differ from numpy's in the last bit: compare to 1e-14
    np.testing.assert_allclose(codegen.fast(p, "evaluate", force=True)(point), outputs, rtol=1e-14)

    cotangents = [1.0 + k for k in range(len(p.output_slots))]
    seeds = {}
    for s, c in zip(p.output_slots, cotangents):
        seeds[s] = np.float64(c) if s not in seeds else seeds[s] + c
    adjoints = reverse_sweep(p, values, seeds)
    _, grads = codegen.fast(p, "vjp", force=True)(point, cotangents)
    expected = [0.0 if adjoints[s] is None else float(adjoints[s]) for s in p.input_slots]
    np.testing.assert_allclose(grads, expected, rtol=1e-13, atol=1e-300)
    # the gradient alone, without the evaluation only the outputs' values need
    np.testing.assert_allclose(
        codegen.fast(p, "grad", force=True)(point, cotangents), expected, rtol=1e-13, atol=1e-300
    )

    directions = list(np.random.default_rng(0).standard_normal((len(point), 3)))
    _, tangents = forward_sweep(p, inputs, dict(zip(p.input_slots, directions)))
    _, out_dots = codegen.fast(p, "jvp", force=True)(point, directions)
    for s, t in zip(p.output_slots, out_dots):
        np.testing.assert_allclose(t, tangents[s], rtol=1e-13, atol=1e-15)


def test_api_uses_generated_code_from_the_second_call_with_the_same_results():
    g = builders.random_dag(60, 4, 2, seed=9)
    point = [0.1, 0.2, 0.3, 0.4]
    first = gd.jacrev(g)(*point)
    functions = g.program.__dict__["_codegen"]["functions"]
    assert functions == {}  # a graph used once is never compiled
    second = gd.jacrev(g)(*point)
    assert functions[("grad", 0)] is not None and functions[("grad", 1)] is not None
    assert second.tobytes() == first.tobytes()  # the same bits, not merely close
    for call in (lambda: g(*point), lambda: gd.jacfwd(g)(*point)):
        once, twice = call(), call()
        assert np.asarray(twice).tobytes() == np.asarray(once).tobytes()
    assert functions["evaluate"] is not None and functions["jacfwd"] is not None


def test_numpy_semantics_survive_compilation():
    g = gd.trace(lambda x: gd.log(x) + 1.0 / x)
    codegen.fast(g.program, "evaluate", force=True)
    codegen.fast(g.program, "vjp", force=True)
    with pytest.warns(RuntimeWarning):
        assert np.isnan(g(-1.0))  # math.log raises; the interpreter gives numpy's nan
    # At x = 0, by the rule table: log's vjp gives 1/x = 1/0 = +inf; div(1.0, x) has out = 1/0 = +inf
    # and its vjp for the denominator is -(y_bar * out) / x = -(1 * inf) / 0 = -inf. x reads both, so
    # its adjoint is their sum, inf + (-inf) = nan (IEEE 754, in either order). Under math, log(0)
    # raises, so the generated code must fall back to numpy and give exactly that one nan. grad has a
    # generated function of its own ("grad", not "vjp"), made on its COMPILE_AFTER-th call: check the
    # interpreted calls and the generated ones alike.
    for _ in range(codegen.COMPILE_AFTER + 1):
        with pytest.warns(RuntimeWarning):
            gradient = gd.grad(g)(0.0)
        assert isinstance(gradient, tuple) and len(gradient) == 1 and math.isnan(gradient[0])
    assert g.program.__dict__["_codegen"]["functions"]["grad"] is not None  # the generated grad was tried
    assert g(1.0) == 1.0


def test_arrays_are_left_to_the_interpreter():
    g = builders.mlp()
    assert codegen.fast(g.program, "vjp", force=True) is None


def _body(source: str) -> list[str]:
    return source.splitlines()[1:]  # without the def line


def test_a_gradient_is_the_compiled_evaluation_of_its_derivative_graph():
    program = builders.colah().program
    # the reverse sweep on tracers records e = c * d's rules: de/dc = y_bar * d, de/dd = y_bar * c;
    # the adds pass adjoints on unchanged. A value read once is written where it is read; e,
    # which only the return reads, is computed where its arguments c and d die (after de/db)
    assert _body(codegen._reverse_source(program)) == [
        "    v0, v1, = inputs",
        "    v2 = y_bars[0]",
        "    v3 = (v0 + v1)",
        "    v5 = (v1 + 1.0)",
        "    v7 = (v2 * v5)",
        "    v9 = ((v2 * v3) + v7)",
        "    v6 = (v3 * v5)",
        "    return (v6, ), (v7, v9, )",
    ]
    # the gradient alone computes what the adjoints read
    assert _body(codegen._reverse_source(program, with_value=False)) == [
        "    v0, v1, = inputs",
        "    v2 = y_bars[0]",
        "    v7 = (v2 * (v1 + 1.0))",
        "    v9 = ((v2 * (v0 + v1)) + v7)",
        "    return (v7, v9, )",
    ]
    # and it is the program reverse_program records
    derivative = reverse_program(program, True, [0])
    assert [op.prim.name for op in derivative.ops].count("mul") == 3  # c * d and the two adjoint terms


def test_an_instruction_sums_its_own_terms_before_they_arrive():
    # x * x sends y_bar * x to x along both edges; their sum arrives after 1.0 * x's term:
    # 1 + (x + x), exact here, where (1 + x) + x would round to 1 twice. The interpreter and
    # the generated code (which computes y_bar * x once: a common subexpression) give the same bits
    x = 2.0**-53
    g = gd.trace(lambda x: x * x + 1.0 * x, x)
    assert gd.reverse(g, [x]).input_adjoints == (1.0 + 2.0**-52,)
    assert codegen.fast(g.program, "grad", force=True)([x], [1.0]) == (1.0 + 2.0**-52,)
    source = codegen._reverse_source(g.program)
    assert source.count("(v1 * v0)") == 1 and "(v8 + v8)" in source


def test_common_subexpressions_are_computed_once():
    # sin's rule asks for cos(x) and cos's for sin(x); path_explosion computes both, so its
    # gradient makes no call of its own: as many calls as the evaluation
    program = builders.path_explosion(4, 3).program
    calls = re.compile(r"_(?:sin|cos|tanh)\(")
    evaluation = len(calls.findall(codegen._evaluate_source(program)))
    assert evaluation == 4 * 3
    for with_value in (True, False):
        assert len(calls.findall(codegen._reverse_source(program, with_value))) == evaluation
    assert len(calls.findall(codegen._forward_source(program))) == evaluation
    assert len(calls.findall(codegen._jacfwd_source(program)[0])) == evaluation
    # forward mode needs cos(x) (sin's rule) before the evaluation's node computing it
    # comes: the one computation is where the rule asks for it, and the evaluation reads it
    jvp = _body(codegen._forward_source(builders.path_explosion(1, 2).program))
    assert jvp == [
        "    v0, = inputs",
        "    v1 = x_dots[0]",
        "    v2 = _sin(v0)",
        "    v3 = _cos(v0)",
        "    v10 = ((v1 * v3) + (v1 * (-v2)))",
        "    v9 = (v2 + v3)",
        "    return (v9, ), (v10, )",
    ]
    # the value read is the very number the rule would compute: the same bits
    x = 0.7
    g = gd.trace(lambda x: gd.sin(x) + gd.cos(x), x)
    for with_value in (True, False):
        assert codegen._reverse_source(g.program, with_value).count("_cos(") == 1
    by_hand = 1.0 * -math.sin(x) + 1.0 * math.cos(x)  # the cos node's term arrives first
    assert codegen.fast(g.program, "grad", force=True)([x], [1.0]) == (by_hand,)
    assert gd.reverse(g, [x]).input_adjoints == (by_hand,)
    assert codegen.fast(g.program, "jvp", force=True)([x], [1.0])[1] == (
        1.0 * math.cos(x) + -(1.0 * math.sin(x)),
    )
    # the pass alone: two sin nodes of one x are one value
    p = gd.trace(lambda x: gd.sin(x) * gd.sin(x), x).program
    first = same_values(p)
    assert first[p.slot["sin_2"]] == p.slot["sin_1"] and first[p.slot["mul_3"]] == p.slot["mul_3"]


def test_a_call_the_evaluation_skips_is_made_by_the_rule():
    # cos(x) here feeds no output, so the evaluation never computes it: sin's rule must
    g = gd.Graph("dead cos")
    x = g.add_input("x")
    y = g.add_op(gd.PRIMITIVES["sin"], x)
    g.add_op(gd.PRIMITIVES["cos"], x)
    g.set_outputs(y)
    source = codegen._reverse_source(g.program)
    assert source.count("_cos(") == 1 and "(y_bars[0] * _cos(v0))" in source
    x = 0.7
    assert codegen.fast(g.program, "vjp", force=True)([x], [2.0]) == ((math.sin(x),), (2.0 * math.cos(x),))


def test_an_output_only_the_return_reads_is_computed_where_its_arguments_die():
    # fan_out's y_k = t_k * t_k is read by nothing but the return: the vjp computes it
    # after the reverse sweep's read of t_k, so it keeps one number per level, not two
    m = 200
    program = builders.fan_out(m).program
    source = codegen._reverse_source(program)
    lines = source.splitlines()
    squares = [
        (i, match[1])
        for i, line in enumerate(lines)
        if (match := re.fullmatch(r"    v\d+ = \((v\d+) \* \1\)", line))
    ]
    assert len(squares) == m
    for i, t in squares:  # each square comes right where its argument is read for the last time
        readers = [j for j, line in enumerate(lines) if re.search(rf"\b{t}\b", line) and j != i]
        assert i > max(readers) and not lines[i + 1].startswith(f"    {t} =")
    registers = set(re.findall(r"\br\d+\b", codegen._render(codegen._reverse_code(program), registers=True)))
    assert (
        len(registers) <= m + m // 10 < 2 * m
    )  # about one register per trunk value: the outputs take theirs
    # an output the sweep reads (exp's rule reads its own value) stays where it was
    g = gd.trace(lambda x: (gd.exp(x), x * x), 0.5)
    lines = codegen._reverse_source(g.program).splitlines()
    exp_line = next(i for i, line in enumerate(lines) if "_exp(" in line)
    square_line = next(i for i, line in enumerate(lines) if "(v0 * v0)" in line)
    first_sweep_line = next(i for i, line in enumerate(lines) if "y_bars[" in line)
    assert exp_line < first_sweep_line < square_line
    outputs, grads = codegen.fast(g.program, "vjp", force=True)([0.5], [1.0, 2.0])
    assert outputs == (math.exp(0.5), 0.25) and grads == (2.0 * 0.5 + 2.0 * 0.5 + 1.0 * math.exp(0.5),)


def test_a_value_read_once_is_written_where_it_is_read_to_a_bounded_depth():
    g = builders.speelpenning(60)  # a chain of products: each read once by the next
    lines = _body(codegen._evaluate_source(g.program))
    assert len(lines) == 1 + 60 // codegen._MAX_NESTING + 1 + 1  # unpack, a statement per 24 levels, return
    point = [1.0 + k / 100 for k in range(60)]
    assert codegen.fast(g.program, "evaluate", force=True)(point)[0] == g(*point)


def test_a_changed_graph_is_not_served_stale_generated_code():
    g = builders.colah()
    grad = gd.grad(g)
    assert grad(2.0, 1.0) == grad(2.0, 1.0) == (2.0, 5.0)  # the second call runs generated code
    g.set_outputs("d")  # d = b + 1
    assert grad(2.0, 1.0) == (0.0, 1.0)


def test_registers_are_reused_once_values_are_dead():
    g = builders.path_explosion(200, 3)  # 1001 nodes, each value dead soon after it is made
    source = codegen._render(codegen._evaluate_code(g.program), registers=True)
    registers = set(re.findall(r"\br\d+\b", source))
    assert len(registers) < 10 < len(g)
    point = [0.4]
    assert codegen.fast(g.program, "evaluate", force=True)(point)[0] == pytest.approx(g(*point), rel=1e-14)


def _warm(g, point, cotangent):
    for _ in range(codegen.COMPILE_AFTER):
        g(*point), gd.vjp(g, point, cotangent), gd.jvp(g, point, [1.0] * len(point))


def test_the_hot_path_answers_as_the_ordinary_path():
    # floats go straight to the generated code; anything else is bound and checked first
    g = builders.colah()
    _warm(g, [2.0, 1.0], 1.0)
    assert g(2.0, 1.0) == g(2, np.float64(1.0)) == g(a=2.0, b=1.0) == 6.0
    assert type(g(2.0, 1.0)) is float
    assert gd.vjp(g, [2.0, 1.0], 1.0) == gd.vjp(g, [2, 1], np.float64(1.0)) == (6.0, (2.0, 5.0))
    assert gd.jvp(g, [2.0, 1.0], [0.0, 1.0]) == gd.jvp(g, [2.0, 1.0], [None, 1]) == (6.0, 5.0)
    assert {type(v) for v in (*gd.jvp(g, [2.0, 1.0], [0.0, 1.0]), *gd.vjp(g, [2.0, 1.0], 1.0)[1])} == {float}
    with pytest.raises(gd.ShapeError, match="cotangent for output 'e'"):
        gd.vjp(g, [2.0, 1.0], [1.0])  # a list of one is not a scalar's cotangent
    with pytest.raises(gd.MissingInputError, match="'b'"):
        g(2.0)
    with pytest.raises(gd.ExtraInputError):
        g(2.0, 1.0, 3.0)
    with pytest.raises(gd.ShapeError, match="input 'a'"):
        g(np.ones(2), 1.0)


def test_the_hot_path_follows_a_changed_graph():
    g = builders.colah()
    _warm(g, [2.0, 1.0], 1.0)
    grad = gd.value_and_grad(g)
    grad(2.0, 1.0), grad(2.0, 1.0)
    g.set_outputs("c", "d")  # c = a + b, d = b + 1
    assert g(2.0, 1.0) == (3.0, 2.0)
    with pytest.raises(gd.NotScalarError):
        grad(2.0, 1.0)
    _warm(g, [2.0, 1.0], [1.0, 1.0])  # generated "vjp" code for two outputs...
    with pytest.raises(gd.NotScalarError):
        grad(2.0, 1.0)  # ...is no gradient
    assert gd.vjp(g, [2.0, 1.0], [1.0, 10.0]) == ((3.0, 2.0), (1.0, 11.0))


def test_values_of_any_real_type_reach_the_generated_code(monkeypatch):
    # numpy arrays, ints and float32 used to fall back to the interpreter: 26x slower at 5000 outputs
    g = builders.fan_out(4)
    point = [0.3]
    _warm(g, point, [1.0] * 4)
    expected = gd.vjp(g, point, [1.0, 2.0, 3.0, 4.0])

    def no_interpreter(*_):
        raise AssertionError("the interpreter ran")

    monkeypatch.setattr("graphdiff.transforms.api.reverse_sweep", no_interpreter)
    for cotangent in (np.arange(1.0, 5.0), [1, 2, 3, 4], np.arange(1, 5, dtype=np.float32), (1.0, 2, 3.0, 4)):
        assert gd.vjp(g, point, cotangent) == expected
    with pytest.raises(gd.ShapeError, match="cotangent for output 'y1'"):
        gd.vjp(g, point, [np.ones(2), 2.0, 3.0, 4.0])
    monkeypatch.setattr("graphdiff.transforms.api.forward_sweep", no_interpreter)
    assert gd.jvp(g, np.array([0.3]), np.array([2.0])) == gd.jvp(g, [0.3], [2]) == gd.jvp(g, point, [2.0])


# --- tiering: compiled once interpreting has cost about what generating will ---------------


def _tiered_calls(monkeypatch, interpreted_call: float, per_instruction: float, calls: int) -> list[bool]:
    """For each call of gd.grad on a 2000-op graph, whether it ran generated code.

    Every interpreted call is made to cost ``interpreted_call`` seconds (the clock the
    tiering reads runs that much faster during it), generating ``per_instruction`` a node.
    """
    monkeypatch.setattr(codegen, "TIERED", True)
    monkeypatch.setitem(codegen._GENERATION_SECONDS, "grad", (per_instruction, 1000))
    real_interpreted = codegen.interpreted
    monkeypatch.setattr(
        gd.transforms.api,
        "interpreted",
        lambda program, kind, started, share=1.0: real_interpreted(program, kind, started - interpreted_call),
    )
    g = builders.speelpenning(1001)  # 1000 multiplies
    x = [1.0 + 2.0**-10 * k for k in range(1001)]
    ran_generated, reference = [], None
    for _ in range(calls):
        was = codegen.compiled(g.program, "grad")
        result = gd.grad(g)(*x)
        reference = reference or result
        assert result == reference  # the same bits either way
        ran_generated.append(was)
    return ran_generated


def test_tiering_compiles_once_interpreted_calls_cost_what_generating_will(monkeypatch):
    # generating 1000 instructions at 1 ms each: 1 s; each interpreted call 0.1 s (plus its real time)
    ran_generated = _tiered_calls(monkeypatch, interpreted_call=0.1, per_instruction=1e-3, calls=14)
    first_generated = ran_generated.index(True)
    # compiled by the call after the one that brought the interpreted time to 1 s, not before
    assert 9 <= first_generated <= 11, ran_generated
    assert all(ran_generated[first_generated:])


def test_tiering_keeps_a_graph_used_once_interpreted_and_cheap_code_compiled_early(monkeypatch):
    assert _tiered_calls(monkeypatch, interpreted_call=0.1, per_instruction=1e-3, calls=1) == [False]
    # generating costs less than one interpreted call: compiled on the COMPILE_AFTER-th call, as untiered
    ran_generated = _tiered_calls(monkeypatch, interpreted_call=1.0, per_instruction=1e-6, calls=4)
    assert ran_generated == [False] * codegen.COMPILE_AFTER + [True] * (4 - codegen.COMPILE_AFTER)


def test_interpreted_time_is_counted_per_kind():
    g = builders.colah()
    codegen.interpreted(g.program, "vjp", started=0.0)
    spent = g.program._codegen["spent"]
    assert spent["vjp"] > 0.0 and "grad" not in spent and "evaluate" not in spent


def test_generation_is_expected_to_cost_a_little_more_per_instruction_on_larger_programs(monkeypatch):
    # measured: 71, 96 and 137 µs an instruction at 10^4, 10^5 and 10^6 nodes
    monkeypatch.setitem(codegen._GENERATION_SECONDS, "grad", (71e-6, 12_600))
    small, large = codegen.generation_estimate("grad", 12_600), codegen.generation_estimate("grad", 1_260_000)
    assert (
        100 * small * 1.9 < large < 100 * small * 2.1
    )  # 100 times the program, 100^0.15 = 2.0 times per instruction


@pytest.mark.parametrize(
    "g",
    [
        builders.colah(),
        builders.speelpenning(6),
        builders.rosenbrock(5),
        builders.random_dag(80, 4, 2, seed=3),
    ],
    ids=lambda g: g.name,
)
def test_the_tape_records_the_same_program_as_a_traced_graph(g):
    """record_program (no names, no networkx graph: what the compiler compiles) records the
    instructions trace records, in the same order, with the same constants."""
    from graphdiff.graph.tracer import record_program
    from graphdiff.transforms.recorded import recorded_sweep

    outputs = range(len(g.outputs))
    n = len(g.inputs) + len(g.outputs)
    taped = record_program(recorded_sweep(g.program, True, outputs), n)
    traced = gd.trace(recorded_sweep(g.program, True, outputs), *[0.0] * n).program
    assert [(op.prim, op.out, op.args, op.params, op.active_args) for op in taped.ops] == [
        (op.prim, op.out, op.args, op.params, op.active_args) for op in traced.ops
    ]
    assert [(s, v.hex()) for s, v in map(lambda c: (c[0], float(c[1])), taped.consts)] == [
        (s, float(v).hex()) for s, v in traced.consts
    ]
    assert (taped.input_slots, taped.output_slots, taped.kinds) == (
        traced.input_slots,
        traced.output_slots,
        traced.kinds,
    )
    assert len(taped) == len(traced) and taped.names[-1] == f"t{len(taped) - 1}"
    assert taped.slot[taped.names[5]] == 5 and "t01" not in taped.slot and "x" not in taped.slot
