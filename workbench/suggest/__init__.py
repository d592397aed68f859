"""Suggestions: framing cues per passage and a suggested relation per aligned pair.

- :mod:`~workbench.suggest.framing`: framing cues (rules).
- :mod:`~workbench.suggest.specifics` and :mod:`~workbench.suggest.compare`: figures, dates
  and names in a passage, and their comparison across a pair.
- :mod:`~workbench.suggest.textfeatures`, :mod:`~workbench.suggest.stance`,
  :mod:`~workbench.suggest.trees`, :mod:`~workbench.suggest.relation`: the learned suggester.
- :mod:`~workbench.suggest.stage`: the suggestion stage (cues and suggestions into the store).
- :mod:`~workbench.suggest.training`: refitting the relation head on analysts' tags.
- :mod:`~workbench.suggest.ranking`: which untagged pairs a tag would teach most.

What the stage stored is read through :mod:`workbench.views.evidence`.
"""
