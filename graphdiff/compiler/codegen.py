"""Straight-line Python for scalar programs: one generator for every evaluation, derivatives included.

Each instruction is written by running the primitive's own evaluation once on :class:`Sym`
values, which turn every numpy ufunc it calls into Python source text
(:mod:`graphdiff.primitives.elementary` lists how each is written). The generated
functions do on Python floats exactly what the interpreters do on numpy scalars, in the
same order and with the same scalar implementations of ``exp``, ``tanh``, ``pow`` and the
rest, without the per-node dispatch: every call gives the same bits.

A gradient is not written by a generator of its own: the reverse sweep, run on tracers,
records the evaluation and every adjoint rule it applies as a program
(:func:`graphdiff.transforms.derivatives.reverse_program`), and that program's evaluation
is compiled like any other. The compiler's passes (:func:`_statements`), each a linear
walk over a program or a statement list and tested alone:

- common subexpressions are computed once (:func:`graphdiff.ir.analysis.same_values`):
  ``cos(x)`` for ``sin``'s rule is read where the evaluation computes it;
- what no output needs is left out (a gradient evaluates only what its adjoints read);
- a value read once is written where it is read, to a bounded depth, with no name of its own;
- an output that nothing else reads is computed where its arguments die (:func:`_late`);
- names are reused once values are dead (:func:`_reuse_names`: register allocation).

A jvp is compiled the same way (:func:`graphdiff.transforms.derivatives.forward_program`).
Vector forward mode (``jacfwd``) still has a generator of its own (:func:`_jacfwd_source`),
run on the rules directly: its tangents are numpy vectors, masked where an entry would be
``0 * inf``.

numpy's semantics are kept: where a scalar implementation (``math``'s) raises instead of returning ``nan`` or ``inf``
(``log(-1)``, ``1/0``, ``exp(1000)``), the compiled function raises and its caller falls
back to the interpreter, which gives numpy's result and warning.

Five kinds of function can be generated per program, for scalar values only, each once
its interpreted calls have cost about what generating it will (see ``TIERED``):

- ``evaluate(inputs) -> outputs``;
- ``vjp(inputs, y_bars) -> (outputs, input_adjoints)``: one evaluation and one reverse
  sweep seeded with ``y_bars[k]`` at output k (structural zeros decided at compile time);
- ``grad(inputs, y_bars) -> input_adjoints``: the same without the outputs' values;
- ``jvp(inputs, x_dots) -> (outputs, output_tangents)``: one forward sweep with a float
  tangent for every input;
- ``jacfwd(inputs, x_dots) -> (outputs, output_tangents)``: vector forward mode, input
  k's tangent the k-th unit vector, one sweep for the whole Jacobian.

Each takes its values as sequences, one float per input and one cotangent per output (a
list or a tuple), not as parameters: calls then build no tuple of thousands of arguments,
and a cotangent read once needs no local of its own (fan_out's vjp, with 5000 cotangents,
got 5% faster).

Repeated calls with Python floats reach them through :func:`run_hot`, which skips the
binding and checking of arguments the first calls go through.
"""

from __future__ import annotations

import gc
import math
import operator
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from graphdiff.errors import GraphError
from graphdiff.ir.analysis import input_sets, needed, same_values
from graphdiff.ir.program import Program
from graphdiff.primitives.elementary import OPERATIONS, SCALAR_ERRORS, SCALAR_NAMESPACE

__all__ = [
    "Sym",
    "fast",
    "run",
    "interpreted",
    "compiled",
    "all_scalar",
    "due",
    "made",
    "keep",
    "ARITHMETIC_ERRORS",
    "COMPILE_AFTER",
    "TIERED",
    "evaluation_then",
    "sym_code",
    "Unsupported",
]

# what the scalar implementations raise where numpy returns nan/inf with a warning: the
# caller falls back to the interpreter, which uses numpy's value for exactly those calls
ARITHMETIC_ERRORS = SCALAR_ERRORS

# how each listed operation is written on floats; the scalar implementations it calls are
# the very functions the interpreters call on numbers, so both give the same bits
_TEMPLATES = {op.ufunc: op.template for op in OPERATIONS if op.template is not None}
_NAMESPACE = dict(SCALAR_NAMESPACE)


class Unsupported(Exception):
    """A rule did something the code generator cannot express; the interpreter is used."""


