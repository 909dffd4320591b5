"""graphdiff against other autodiff libraries on the same scalar graphs, in one run.

Each case (a library, a graph, a measurement) runs in a child process with a time
limit, so a library that takes too long (JAX compiling a 10^4-node function) is reported
as "stopped at N s" instead of being waited for. Libraries that are not installed are
listed as skipped, with the pip command that adds them. Every library's value and
gradient must agree with graphdiff's to 1e-10.

The graphs are written once, as a list of operations, and each library runs that list
with its own functions:

- ``dag``: a random scalar DAG: binary add/mul and unary sin/exp/tanh over earlier nodes,
  ``n_inputs`` inputs, every operation reaching the output (the sum of the last 100 nodes,
  the last of which adds up what nothing else reads; multiplications and
  exponentials only take arguments bounded by 1 in magnitude, so nothing overflows);
- ``product``: the product of ``n`` inputs as a chain (speelpenning).
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from graphdiff.cost.sweeps import median_seconds

# peers are timed longer than the harness's rows: up to a second or 30 runs per median
_median = functools.partial(median_seconds, budget=1.0, most=30)

__all__ = ["make_dag", "make_product", "run_peers", "render_peers", "ratios", "PEERS", "INSTALL"]

Op = tuple[str, int, int]

INSTALL = {
    "micrograd": "pip install micrograd",
    "torch": "pip install torch==2.13.0   (the CPU build on these machines; another spec downloads gigabytes)",
    "autograd": "pip install autograd",
    "jax": "pip install jax",
}


def make_dag(nodes: int = 10_000, n_inputs: int = 100, seed: int = 0) -> list[Op]:
    """The operations of a random scalar DAG (see the module docstring).

    Arguments are drawn from the 64 most recent candidates three times in four, else from
    all earlier ones, so that the graph is deep; the operations nothing reads are then
    added into the last node, so that every operation reaches the output and none is dead
    code (an eager library computes dead code that graphdiff leaves out).
    """
    rng = np.random.default_rng(seed)
    ops: list[Op] = []
    bounded, total = list(range(n_inputs)), n_inputs

    def pick(candidates: int, among: list[int] | None = None) -> int:
        k = (
            candidates - 1 - int(rng.integers(min(64, candidates)))
            if rng.random() < 0.75
            else int(rng.integers(candidates))
        )
        return k if among is None else among[k]

    read = [False] * (n_inputs + nodes)
    for _ in range(nodes):
        r = rng.random()
        if r < 0.3:
            ops.append(("add", pick(total), pick(total)))
        elif r < 0.6:
            ops.append(("mul", pick(len(bounded), bounded), pick(len(bounded), bounded)))
            bounded.append(total)
        elif r < 0.75:
            ops.append(("sin", pick(total), -1))
            bounded.append(total)
        elif r < 0.9:
            ops.append(("tanh", pick(total), -1))
            bounded.append(total)
        else:
            ops.append(("exp", pick(len(bounded), bounded), -1))
        for a in ops[-1][1:]:
            if a >= 0:
                read[a] = True
        total += 1
    # every operation must reach the output, as in a real computation: the ones nothing reads
    # yet are added into the last node (an eager library would compute dead code that
    # graphdiff leaves out, and the comparison would not be fair)
    unread = [k for k in range(n_inputs, total) if not read[k]]
    reached = unread[-1]
    for k in unread[:-1]:
        ops.append(("add", reached, k))
        reached, total = total, total + 1
    return ops


def make_product(n: int = 1000) -> list[Op]:
    """The product of ``n`` inputs as a chain: x0 * x1 * ... (its output is the last node)."""
    return [("mul", 0, 1)] + [("mul", n + k - 1, k + 1) for k in range(1, n - 1)]


def run_ops(ops: list[Op], xs: list, lib: dict[str, Callable], tail: int) -> Any:
    """Execute ``ops`` on ``xs`` with ``lib``'s unary functions; return the sum of the last ``tail`` nodes."""
    v = list(xs)
    for op, a, b in ops:
        if op == "add":
            v.append(v[a] + v[b])
        elif op == "mul":
            v.append(v[a] * v[b])
        else:
            v.append(lib[op](v[a]))
    out = v[-1]
    for x in v[-tail:-1]:
        out = out + x
    return out


