"""Benchmark: the same year built several ways, with wall time, CPU time and peak memory.

    .venv/bin/python bench/run.py                 # Haining 2024 (13 units) + quick province
    .venv/bin/python bench/run.py --province full # + the full synthetic province (~1,100 units)
    .venv/bin/python bench/run.py --only haining  # just the 13-unit year

Ways, each on a fresh copy of the inputs:
  (a) the loop a user writes: `papermill` then `jupyter nbconvert --to html` per unit (CLI)
  (b) papermill.execute_notebook in a process pool (one worker per core), then nbconvert
  (c) `annual-review build` from scratch
  (d) `annual-review build` again, nothing changed
  (e) `annual-review build` after changing one township's figure
Every way writes HTML only (the build runs with --no-word) so that they do the same work.
Timings go to stdout as a table with ratios against (a) and (b); a JSON copy is written to
outputs/bench-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Measure:
    work: str
    way: str
    units: int
    wall: float
    cpu: float
    peak_mib: float
    executed: int | None = None


class PeakMemory:
    """Samples the memory of this process and all its descendants (sum of PSS).

    PSS (proportional set size) splits each shared page between the processes that
    share it. Summing RSS instead would count the pages a forked child shares with its
    zygote once per child, reporting memory that is not in use. Reading PSS costs more
    than RSS, so the sampling interval is 0.2 s (the measured builds take seconds).
    """

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(work: str, way: str, units: int, action) -> Measure:
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    with PeakMemory() as memory:
        executed = action()
    return Measure(
        work,
        way,
        units,
        time.perf_counter() - wall0,
        cpu_seconds() - cpu0,
        memory.peak / 2**20,
        executed,
    )


def env() -> dict[str, str]:
    state = Path(tempfile.mkdtemp(prefix="bench-state-"))
    return {
        **os.environ,
        "MPLCONFIGDIR": str(state / "mpl"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
    }


def copy_inputs(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    for name in ("data", "params", "notebooks"):
        shutil.copytree(source / name, target / name)
    return target


def unit_runs(project: Path) -> list[tuple[str, str, str, str]]:
    """(notebook, unit name, region slug, output stem) for every unit of every region."""
    import yaml

    runs = []
    for region_file in sorted((project / "data" / "regions").glob("*.yaml")):
        region = yaml.safe_load(region_file.read_text(encoding="utf-8"))
        runs.append(("city.ipynb", region["name"], region["slug"], region["slug"]))
        runs += [
            ("township.ipynb", t["name"], region["slug"], t["slug"]) for t in region["townships"]
        ]
    return runs


def way_a(project: Path) -> None:
    out = project / "outputs" / "a"
    out.mkdir(parents=True)
    for notebook, unit, region, stem in unit_runs(project):
        executed = out / f"{stem}.ipynb"
        subprocess.run(
            [
                str(BIN / "papermill"),
                notebook,
                str(executed),
                "-p",
                "unit",
                unit,
                "-p",
                "region",
                region,
                "--no-progress-bar",
            ],
            cwd=project / "notebooks",
            check=True,
            capture_output=True,
            env=env(),
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True,
            capture_output=True,
            env=env(),
        )


def _papermill_one(args: tuple[str, str, str, str, str]) -> str:
    import papermill

    project, notebook, unit, region, out = args
    papermill.execute_notebook(
        f"{project}/notebooks/{notebook}",
        out,
        parameters={"unit": unit, "region": region},
        cwd=f"{project}/notebooks",
        progress_bar=False,
    )
    return out


def way_b(project: Path) -> None:
    from nbconvert import HTMLExporter

    out = project / "outputs" / "b"
    out.mkdir(parents=True)
    jobs = [
        (str(project), nb, unit, region, str(out / f"{stem}.ipynb"))
        for nb, unit, region, stem in unit_runs(project)
    ]
    exporter = HTMLExporter(exclude_input=True)
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        for path in pool.map(_papermill_one, jobs):
            html, _ = exporter.from_filename(path)
            Path(path).with_suffix(".html").write_text(html, encoding="utf-8")


def way_build(project: Path, *extra: str) -> int:
    subprocess.run(
        [
            str(BIN / "annual-review"),
            "--project",
            str(project),
            "build",
            "--year",
            "2024",
            "--region",
            "all",
            "--no-word",
            "--quiet",
            *extra,
        ],
        check=True,
        env=env(),
    )
    executed = 0
    for manifest in (project / "outputs").glob("*/2024/manifest.json"):
        units = json.loads(manifest.read_text(encoding="utf-8"))["units"].values()
        executed += sum(1 for u in units if not u["cached"])
    return executed


def way_dask(project: Path) -> int:
    """The build on a local Dask cluster: 2 worker processes, one thread each."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        return way_build(project, "--executor", "dask", "--scheduler", cluster.scheduler_address)