class Sym(NDArrayOperatorsMixin):
    """A scalar known by the Python expression that computes it."""

    __slots__ = ("code",)
    ndim = 0
    shape = ()

    def __init__(self, code: str) -> None:
        self.code = code

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Sym:
        template = _TEMPLATES.get(ufunc)
        if method != "__call__" or kwargs or template is None:
            raise Unsupported(f"numpy's {ufunc.__name__}.{method}")
        return Sym(template.format(*map(_code, inputs)))

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func is np.where and len(args) == 3 and not kwargs:
            c, x, y = map(_code, args)
            return Sym(f"({x} if {c} else {y})")
        if func is np.zeros_like:
            return Sym("0.0")
        if func is np.ones_like:
            return Sym("1.0")
        if func is np.ndim:
            return 0
        if func is np.shape:
            return ()
        raise Unsupported(f"numpy.{func.__name__}")


def _code(x: Any) -> str:
    if isinstance(x, Sym):
        return x.code
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    value = float(x)
    if not math.isfinite(value):
        raise Unsupported(f"the constant {value}")
    return repr(value)


COMPILE_AFTER = 2  # calls of one kind before its code may be generated: the first call interprets

# Tiering: from the COMPILE_AFTER-th call on, a kind is compiled once its interpreted calls have
# cost about what generating its code will, so no sequence of calls costs much over twice
# what always interpreting would (generating costs about 10 to 25 interpreted calls). The
# cost of generating is estimated per kind from the last generation measured in this process
# (seconds per instruction, at that many instructions), and grows a little faster than the
# program: per instruction, by n^0.15 (71, 96 and 137 µs a node for gradients at 10^4, 10^5
# and 10^6 nodes). Tests set TIERED to False to reach the generated code from the
# COMPILE_AFTER-th call on, as they did before tiering.
TIERED = True
_GENERATION_SECONDS = {  # kind -> (seconds per instruction, measured at this many instructions)
    "evaluate": (30e-6, 12_600),
    "vjp": (71e-6, 12_600),
    "grad": (71e-6, 12_600),
    "jvp": (71e-6, 12_600),
    "jacfwd": (90e-6, 12_600),
}
_GROWTH = 0.15  # the exponent of that growth


def generation_estimate(kind: str, instructions: int) -> float:
    """The seconds generating ``kind`` for a program of ``instructions`` is expected to take.

    >>> generation_estimate("grad", 12_600) == 71e-6 * 12_600
    True
    """
    per_instruction, measured_at = _GENERATION_SECONDS[kind]
    return per_instruction * instructions * (max(instructions, 1) / measured_at) ** _GROWTH


_SOURCES: dict[str, Callable[[Program], str]] = {}

# how a sweep becomes a program: its interpreter run on tracers. The tracer lives above the
# compiler (a graph calls its compiled evaluation), so graphdiff.transforms.derivatives
# registers "reverse": (program, with_value, seeded outputs) -> the recorded Program, and
# "forward": program -> the recorded Program of the tangents (a float tangent per input)
DERIVATIVES: dict[str, Callable[..., Program]] = {}


def fast(program: Program, kind: str | tuple, force: bool = False) -> Callable[..., tuple] | None:
    """The generated ``kind`` function, or ``None``.

    ``kind`` is ``"evaluate"``, ``"vjp"``, ``"grad"``, ``"jvp"``, ``"jacfwd"``, or
    ``("grad", k)``: the gradient of output k alone, the other outputs structural zeros
    (one row of a Jacobian by reverse mode).

    ``None`` means: use the interpreter, and tell :func:`interpreted` how long it took. That
    is the answer for programs with arrays (numpy does their work; repeated gradients of
    them run a prepared gradient graph instead, made by the same tiering through
    :func:`due`: :func:`graphdiff.transforms.recorded.prepared_gradient`), for rules the generator cannot express, for
    the first ``COMPILE_AFTER - 1`` calls of a kind, so that a graph used once is never
    compiled, and until the interpreted calls have cost about what generating the code
    will (see ``TIERED``). ``force`` compiles at once.
    """
    state = _state(program)
    if kind in state["functions"]:
        return state["functions"][kind]
    if not all_scalar(program):
        return None
    name, *detail = kind if isinstance(kind, tuple) else (kind,)
    if not (force or due(program, kind, generation_estimate(name, len(program.ops)))):
        return None
    started = time.perf_counter()
    collecting = gc.isenabled()
    # the passes make a few small objects per instruction that all stay alive until the end:
    # the cyclic collector would walk them again and again (4/5 of CSE's time at 10^5 nodes)
    gc.disable()
    try:
        made = _SOURCES[name](program, *detail)
        source, extra_names = made if isinstance(made, tuple) else (made, {})
        function = _build(_reuse_names(source), name, extra_names)
    except Unsupported:
        function = None
    finally:
        if collecting:
            gc.enable()
    if function is not None and len(program.ops) >= 2000:  # large enough for the fixed costs not to count
        _GENERATION_SECONDS[name] = ((time.perf_counter() - started) / len(program.ops), len(program.ops))
    state["functions"][kind] = function
    return function