# --- one function per library: returns {"value", "grad", "f", "gradient", "jacfwd", "first"} ---


def _plain(ops: list[Op], xs: list[float], tail: int) -> dict:
    lib = {"sin": math.sin, "exp": math.exp, "tanh": math.tanh}
    return {"value": run_ops(ops, xs, lib, tail), "f": _median(lambda: run_ops(ops, xs, lib, tail))}


def _graphdiff(ops: list[Op], xs: list[float], tail: int) -> dict:
    import graphdiff as gd
    from graphdiff.compiler import codegen

    lib = {"sin": gd.sin, "exp": gd.exp, "tanh": gd.tanh}
    f = lambda *x: run_ops(ops, x, lib, tail)
    start = time.perf_counter()
    g = gd.trace(f, *xs)
    grad = gd.grad(g)(*xs)  # prepares the graph, then one interpreted reverse sweep
    first = time.perf_counter() - start
    grad_f, jacfwd = gd.grad(g), gd.jacfwd(g)
    for kind in ("evaluate", "grad", "jacfwd"):  # the steady state: compiled ahead, as gd.jit does
        codegen.fast(g.program, kind, force=True)
    out = {"value": g(*xs), "grad": list(grad), "first": first}
    out["f"] = _median(lambda: g(*xs))
    out["gradient"] = _median(lambda: grad_f(*xs))
    out["jacfwd"] = _median(lambda: jacfwd(*xs))
    return out


def _micrograd(ops: list[Op], xs: list[float], tail: int) -> dict:
    from micrograd.engine import Value

    lib = {name: _micrograd_unary(Value, name) for name in ("sin", "exp", "tanh")}
    # micrograd sorts its graph recursively, one frame per node of the longest path; a chain
    # of n nodes needs more than Python's default 1000, as anyone using it on one would set
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * (len(ops) + len(xs)) + 1000))

    def build():
        leaves = [Value(x) for x in xs]
        return leaves, run_ops(ops, leaves, lib, tail)

    def gradient():
        leaves, out = build()
        out.backward()
        return leaves, out

    leaves, out = gradient()
    result = {"value": out.data, "grad": [v.grad for v in leaves]}
    result["gradient"] = _median(gradient)
    result["backward"] = _median(out.backward)  # accumulates into .grad; only the time is used
    return result


def _micrograd_unary(Value: type, name: str) -> Callable:
    """sin, exp and tanh for micrograd's Value, written in its own style (it has add, mul, pow, relu)."""
    f, df = {
        "sin": (math.sin, lambda x, y: math.cos(x)),
        "exp": (math.exp, lambda x, y: y),
        "tanh": (math.tanh, lambda x, y: 1 - y * y),
    }[name]

    def unary(x):
        out = Value(f(x.data), (x,), name)

        def _backward():
            x.grad += df(x.data, out.data) * out.grad

        out._backward = _backward
        return out

    return unary


def _torch(ops: list[Op], xs: list[float], tail: int) -> dict:
    import torch

    torch.set_num_threads(1)
    lib = {"sin": torch.sin, "exp": torch.exp, "tanh": torch.tanh}

    def gradient():
        leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out = run_ops(ops, leaves, lib, tail)
        return out, torch.autograd.grad(out, leaves, allow_unused=True, materialize_grads=True)

    start = time.perf_counter()
    out, grads = gradient()
    first = time.perf_counter() - start
    x = torch.tensor(xs, dtype=torch.float64)
    jac = torch.func.jacfwd(lambda v: run_ops(ops, list(v.unbind()), lib, tail))
    return {
        "value": float(out.detach()),
        "grad": [float(g) for g in grads],
        "first": first,
        "f": _median(lambda: run_ops(ops, [torch.tensor(v, dtype=torch.float64) for v in xs], lib, tail)),
        "gradient": _median(gradient),
        "jacfwd": _median(lambda: jac(x), least=1),
    }


def _autograd(ops: list[Op], xs: list[float], tail: int) -> dict:
    import autograd
    import autograd.numpy as anp

    lib = {"sin": anp.sin, "exp": anp.exp, "tanh": anp.tanh}
    f = lambda v: run_ops(ops, [v[i] for i in range(len(xs))], lib, tail)
    grad_f = autograd.grad(f)
    x = np.array(xs)
    start = time.perf_counter()
    grads = grad_f(x)
    first = time.perf_counter() - start
    return {
        "value": float(f(x)),
        "grad": list(grads),
        "first": first,
        "gradient": _median(lambda: grad_f(x)),
    }


