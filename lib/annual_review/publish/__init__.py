"""Stage 5, publish: from executed notebooks to what readers get. Pages through nbconvert
and the ``review`` template (:mod:`.render`, :mod:`.pages`), the site swapped in whole
(:mod:`.site`), the embedded font subset (:mod:`.fonts`), Word files in official format
(:mod:`.word`, :mod:`.word_files`) and the Quarto book (:mod:`.quarto`).

May import: ``core``, ``inputs``, ``figures``, ``blocks``, ``runs``.
"""