def all_scalar(program: Program) -> bool:
    """Whether every value of ``program`` is a scalar: only then is code generated for it."""
    state = _state(program)
    if state["scalar"] is None:
        state["scalar"] = all(shape == () for shape in program.shapes)
    return state["scalar"]


def due(program: Program, kind: Any, seconds: float) -> bool:
    """Count a call of ``kind`` on ``program``; whether to make its fast version now, which costs about ``seconds``.

    Yes from the ``COMPILE_AFTER``-th call on, once the interpreted calls (see
    :func:`interpreted`) have cost ``seconds`` (with ``TIERED``; without it, at once).
    """
    state = _state(program)
    calls = state["calls"][kind] = state["calls"].get(kind, 0) + 1
    if calls < COMPILE_AFTER:
        return False
    return not TIERED or state["spent"].get(kind, 0.0) >= seconds


def made(program: Program, kind: Any) -> Any:
    """What was made and kept for ``kind`` on ``program`` (:func:`keep`), or ``None``."""
    state = program.__dict__.get("_codegen")
    return None if state is None else state["functions"].get(kind)


def keep(program: Program, kind: Any, function: Any) -> None:
    """Keep ``function`` as ``program``'s fast ``kind``, for :func:`made` to find."""
    _state(program)["functions"][kind] = function


def interpreted(program: Program, kind: str | tuple, started: float, share: float = 1.0) -> None:
    """Count the time since ``started`` (a ``time.perf_counter()``), or ``share`` of it, as ``kind`` interpreted."""
    spent = _state(program)["spent"]
    spent[kind] = spent.get(kind, 0.0) + (time.perf_counter() - started) * share


def compiled(program: Program, kind: str | tuple) -> bool:
    """Whether the ``kind`` function of ``program`` has been generated."""
    return _state(program)["functions"].get(kind) is not None


def _state(program: Program) -> dict:
    return program.__dict__.setdefault(
        "_codegen", {"calls": {}, "functions": {}, "scalar": None, "spent": {}}
    )


def all_floats(values: Sequence) -> bool:
    """Whether every value is exactly a Python ``float``: checked at C speed, about 18 ns each."""
    return operator.countOf(map(type, values), float) == len(values)


def run_hot(
    program: Program | None, kind: str, args: Sequence, extra: Sequence | None = None
) -> tuple | None:
    """Run the ``kind`` function already generated for ``program``, if ``args`` can go straight to it.

    They can when they are Python floats, one per input: generated code exists only for
    all-scalar programs, so binding has nothing left to check or convert. This is the hot
    path of repeated calls; binding costs more than the evaluation on graphs with
    thousands of inputs. Unlike :func:`fast` it never counts a call. Returns ``None``,
    meaning "go the ordinary way", as :func:`run` does.
    """
    if program is None or len(args) != len(program.input_slots):
        return None
    state = program.__dict__.get("_codegen")
    function = state["functions"].get(kind) if state else None
    if function is None or not all_floats(args):
        return None
    return _call(function, args, extra)


_NAME = re.compile(r"\b[vgt]\d+\b")
_ASSIGNMENT = re.compile(r"    ([vgt]\d+) = (.*)$")


