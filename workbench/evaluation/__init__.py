"""Evaluators on public benchmarks: metrics as data, printed by the CLI.

- :mod:`~workbench.evaluation.ecb`: passage alignment on ECB+-format data (MAP, P@1).
- :mod:`~workbench.evaluation.fnc`: the relation suggester on FNC-1-format data.
"""
