"""The compiled program: a graph validated once and flattened into the instruction list every sweep runs."""

from graphdiff.ir.program import Instruction, Program, ProgramBuilder, compile_program, infer_shape

__all__ = ["Program", "Instruction", "ProgramBuilder", "compile_program", "infer_shape"]
