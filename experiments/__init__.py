"""Research modules, no Telegram and nothing from `bot`, in subpackages by purpose.

Each subpackage's `__all__` is its interface (tests/experiments/test_public_interface.py):
  records     what happened: the event vocabulary and the one "who did what in a window" rule
  protocol    the study as written down: the protocol file, its sections, questionnaires
  allocation  who gets which arm: the allocation sequence, its audit log, pseudonyms
  analysis    the pre-specified analysis, descriptives, models, power and design simulation
  micro       micro-randomized nudges: the draws, their hash chain, the excursion effects
  outputs     what leaves the study: the export, codebook, report and analysis plan
Each imports only from the ones listed below it (pyproject [tool.importlinter]).
"""
