"""Shared infrastructure below every stage: the error family (:mod:`.errors`), atomic
writes, folder swaps and locks (:mod:`.files`), the content-addressed cache
(:mod:`.cache`), where a project keeps things (:mod:`.layout`) and the import guard of
the processes a build starts (:mod:`.imports`).

May import: the standard library only (and other ``core`` modules).
"""
