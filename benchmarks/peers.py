"""graphdiff against micrograd, PyTorch, autograd and JAX on the same scalar graphs, in one run.

    python benchmarks/peers.py --size 10000             # the random DAG of 10^4 nodes
    python benchmarks/peers.py --graph product --size 1000
    python benchmarks/peers.py --write                  # also replace the README's peers block

Peers are optional: pip install micrograd autograd jax torch==2.13.0 (the CPU build here).
"""

from __future__ import annotations

import argparse
import sys

from readme_block import provenance, write_block

from graphdiff.peers import render_peers, run_peers


def targets(run: dict) -> list[str]:
    """Issue 5's targets, each with the ratio measured in this run."""
    r = run["results"]
    ours = r.get("graphdiff", {})
    lines = []

    def check(label: str, value: float | None, ok: bool | None) -> None:
        if value is None:
            lines.append(f"  -    {label}: not measured (peer missing or stopped)")
        else:
            lines.append(f"  {'met ' if ok else 'MISS'} {label}: {value:.3g}")

    grad = ours.get("gradient")
    micro = r.get("micrograd", {}).get("backward")
    check("micrograd backward alone / our gradient >= 5", micro / grad if micro and grad else None,
          micro and grad and micro / grad >= 5)  # fmt: skip
    torch_grad = r.get("PyTorch", {}).get("gradient")
    check("PyTorch eager gradient / ours >= 30", torch_grad / grad if torch_grad and grad else None,
          torch_grad and grad and torch_grad / grad >= 30)  # fmt: skip
    plain = r.get("plain Python", {}).get("f")
    check(
        "our gradient / plain-Python f <= 4",
        grad / plain if grad and plain else None,
        grad and plain and grad / plain <= 4,
    )
    jac, torch_jac = ours.get("jacfwd"), r.get("PyTorch", {}).get("jacfwd")
    check("torch.func.jacfwd / our vector forward Jacobian >= 10", torch_jac / jac if jac and torch_jac else None,
          jac and torch_jac and torch_jac / jac >= 10)  # fmt: skip
    first, compile_f = ours.get("first"), r.get("JAX jit(f)", {}).get("compile_f")
    if compile_f is None and "JAX jit(f)" in run["stopped"]:
        compile_f = run["stopped"]["JAX jit(f)"]  # at least this long
    check("our cold first gradient / JAX jit compile of f <= 0.01", first / compile_f if first and compile_f else None,
          first and compile_f and first / compile_f <= 0.01)  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--graph", choices=["dag", "product"], default="dag")
    parser.add_argument(
        "--size", type=int, default=10_000, help="DAG nodes, or product inputs (default 10000)"
    )
    parser.add_argument(
        "--limit", type=float, default=60.0, help="seconds per case before it is stopped (default 60)"
    )
    parser.add_argument("--write", action="store_true", help="replace the README's peers block")
    args = parser.parse_args()
    show = (lambda m: print(m, file=sys.stderr)) if sys.stderr.isatty() else None
    run = run_peers(args.graph, args.size, args.limit, progress=show)
    text = render_peers(run) + "\n\nTargets (issue 5), measured in this run:\n" + "\n".join(targets(run))
    print(text)
    if args.write:
        write_block(f"peers-{args.graph}", "```text\n" + text + "\n```\n" + provenance() + "\n")


if __name__ == "__main__":
    main()
