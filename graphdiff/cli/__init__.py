"""The command line and the benchmarks it runs: ``graphdiff bench``, ``draw``, ``example``.

- :mod:`~graphdiff.cli.main`: the ``graphdiff`` command;
- :mod:`~graphdiff.cli.suites`: graph families, benchmark suites, the crossover, tables;
- :mod:`~graphdiff.cli.peers`: the same graphs in micrograd, PyTorch, autograd and JAX;
- :mod:`~graphdiff.cli.examples`: the worked examples of the two articles.
"""