def _jax_function(ops: list[Op], xs: list[float], tail: int) -> tuple[Any, Callable, Any]:
    """JAX with float64, the graph as a function of one vector, and the point."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    lib = {"sin": jnp.sin, "exp": jnp.exp, "tanh": jnp.tanh}
    f = lambda v: run_ops(ops, [v[i] for i in range(len(xs))], lib, tail)
    return jax, f, jnp.array(xs, dtype=jnp.float64)


def _jax(ops: list[Op], xs: list[float], tail: int) -> dict:
    jax, f, x = _jax_function(ops, xs, tail)
    start = time.perf_counter()
    compiled = jax.jit(f).lower(x).compile()
    compile_f = time.perf_counter() - start
    value = float(compiled(x))
    return {
        "value": value,
        "compile_f": compile_f,
        "f": _median(lambda: compiled(x).block_until_ready()),
    }


def _jax_grad(ops: list[Op], xs: list[float], tail: int) -> dict:
    jax, f, x = _jax_function(ops, xs, tail)
    start = time.perf_counter()
    compiled = jax.jit(jax.grad(f)).lower(x).compile()
    first = time.perf_counter() - start
    grads = compiled(x)
    return {
        "grad": [float(g) for g in grads],
        "first": first,
        "gradient": _median(lambda: compiled(x).block_until_ready()),
    }


PEERS: dict[str, tuple[str | None, Callable]] = {
    "plain Python": (None, _plain),
    "graphdiff": (None, _graphdiff),
    "micrograd": ("micrograd", _micrograd),
    "PyTorch": ("torch", _torch),
    "autograd": ("autograd", _autograd),
    "JAX jit(f)": ("jax", _jax),
    "JAX jit(grad f)": ("jax", _jax_grad),
}


def _child(function: Callable, args: tuple, queue: Any) -> None:
    try:
        queue.put(("ok", function(*args)))
    except Exception as err:  # reported as the case's result, not raised in the parent
        queue.put(("error", f"{type(err).__name__}: {err}"))


def _run_case(function: Callable, args: tuple, limit: float) -> tuple[str, Any]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(function, args, queue))
    start = time.perf_counter()
    process.start()
    process.join(limit)
    if process.is_alive():
        process.terminate()
        process.join()
        return "stopped", time.perf_counter() - start
    return queue.get() if not queue.empty() else ("error", f"exit code {process.exitcode}")


def _installed(module: str | None) -> bool:
    if module is None:
        return True
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run_peers(
    graph: str = "dag",
    size: int = 10_000,
    limit: float = 60.0,
    peers: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure every installed library on one graph; return results, skipped and stopped cases.

    ``peers`` names the libraries by module (``micrograd``, ``torch``, ``autograd``, ``jax``);
    ``None`` means all of them. Plain Python and graphdiff always run.
    """
    if graph == "dag":
        ops, n_inputs, tail = make_dag(size), 100, 100
    elif graph == "product":
        ops, n_inputs, tail = make_product(size), size, 1
    else:
        raise ValueError(f"unknown peer graph {graph!r}; choose dag or product")
    low, high = (0.9, 1.1) if graph == "product" else (-1.0, 1.0)  # a product of 0.9..1.1 stays finite
    xs = [float(x) for x in np.random.default_rng(1).uniform(low, high, n_inputs)]
    results, skipped, stopped, errors = {}, {}, {}, {}
    for name, (module, function) in PEERS.items():
        wanted = peers is None or name in ("plain Python", "graphdiff") or (module or "") in peers
        if not wanted:
            continue
        if not _installed(module):
            skipped[name] = INSTALL[module]
            continue
        if progress:
            progress(f"{graph} {size}: {name}")
        status, value = _run_case(function, (ops, xs, tail), limit)
        if status == "ok":
            results[name] = value
        elif status == "stopped":
            stopped[name] = value
        else:
            errors[name] = value
    return {"graph": graph, "size": size, "nodes": n_inputs + len(ops), "results": results,
            "skipped": skipped, "stopped": stopped, "errors": errors, "limit": limit}  # fmt: skip