def _reuse_names(source: str) -> str:
    """Give values that are dead by the time a new one is made their name: register allocation.

    The generated code assigns every name once. Here each is renamed to a register
    ``r0, r1, ...`` that is taken back when the value is read for the last time, so the
    function keeps few locals and numbers die early, letting CPython reuse their memory.
    That made a 10^4-node gradient about half again as fast. Parameters keep their names.
    """
    lines = source.split("\n")
    body = lines[1:]
    parsed = [_ASSIGNMENT.match(line) for line in body]
    assigned = {match.group(1) for match in parsed if match}
    last_read: dict[str, int] = {}
    for i, (line, match) in enumerate(zip(body, parsed)):
        for name in _NAME.findall(match.group(2) if match else line):
            if name in assigned:
                last_read[name] = i
    register: dict[str, str] = {}
    free: list[str] = []
    created = 0
    out = [lines[0]]
    for i, (line, match) in enumerate(zip(body, parsed)):
        text = match.group(2) if match else line
        read = set(_NAME.findall(text))
        text = _NAME.sub(lambda m: register.get(m.group(0), m.group(0)), text)
        for name in read:  # a value read here for the last time frees its register, for this very line
            if last_read.get(name) == i and name in register:
                free.append(register.pop(name))
        if match is None:
            out.append(text)
            continue
        name = match.group(1)
        if free:
            target = free.pop()
        else:
            target, created = f"r{created}", created + 1
        if name in last_read:
            register[name] = target
        else:
            free.append(target)  # never read (kept for its exceptions): the register is free again
        out.append(f"    {target} = {text}")
    return "\n".join(out)


def run(
    function: Callable[..., tuple] | None, inputs: Sequence, extra: Sequence | None = None
) -> tuple | None:
    """Run a generated function (from :func:`fast`) on scalar ``inputs``, and ``extra`` (cotangents, tangents).

    Returns ``None``, meaning "use the interpreter", when there is no generated function
    or when ``math`` raised where numpy gives nan or inf: the interpreter then repeats
    the call with numpy's semantics and warnings.
    """
    return None if function is None else _call(function, [*map(float, inputs)], extra)


def _call(function: Callable[..., tuple], inputs: Sequence, extra: Sequence | None) -> tuple | None:
    """``function(inputs[, extra])``, or ``None`` where ``math`` raised and numpy would give nan or inf."""
    try:
        return function(inputs) if extra is None else function(inputs, extra)
    except ARITHMETIC_ERRORS:
        return None


def _build(source: str, name: str, extra_names: dict | None = None) -> Callable:
    namespace = {**_NAMESPACE, **(extra_names or {})}
    exec(compile(source, f"<graphdiff {name}>", "exec"), namespace)
    return namespace[name]


def _v(slot: int) -> str:
    return f"v{slot}"


def _primal(program: Program, wanted: set[int] | None = None) -> tuple[dict[int, str], dict[int, str]]:
    """The evaluation of what ``wanted`` (default: the outputs) depends on: the constants and
    each instruction's expression, by the slot they fill, in program order."""
    live = needed(program, wanted)
    constants = {slot: _code(value) for slot, value in program.consts if slot in live}
    expressions = {
        out: _code(prim.impl(*(Sym(_v(a)) for a in args), **params))
        for prim, out, args, params, _ in program.ops
        if out in live
    }
    return constants, expressions


def _assign(slot: int, expression: str) -> str:
    return f"    v{slot} = {expression}"


def _lines(*expressions: dict[int, str]) -> list[str]:
    return [_assign(slot, expression) for each in expressions for slot, expression in each.items()]


def _primal_lines(program: Program, wanted: set[int] | None = None) -> list[str]:
    """The evaluation of what ``wanted`` (default: the outputs) depends on, as lines."""
    return _lines(*_primal(program, wanted))


def _outputs(program: Program) -> str:
    return _tuple(f"v{s}" for s in program.output_slots)


# the helpers become keyword defaults of every generated function: locals are faster than globals
_LOCALS = ", ".join(f"{name}={name}" for name in _NAMESPACE)


def _head(name: str, program: Program, extra: str | None = None) -> list[str]:
    """The ``def`` line, and the inputs taken out of their sequence."""
    params = "inputs" if extra is None else f"inputs, {extra}"
    return [f"def {name}({params}, *, {_LOCALS}):", *_unpack("v", program.input_slots, "inputs")]


def _unpack(stem: str, slots: list[int], sequence: str) -> list[str]:
    """``v0, v1, = inputs``: one name per slot, none for a program without inputs."""
    return ["    " + "".join(f"{stem}{s}, " for s in slots) + f"= {sequence}"] if slots else []


