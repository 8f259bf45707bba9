"""Stage 4, runs: executing the notebooks. Planning a run per unit with exactly the files
it reads and its cache key (:mod:`.plan`), executing one run with papermill
(:mod:`.execute`), the warm engine (a zygote that forks a process per run:
:mod:`.warm`, :mod:`.zygote`, :mod:`.cells`, :mod:`.engine`), process control with nothing
left behind whatever ends the build (:mod:`.procs`), where a run failed
(:mod:`.failures`), making executed notebooks byte-identical (:mod:`.normalise`) and
where runs execute (:mod:`.executors`: local pool or Dask).

May import: ``core``, ``inputs``, ``figures``, ``blocks``.
"""