def _agreement(run: dict) -> dict[str, str]:
    ref = run["results"].get("graphdiff", {})
    verdicts = {}
    for name, r in run["results"].items():
        if name == "graphdiff":
            continue
        worst = 0.0
        if "value" in r and "value" in ref:
            worst = max(worst, abs(r["value"] - ref["value"]) / max(abs(ref["value"]), 1e-300))
        if "grad" in r and "grad" in ref:
            g, h = np.array(r["grad"], float), np.array(ref["grad"], float)
            worst = max(worst, float(np.max(np.abs(g - h) / np.maximum(np.abs(h), 1e-12))))
        verdicts[name] = f"{worst:.0e}" + (" ok" if worst <= 1e-10 else " DISAGREES")
    return verdicts


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def render_peers(run: dict, tablefmt: str = "simple") -> str:
    """One table per run: median times, first-call latency, and ratios peer / graphdiff."""
    from tabulate import tabulate

    ours = run["results"].get("graphdiff", {})
    agree = _agreement(run)

    def ratio(r: dict, key: str, our_key: str | None = None) -> str:
        mine = ours.get(our_key or key)
        return f"{r[key] / mine:.1f}x" if key in r and mine else ""

    rows = []
    for name, r in run["results"].items():
        rows.append([
            name, _ms(r.get("f")), _ms(r.get("gradient")), ratio(r, "gradient"),
            _ms(r.get("backward")), ratio(r, "backward", "gradient"),
            _ms(r.get("jacfwd")), ratio(r, "jacfwd"), _ms(r.get("first") or r.get("compile_f")),
            agree.get(name, "reference"),
        ])  # fmt: skip
    for name, seconds in run["stopped"].items():
        rows.append(
            [name, "", f"stopped at {seconds:.0f} s", "", "", "", "", "", f"stopped at {seconds:.0f} s", ""]
        )
    for name, message in run["errors"].items():
        rows.append([name, "", "error: " + message[:60], "", "", "", "", "", "", ""])
    headers = ["library", "f", "gradient", "÷ ours", "backward only", "÷ our gradient", "jacfwd (all inputs)",
               "÷ ours", "first call / compile", "agrees (rel.)"]  # fmt: skip
    text = [f"{run['graph']}: {run['nodes']} scalar nodes (median wall times; ratios measured in this run)",
            tabulate(rows, headers, tablefmt, disable_numparse=True)]  # fmt: skip
    if run["skipped"]:
        text.append(
            "skipped (not installed): " + "; ".join(f"{n}: {cmd}" for n, cmd in run["skipped"].items())
        )
    return "\n".join(text)


def ratios(run: dict) -> list[str]:
    """The ratios that compare graphdiff with its peers and with itself, measured in this run, under a heading.

    Each is a quotient of two medians from the table above it; a ratio whose library is
    missing or was stopped says so.
    """
    r = run["results"]
    lines = ["Ratios measured in this run:"]
    ours = r.get("graphdiff", {})

    def ratio(label: str, numerator: float | None, denominator: float | None) -> None:
        if not numerator or not denominator:
            lines.append(f"  {label}: not measured (a library is missing or was stopped)")
            return
        lines.append(f"  {label}: {numerator / denominator:.3g}")

    compile_f = r.get("JAX jit(f)", {}).get("compile_f") or run["stopped"].get("JAX jit(f)")
    ratio(
        "micrograd's backward alone / our whole gradient",
        r.get("micrograd", {}).get("backward"),
        ours.get("gradient"),
    )
    ratio("PyTorch eager gradient / ours", r.get("PyTorch", {}).get("gradient"), ours.get("gradient"))
    ratio("our gradient / plain-Python f", ours.get("gradient"), r.get("plain Python", {}).get("f"))
    ratio(
        "torch.func.jacfwd / our vector forward Jacobian",
        r.get("PyTorch", {}).get("jacfwd"),
        ours.get("jacfwd"),
    )
    ratio("our cold first gradient / JAX jit compile of f", ours.get("first"), compile_f)
    ratio("our gradient / our f (the cheap-gradient ratio)", ours.get("gradient"), ours.get("f"))
    return lines