def evaluation_then(
    program: Program, name: str, expressions: Callable[[Callable[[int], Sym]], list[str]], result: str
) -> Callable:
    """A generated function of the inputs: the whole evaluation as straight-line code (value
    of slot k in ``v<k>``), then the lines ``expressions(sym)`` makes, where ``sym(k)`` is
    slot k's value as a :class:`Sym` for rules to run on; it returns ``result``.

    Raises :class:`Unsupported` where a rule cannot be written as code.
    """
    body = expressions(lambda slot: Sym(_v(slot)))
    every = set(range(len(program)))
    source = "\n".join([*_head(name, program), *_primal_lines(program, every), *body, f"    return {result}"])
    return _build(source, name)


def sym_code(value: Any) -> str:
    """A rule's result (a :class:`Sym` or a number) as Python source."""
    return _code(value)


def _evaluate_source(program: Program) -> str:
    lines, code = _statements(program)
    return "\n".join(
        [*_head("evaluate", program), *lines, f"    return {_tuple(code[s] for s in program.output_slots)}"]
    )


def _statements(
    program: Program, reads: dict[int, str] | None = None, late: Sequence[int] | None = None
) -> tuple[list[str], dict[int, str]]:
    """The evaluation of ``program``'s outputs as statements, and each output's code (a name or a constant).

    Passes over the program, each a linear walk: common subexpressions are computed once
    (:func:`~graphdiff.ir.analysis.same_values`); what no output needs is left out; a value
    read once is written where it is read (no statement, no name; nested at most
    ``_MAX_NESTING`` deep); and an output nothing else reads is computed where its
    arguments die (:func:`_late`; ``late``: the outputs that may move, default all).
    ``reads``: input slots read from somewhere other than ``inputs`` (a cotangent ``y_bars[k]``).
    """
    first = same_values(program)
    outputs = {first[s] for s in program.output_slots}
    live = set(outputs)
    uses = [0] * len(program)
    for op in reversed(program.ops):
        if op.out in live and first[op.out] == op.out:
            for a in op.args:
                a = first[a]
                live.add(a)
                uses[a] += 1
    code: dict[int, str] = {s: _v(s) for s in program.input_slots}
    lines: list[str] = []
    for slot, text in (reads or {}).items():
        if uses[slot] == 1 and slot not in outputs:
            code[slot] = text
        elif slot in live:
            lines.append(_assign(slot, text))
    depth = dict.fromkeys(code, 0)
    for slot, value in program.consts:
        if first[slot] == slot and slot in live:
            code[slot], depth[slot] = _code(value), 0
    for prim, out, args, params, _ in program.ops:
        if out not in live or first[out] != out:
            continue
        args = [first[a] for a in args]
        expression = _expression(prim, params, [code[a] for a in args])
        nesting = 1 + max((depth[a] for a in args), default=0)
        if uses[out] == 1 and out not in outputs and nesting < _MAX_NESTING:
            code[out], depth[out] = expression, nesting
        else:
            lines.append(_assign(out, expression))
            code[out], depth[out] = _v(out), 0
    for s in program.output_slots:
        code[s] = code[first[s]]
    movable = {first[s] for s in (program.output_slots if late is None else late)}
    return _late(lines, movable - {first[s] for s in program.input_slots}, uses), code


_MAX_NESTING = 24  # a value written into its reader nests no deeper than this


def _expression(prim: Any, params: dict, codes: list[str]) -> str:
    """The code of one instruction on its arguments' ``codes``: the primitive's evaluation run
    on :class:`Sym` values once per primitive and parameters, as a template, then filled in."""
    try:
        key = (prim, len(codes), *sorted(params.items())) if params else (prim, len(codes))
        template = _TEMPLATES_BY_INSTRUCTION.get(key)
    except TypeError:  # parameters that do not hash: written directly
        return _code(prim.impl(*map(Sym, codes), **params))
    if template is None:  # argument k marked \0k\0, then made a format field
        marked = _code(prim.impl(*(Sym(f"\0{k}\0") for k in range(len(codes))), **params))
        template = re.sub("\0(\\d+)\0", r"{\1}", marked.replace("{", "{{").replace("}", "}}"))
        _TEMPLATES_BY_INSTRUCTION[key] = template
    return template.format(*codes)


_TEMPLATES_BY_INSTRUCTION: dict[tuple, str] = {}


