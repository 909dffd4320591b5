"""Compiling: straight-line Python for scalar programs, generated from the primitive table's rules."""

from graphdiff.compiler.codegen import COMPILE_AFTER, fast, run

__all__ = ["fast", "run", "COMPILE_AFTER"]