def change_one_township(project: Path) -> None:
    values = sorted((project / "data" / "values").glob("*.csv"))[0]
    lines = values.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        fields = line.split(",")
        if (
            len(fields) > 3
            and fields[0] == "2024"
            and fields[2] == "mediation_disputes"
            and not fields[1].endswith("市")
        ):
            fields[3] = str(int(fields[3]) + 1)
            lines[i] = ",".join(fields)
            break
    values.write_text("".join(lines), encoding="utf-8")


def bench(work: str, project: Path, baselines: bool) -> list[Measure]:
    units = len(unit_runs(project))
    scratch = Path(tempfile.mkdtemp(prefix=f"bench-{work}-"))
    rows = []
    if baselines:
        rows.append(
            measure(
                work,
                "(a) papermill + nbconvert CLI per unit",
                units,
                lambda: way_a(copy_inputs(project, scratch / "a")),
            )
        )
        rows.append(
            measure(
                work,
                "(b) papermill in a process pool + nbconvert",
                units,
                lambda: way_b(copy_inputs(project, scratch / "b")),
            )
        )
    built = copy_inputs(project, scratch / "c")
    rows.append(
        measure(work, "(c) annual-review build, from scratch", units, lambda: way_build(built))
    )
    rows.append(
        measure(work, "(d) annual-review build, nothing changed", units, lambda: way_build(built))
    )
    change_one_township(built)
    rows.append(
        measure(
            work, "(e) annual-review build, one township changed", units, lambda: way_build(built)
        )
    )
    shutil.rmtree(scratch, ignore_errors=True)
    return rows


def table(rows: list[Measure]) -> str:
    out = [
        "| work | way | units | wall s | CPU s | peak MiB | executed | ÷ (a) | ÷ (b) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ref = {r.way[:3]: r.wall for r in rows if r.work == row.work}
        a = f"{row.wall / ref['(a)']:.3f}" if "(a)" in ref else ""
        b = f"{row.wall / ref['(b)']:.3f}" if "(b)" in ref else ""
        executed = "" if row.executed is None else str(row.executed)
        out.append(
            f"| {row.work} | {row.way} | {row.units} | {row.wall:.1f} | {row.cpu:.1f} | "
            f"{row.peak_mib:.0f} | {executed} | {a} | {b} |"
        )
    return "\n".join(out)


def task_sizes(project: Path) -> dict[str, float]:
    """Bytes a Dask task sends (the pickled RunSpec) and gets back (the executed notebook)."""
    import pickle

    from annual_review.core.layout import Project
    from annual_review.inputs.checks import check_inputs
    from annual_review.runs.plan import library_fingerprint, plan_runs

    proj = Project(project)
    sent, back = {"city": [], "township": []}, {"city": [], "township": []}
    for slug in proj.regions():
        checked = check_inputs(proj, 2024, slug)
        for spec in plan_runs(
            proj,
            checked.region,
            checked.region.units,
            2024,
            library_fingerprint(),
            checked.run_parameters,
        ):
            level = "city" if spec.slug == slug else "township"
            sent[level].append(len(pickle.dumps(spec)))
            executed = proj.year_dir(2024, slug) / "notebooks" / f"{spec.slug}.ipynb"
            if executed.is_file():
                back[level].append(executed.stat().st_size)
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    return {
        f"{d} {lvl} KiB": mean(v[lvl]) / 1024
        for d, v in (("sent", sent), ("back", back))
        for lvl in ("city", "township")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--province",
        choices=["quick", "full", "both", "none"],
        default="quick",
        help="synthetic province: quick (9 counties), full (90), both (quick, then full), or none",
    )
    parser.add_argument(
        "--only",
        choices=["haining", "dask"],
        help="only the 13-unit year, or only its build on a Dask LocalCluster",
    )
    args = parser.parse_args()
    from annual_review.inputs.synthetic import generate_province

    if args.only == "dask":
        scratch = Path(tempfile.mkdtemp(prefix="bench-dask-"))
        rows = [
            measure(
                "Haining 2024",
                "(f) annual-review build on a Dask LocalCluster",
                13,
                lambda: way_dask(copy_inputs(ROOT, scratch / "f")),
            )
        ]
        print(table(rows))
        return

    rows = bench("Haining 2024", ROOT, baselines=True)
    sizes_project = Path(tempfile.mkdtemp(prefix="bench-sizes-")) / "project"
    copy_inputs(ROOT, sizes_project)
    way_build(sizes_project)
    sizes = task_sizes(sizes_project)
    print("Dask task sizes (mean):", ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()))
    print(table(rows), flush=True)
    sizes_of = {"quick": ["quick"], "full": ["full"], "both": ["quick", "full"], "none": []}
    for size in [] if args.only == "haining" else sizes_of[args.province]:
        counties = {"quick": 9, "full": 90}[size]
        province = Path(tempfile.mkdtemp(prefix="bench-province-")) / "project"
        generate_province(ROOT, province, counties=counties)
        rows += bench(f"province ({size})", province, baselines=False)
        shutil.rmtree(province.parent, ignore_errors=True)
        print(table(rows), flush=True)
    print(table(rows))
    (ROOT / "outputs").mkdir(exist_ok=True)
    (ROOT / "outputs" / "bench-results.json").write_text(
        json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