def _late(lines: list[str], outputs: set[int], uses: list[int]) -> list[str]:
    """``lines`` with each output that no line reads moved down to just after the last line
    reading one of its arguments, so that its arguments die where it is made: scheduling.

    fan_out's gradient keeps one number per level through the reverse sweep where it kept
    two (``t_k`` and ``y_k = t_k * t_k``). Only independent statements change places: the
    numbers are the same.
    """
    late = {s for s in outputs if uses[s] == 0}
    if not late:
        return lines
    kept: list[str] = []
    moved: list[tuple[str, list[str]]] = []  # (line, the names it reads): no line reads what these make
    for line in lines:
        target, _, expression = line.strip().partition(" = ")
        if target[0] == "v" and int(target[1:]) in late:
            moved.append((line, _VALUE.findall(expression)))
        else:
            kept.append(line)
    last: dict[str, int] = {}  # name -> the last kept line naming it
    for i, line in enumerate(kept):
        last.update(dict.fromkeys(_VALUE.findall(line), i))
    after: dict[int, list[str]] = {}
    for line, names in moved:
        after.setdefault(max((last.get(a, -1) for a in names), default=-1), []).append(line)
    body = after.pop(-1, [])
    for i, line in enumerate(kept):
        body += [line, *after.pop(i, [])]
    return body


_VALUE = re.compile(r"\bv\d+\b")


_READ = re.compile(r"[A-Za-z_]\w*(\[\d+\])?")


def _is_read(code: str) -> bool:
    """Whether ``code`` only reads a value, doing no arithmetic: a name, or a cotangent ``y_bars[k]``."""
    return _READ.fullmatch(code) is not None


_CALL = re.compile(r"\b(?:_\w+|abs)\([^()]*\)")  # a call on names and constants: _cos(v5), _pow(v1, 2.0)


def _calls_made(expressions: dict[int, str]) -> dict[str, int]:
    """Each call among the evaluation's ``expressions``, by the first slot holding its result.

    >>> _calls_made({1: "_sin(v0)", 2: "(v1 + v0)", 3: "_sin(v0)"})
    {'_sin(v0)': 1}
    """
    made: dict[str, int] = {}
    for slot, expression in expressions.items():
        if _CALL.fullmatch(expression):
            made.setdefault(expression, slot)
    return made


def _reverse_source(program: Program, with_value: bool = True, seeded: Sequence[int] | None = None) -> str:
    """``vjp`` (``with_value``) or ``grad``: the compiled evaluation of the reverse sweep's derivative graph.

    The sweep runs on tracers (``DERIVATIVES["reverse"]``,
    :func:`graphdiff.transforms.derivatives.reverse_program`) and records the evaluation and
    every adjoint rule it applies; that program is compiled as any evaluation is
    (:func:`_statements`). ``seeded``: seed only these outputs; the others get no
    cotangent at all (not a zero one, which would multiply: ``0 * inf`` is nan), as in a
    sweep seeded at one output. Without ``with_value`` only the gradient is returned, and
    the evaluation computes only what the adjoints read, and what that depends on.
    """
    seeded = list(range(len(program.output_slots))) if seeded is None else list(seeded)
    derivative = _recorded("reverse", program, with_value, seeded)
    n = len(program.input_slots)
    reads = {slot: f"y_bars[{k}]" for k, slot in zip(seeded, derivative.input_slots[n:])}
    m = len(program.output_slots) if with_value else 0
    lines, outs = _derivative_lines("vjp" if with_value else "grad", derivative, n, m, "y_bars", reads)
    result = _tuple(outs[m:])
    if with_value:
        result = f"{_tuple(outs[:m])}, {result}"
    return "\n".join([*lines, f"    return {result}"])


def _forward_source(program: Program) -> str:
    """``jvp``: the compiled evaluation of the forward sweep's derivative graph, a float tangent per input.

    The sweep runs on tracers (``DERIVATIVES["forward"]``,
    :func:`graphdiff.transforms.derivatives.forward_program`) and is compiled as any
    evaluation is (:func:`_statements`): a ``cos(x)`` that ``sin``'s tangent rule needs is
    read where the evaluation computes it.
    """
    derivative = _recorded("forward", program)
    n, m = len(program.input_slots), len(program.output_slots)
    reads = {slot: f"x_dots[{k}]" for k, slot in enumerate(derivative.input_slots[n:])}
    lines, outs = _derivative_lines("jvp", derivative, n, m, "x_dots", reads)
    return "\n".join([*lines, f"    return {_tuple(outs[:m])}, {_tuple(outs[m:])}"])


