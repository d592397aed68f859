"""Suggestions: framing cues per passage and a suggested relation per aligned pair.

- :mod:`~workbench.suggest.framing`: framing cues (rules).
- :mod:`~workbench.suggest.specifics` and :mod:`~workbench.suggest.compare`: figures, dates
  and names in a passage, and their comparison across a pair.
- :mod:`~workbench.suggest.textfeatures`, :mod:`~workbench.suggest.stance`,
  :mod:`~workbench.suggest.trees`, :mod:`~workbench.suggest.relation`: the learned suggester.
- :mod:`~workbench.suggest.stage`: the suggestion stage, training from tags and ranking.
"""
