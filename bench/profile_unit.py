"""Where one unit's time goes: kernel start-up, cell work (load, charts, text), HTML, I/O.

    .venv/bin/python bench/profile_unit.py [--unit 海昌街道] [--repeat 3]

Runs the unit with each engine (papermill's usual kernel start, and the warm forked
kernel), several times, and prints the mean of each phase in seconds. Cell times come
from papermill's own per-cell timing; "start-up and papermill" is the rest of the run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from annual_review.core.layout import Project
from annual_review.inputs.checks import check_inputs
from annual_review.runs.execute import execute_run
from annual_review.runs.normalise import normalise_notebook
from annual_review.runs.plan import library_fingerprint, plan_runs

ROOT = Path(__file__).resolve().parents[1]


def phase_of(source: str) -> str:
    if "Review.load" in source:
        return "cells: load + validate data"
    if "chart" in source or "trends" in source:
        return "cells: charts"
    return "cells: text and tables"


def profile(unit_name: str, engine: str, repeat: int) -> dict[str, float]:
    project = Project(ROOT)
    checked = check_inputs(project, 2024, "haining")
    unit = checked.region.unit(unit_name)
    spec = plan_runs(
        project, checked.region, [unit], 2024, library_fingerprint(), checked.run_parameters
    )[0]
    execute_run(spec, engine=engine)  # warm-up: zygote, font cache, imports in this process
    samples: list[dict[str, float]] = []
    for _ in range(repeat):
        outcome = execute_run(spec, engine=engine)
        nb = json.loads(outcome.notebook)
        phases: dict[str, float] = {}
        for cell in nb["cells"]:
            took = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
            source = "".join(cell.get("source", ""))
            phases[phase_of(source)] = phases.get(phase_of(source), 0.0) + took
        phases["start-up and papermill"] = outcome.seconds - sum(phases.values())
        started = time.perf_counter()
        normalised = normalise_notebook(outcome.notebook, spec)
        phases["I/O: normalise the notebook"] = time.perf_counter() - started
        started = time.perf_counter()
        _render(normalised, unit)
        phases["HTML: nbconvert page"] = time.perf_counter() - started
        phases["total"] = sum(v for k, v in phases.items() if k != "total")
        samples.append(phases)
    return {k: statistics.mean(s[k] for s in samples) for k in samples[0]}


def _render(notebook: bytes, unit) -> None:
    import nbformat
    from annual_review.publish.render import render_page

    nb = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    render_page(nb, slug=unit.slug, title=unit.name, site_title="", nav=[], build_id="x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", default="海昌街道")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {engine: profile(args.unit, engine, args.repeat) for engine in ("papermill", "warm")}
    phases = list(results["papermill"])
    print(f"| phase ({args.unit}, mean of {args.repeat}) | papermill kernel s | warm engine s |")
    print("|---|---:|---:|")
    for phase in phases:
        print(f"| {phase} | {results['papermill'][phase]:.2f} | {results['warm'][phase]:.2f} |")


if __name__ == "__main__":
    main()
