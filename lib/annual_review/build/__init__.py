"""Stage 6, build: the orchestration of one ``annual-review build``. Check every input and
keep what the build needs (:mod:`.prepare`), plan and run what changed, publish
(:mod:`.orchestrate`), and record each outcome and the manifest (:mod:`.record`).

May import: every earlier stage. Only :mod:`annual_review.cli` imports it.
"""