def _recorded(kind: str, *args: Any) -> Program:
    """The derivative program ``DERIVATIVES[kind]`` records; :class:`Unsupported` where a rule cannot be recorded."""
    try:
        return DERIVATIVES[kind](*args)
    except GraphError as err:  # a rule the tracer cannot record: the interpreter runs it
        raise Unsupported(str(err)) from None


def _derivative_lines(
    name: str, derivative: Program, n: int, m: int, extra: str, reads: dict[int, str]
) -> tuple[list[str], list[str]]:
    """``def name(inputs, extra)`` and the derivative program's statements, and each output's code.

    ``n``: the derivative's first inputs, the primal ones, unpacked from ``inputs`` (the
    others are ``reads``: a seed ``y_bars[k]`` or ``x_dots[k]``). ``m``: its first outputs,
    the primal values, which move to where their arguments die; the derivatives are made
    where the sweep completes them.
    """
    lines, code = _statements(derivative, reads=reads, late=derivative.output_slots[:m])
    head = [
        f"def {name}(inputs, {extra}, *, {_LOCALS}):",
        *_unpack("v", derivative.input_slots[:n], "inputs"),
    ]
    return [*head, *lines], [code[s] for s in derivative.output_slots]


def _tuple(codes: Iterable[str]) -> str:
    """``(a, b, )``: a tuple display of the codes, one element or none included."""
    return "(" + "".join(f"{c}, " for c in codes) + ")"


def _jacfwd_source(program: Program) -> tuple[str, dict]:
    """``jacfwd``: the evaluation with a tangent vector beside every node that depends on an input.

    Vector forward mode is the one kind still written from the rules directly, not as a
    derivative graph: its tangents are numpy vectors, masked as below. A call a tangent
    rule makes that the evaluation makes too is read; where the evaluation would make it
    later (``sin(x)``'s rule asks for ``cos(x)``, which the next node computes), that
    node's statement moves up to where the call is first needed.

    Input k's tangent is the k-th unit vector
    (``-0.0`` off the diagonal) and one sweep carries every column of the Jacobian. Entry
    k of a tangent then means what a sweep seeded at input k alone computes, where a node
    that does not depend on input k has no tangent at all (a structural zero, never
    multiplied: ``0 * inf`` would be nan). Entries of a node's tangent outside its inputs
    mean nothing; where they are all exactly ``-0.0`` the tangent is *clean*, and ``-0.0``
    adds as an exact no-op (``x + -0.0`` is ``x`` for every x, ``+0.0`` and nan included).
    So a term from an argument that depends on fewer inputs than the node must be ``-0.0``
    outside the argument's inputs: a clean tangent passed on unchanged (an edge of partial
    one) already is; a product is made so in place (``_clean``); an unclean tangent
    passed on is masked (``_where``). A node whose tangent is passed on that way is made
    clean in place once, where it is computed. Outputs are masked to exact zeros where
    they do not depend on an input. Returns the source and the index and mask arrays it
    names.
    """
    constants, expressions = _primal(program)
    made = _calls_made(expressions)
    tangent = {s: f"t{s}" for s in program.input_slots}  # slot -> the name holding its tangent
    lines = [
        *_head("jacfwd", program, "x_dots"),
        *_unpack("t", program.input_slots, "x_dots"),
        *_lines(constants),
    ]
    written: set[int] = set()
    depends = input_sets(program)
    masks: dict[int, str] = {}  # a set of inputs, as a bit mask -> the name of its mask vector
    outside: dict[int, str] = {}  # a set of inputs -> the name of the positions not in it
    clean = dict.fromkeys(program.input_slots, True)  # slot -> its tangent is -0.0 outside its inputs
    passed_on = _passed_on(program, depends)

    def mask(inputs: int, term: str, fill: str = "-0.0") -> str:
        if inputs not in masks:
            masks[inputs] = f"_mask{len(masks)}"
        return f"_where({masks[inputs]}, {term}, {fill})"

    def positions_outside(inputs: int) -> str:
        if inputs not in outside:
            outside[inputs] = f"_out{len(outside)}"
        return outside[inputs]

    def vector_term(term: str, a: int, out: int, kind: str | None) -> tuple[str, bool]:
        """The term, made -0.0 outside a's inputs if a depends on fewer inputs than out; is it clean?"""
        if kind == "picks":  # (t if c else 0.0): a's tangent itself or a number; made a fresh vector
            term = f"_fresh({term}, {len(program.input_slots)})"
        if _is_read(term):  # a's tangent itself
            if clean.get(a, False) or depends[a] == depends[out]:
                return term, clean.get(a, False)
            return mask(depends[a], term), True
        if depends[a] == depends[out]:
            return term, False
        return f"_clean({term}, {positions_outside(depends[a])})", True

    def write(out: int) -> None:
        if out not in written:
            written.add(out)
            lines.append(_assign(out, expressions[out]))

    def reuse(call: re.Match) -> str:
        if call[0] not in made:
            return call[0]
        write(made[call[0]])
        return _v(made[call[0]])

    for prim, out, args, params_, active_args in program.ops:
        if out not in expressions:  # dead: no output depends on it
            continue
        write(out)
        if active_args:
            arg_syms = [Sym(_v(a)) for a in args]
            terms = [
                _CALL.sub(reuse, _code(prim.jvp[i](Sym(tangent[a]), Sym(_v(out)), *arg_syms, **params_)))
                for i, a in active_args
            ]
            kinds = [prim.partials[i].kind if prim.partials else None for i, _ in active_args]
            made_clean = [vector_term(t, a, out, k) for t, (_, a), k in zip(terms, active_args, kinds)]
            terms = [term for term, _ in made_clean]
            clean[out] = all(is_clean for _, is_clean in made_clean)
            if len(terms) == 1 and _is_read(terms[0]):  # passed on unchanged: no statement
                tangent[out] = terms[0]
            else:
                lines.append(f"    t{out} = {' + '.join(terms)}")
                tangent[out] = f"t{out}"
            if out in passed_on and not clean[out]:
                # entries outside out's inputs mean nothing: making them -0.0 in place is safe even
                # when the tangent is an argument's, passed on unchanged
                lines.append(f"    {tangent[out]}[{positions_outside(depends[out])}] = -0.0")
                clean[out] = True
    every_input = (1 << len(program.input_slots)) - 1
    results = []
    for s in program.output_slots:
        if not program.active[s]:
            results.append("None")
        elif depends[s] != every_input:
            results.append(mask(depends[s], tangent[s], fill="0.0"))
        else:
            results.append(tangent[s])
    lines.append(f"    return {_outputs(program)}, ({''.join(r + ', ' for r in results)})")
    source = "\n".join(lines)
    n = len(program.input_slots)
    return source, {
        "_where": np.where,
        "_clean": _clean,
        "_fresh": _fresh,
        **{name: _unit_mask(inputs, n) for inputs, name in masks.items()},
        **{name: np.flatnonzero(~_unit_mask(inputs, n)) for inputs, name in outside.items()},
    }


def _passed_on(program: Program, depends: dict[int, int]) -> set[int]:
    """The slots whose tangent some node passes on unchanged (an edge of partial one) from fewer inputs."""
    return {
        a
        for op in program.ops
        if op.prim.partials is not None
        for i, a in op.active_args
        if op.prim.partials[i].kind == "one" and depends[a] != depends[op.out]
    }


def _fresh(term: np.ndarray | float, n: int) -> np.ndarray:
    """A new vector of ``n`` entries holding ``term`` (a tangent, copied, or a number, repeated)."""
    return np.array(term, dtype=float) if isinstance(term, np.ndarray) else np.full(n, term)


def _clean(term: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``term`` (a fresh array) with ``-0.0`` at ``positions``, in place."""
    term[positions] = -0.0
    return term


def _unit_mask(inputs: int, n: int) -> np.ndarray:
    """The bit mask ``inputs`` over ``n`` input positions as a boolean vector (bit k is entry k)."""
    packed = np.frombuffer(inputs.to_bytes((n + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little")[:n].astype(bool)


_SOURCES.update(
    evaluate=_evaluate_source,
    vjp=_reverse_source,
    jvp=_forward_source,
    jacfwd=_jacfwd_source,
    grad=lambda p, *seeded: _reverse_source(p, with_value=False, seeded=seeded or None),
)
