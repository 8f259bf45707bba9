"""The batch runner against real papermill runs and real kernels.

Parameters are checked before any kernel starts; failures stay with their unit; the
cache re-runs only what changed; builds are reproducible; no kernel outlives a build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml
from annual_review.build.orchestrate import BuildOptions, build
from annual_review.cli import main as cli_main
from annual_review.core.errors import InputError
from annual_review.core.files import year_lock
from annual_review.core.layout import Project

pytestmark = pytest.mark.slow

FAULT_CELL = """import os, time
if fault == "raise":
    raise RuntimeError("故障测试：单元格抛出异常")
elif fault == "exit":
    os._exit(1)
elif fault == "hang":
    time.sleep(600)"""

LEAK_CELL = """import builtins
assert not hasattr(builtins, "ANNUAL_REVIEW_LEAK"), f"leaked from {builtins.ANNUAL_REVIEW_LEAK}"
builtins.ANNUAL_REVIEW_LEAK = unit"""


def add_cell(project: Path, notebook: str, source: str, parameter: str = "") -> None:
    """Add a cell after the load cell (and optionally a parameter) to a notebook copy."""
    path = project / "notebooks" / notebook
    nb = nbformat.read(path, as_version=4)
    if parameter:
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        cell.source += f"\n{parameter}"
    new = nbformat.v4.new_code_cell(source)
    new.id = "test-cell"
    nb.cells.insert(3, new)
    nbformat.write(nb, path)


def set_run_parameters(project: Path, slug: str, parameters: dict | None) -> None:
    path = project / "params" / "2024" / f"{slug}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if parameters:
        data["parameters"] = parameters
    else:
        data.pop("parameters", None)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run(project: Path, *units: str, **options) -> dict:
    """Build units (Word files only when asked: these tests are about the runs)."""
    options.setdefault("word", False)
    report = build(Project(project), BuildOptions(year=2024, units=list(units), **options))
    return {slug: o for slug, o in report.outcomes.items()}


def executed(outcomes: dict) -> set[str]:
    return {slug for slug, o in outcomes.items() if not o.cached}


STARTED = time.time()


def _same_test_process(proc: psutil.Process) -> bool:
    """Whether ``proc`` was started from this test process's worker (pytest-xdist names
    its workers in the environment every process they start inherits)."""
    try:
        theirs = proc.environ().get("PYTEST_XDIST_WORKER")
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    return theirs == os.environ.get("PYTEST_XDIST_WORKER")


def kernels() -> set[int]:
    """Kernel processes of this test run: started ones (ipykernel) and forked ones (the warm
    zygote's), below this process or orphaned since the tests started (a process that
    outlived its build); another program's kernels on the same machine are not counted."""
    mine = {p.pid for p in psutil.Process().children(recursive=True)}
    found = set()
    for proc in psutil.process_iter(["cmdline", "status", "ppid", "create_time"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        orphan = proc.info["ppid"] == 1 and proc.info["create_time"] >= STARTED - 1
        if orphan and not _same_test_process(proc):  # another pytest-xdist worker's
            continue
        if (proc.pid in mine or orphan) and any(
            "ipykernel" in p or "annual_review.runs.warm" in p for p in proc.info["cmdline"] or []
        ):
            found.add(proc.pid)
    return found


def kernels_gone(before: set[int], seconds: float = 15) -> bool:
    """Whether every kernel started since ``before`` has ended (allowing time to exit)."""
    deadline = time.monotonic() + seconds
    while kernels() - before:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def site_files(project: Path) -> dict[str, bytes]:
    site = project / "outputs" / "haining" / "2024" / "site"
    return {p.name: p.read_bytes() for p in sorted(site.glob("*.html"))}


@pytest.mark.parametrize(
    ("cli", "params", "expected"),
    [
        ({"yaer": 2024}, None, "parameter 'yaer' is not declared in notebooks/township.ipynb"),
        ({}, {"data_dir": 5}, "data_dir cannot be given"),
        ({"year": "2024"}, None, "parameter 'year' given '2024' (str), expected int"),
    ],
)
def test_bad_parameters_are_refused_before_any_kernel(project, cli, params, expected) -> None:
    if params:
        set_run_parameters(project, "haichang", params)
    before = kernels()
    with pytest.raises(InputError) as caught:
        build(Project(project), BuildOptions(year=2024, parameters=cli))
    assert expected in str(caught.value)
    assert not (project / "outputs").exists() and not kernels() - before


def test_a_missing_required_parameter_is_refused(project) -> None:
    add_cell(project, "township.ipynb", "assert reviewer", parameter="reviewer: str")
    with pytest.raises(InputError, match="parameter 'reviewer' is required"):
        build(Project(project), BuildOptions(year=2024))
    assert not (project / "outputs").exists()


def test_faults_fail_alone_leave_no_kernel_and_rebuild_only_what_failed(project) -> None:
    add_cell(project, "township.ipynb", FAULT_CELL, parameter='fault = ""')
    faults = {"dingqiao": "raise", "xieqiao": "exit", "huangwan": "hang"}
    for slug, fault in faults.items():
        set_run_parameters(project, slug, {"fault": fault})
    units = ["海昌街道", *faults]
    before = kernels()
    outcomes = run(project, *units, timeout=8)
    assert {s for s, o in outcomes.items() if not o.ok} == set(faults)
    assert outcomes["haichang"].ok
    assert "故障测试" in outcomes["dingqiao"].error
    assert kernels_gone(before), f"a kernel outlived the build: {kernels() - before}"
    year = project / "outputs" / "haining" / "2024"
    failed = year / "failed" / "dingqiao.ipynb"
    assert "故障测试" in failed.read_text(encoding="utf-8")
    log = (year / "logs" / "dingqiao.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "故障测试" in log  # the whole traceback, not only a line
    nb = nbformat.read(failed, as_version=4)
    assert (
        "papermill-error-cell-tag" in str(nb.cells[0].metadata)
        or "error" in nb.cells[0].source.lower()
    )
    assert "本单位报告暂缺" in (year / "site" / "dingqiao.html").read_text(encoding="utf-8")
    assert (year / "site" / "haichang.html").is_file()

    set_run_parameters(project, "dingqiao", None)
    again = run(project, *units, timeout=8)
    assert executed(again) == set(faults)  # what failed runs again; haichang is cached
    assert again["dingqiao"].ok and not (year / "failed" / "dingqiao.ipynb").exists()

    set_run_parameters(project, "dingqiao", {"fault": "raise"})
    (project / "params" / "2024" / "dingqiao.yaml").write_text(
        (project / "params" / "2024" / "dingqiao.yaml").read_text("utf-8") + "\n", "utf-8"
    )
    stale = run(project, "丁桥镇", timeout=8)
    assert not stale["dingqiao"].ok
    page = (year / "site" / "dingqiao.html").read_text(encoding="utf-8")
    assert "本页内容未随本次构建更新" in page and "丁桥镇2024年法治政府建设年度报告" in page


def test_incremental_builds_rerun_only_what_changed(project) -> None:
    first = run(project)
    assert executed(first) == set(first) and len(first) == 13
    cache = project / "outputs" / ".cache"
    entries = [p for p in cache.rglob("*") if p.is_file() and p.name != ".lock"]
    long_ago = time.time() - 90 * 86400
    for path in entries:
        os.utime(path, (long_ago, long_ago))
    assert executed(run(project)) == set()  # nothing changed: no notebook executes
    used = {p.relative_to(cache).parts[0] for p in entries if p.stat().st_mtime > long_ago}
    assert {"runs", "pages", "fonts"} <= used  # what the build reused is marked as used
    assert cli_main(["--project", str(project), "clean-cache", "--days", "30"]) == 0
    assert executed(run(project)) == set()  # the prune kept everything the build needs
    values = project / "data" / "values" / "haining.csv"
    text = values.read_text(encoding="utf-8")
    old = "2024,海昌街道,mediation_settled,540,"
    assert old in text
    values.write_text(text.replace(old, "2024,海昌街道,mediation_settled,541,"), "utf-8")
    assert executed(run(project)) == {"haichang", "haining"}
    assert "541" in (project / "outputs/haining/2024/site/haichang.html").read_text("utf-8")


def test_two_builds_from_scratch_are_byte_identical(project, tmp_path) -> None:
    units = ["海宁市", "海昌街道", "黄湾镇"]
    run(project, *units)
    year = project / "outputs" / "haining" / "2024"
    first_pages = site_files(project)
    first_notebooks = {p.name: p.read_bytes() for p in (year / "notebooks").glob("*.ipynb")}
    import shutil

    shutil.rmtree(project / "outputs")
    assert executed(run(project, *units)) == {"haining", "haichang", "huangwan"}
    assert site_files(project) == first_pages
    assert {p.name: p.read_bytes() for p in (year / "notebooks").glob("*.ipynb")} == first_notebooks


def test_a_dask_cluster_build_gives_the_same_pages(project, tmp_path) -> None:
    from distributed import LocalCluster

    units = ["海宁市", "盐官镇"]
    run(project, *units)
    local_pages = site_files(project)
    import shutil

    shutil.rmtree(project / "outputs")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        outcomes = run(project, *units, executor="dask", scheduler=cluster.scheduler_address)
    assert executed(outcomes) == {"haining", "yanguan"} and all(o.ok for o in outcomes.values())
    assert site_files(project) == local_pages


def test_a_global_set_in_one_run_is_absent_in_the_next_on_the_same_worker(project) -> None:
    add_cell(project, "township.ipynb", LEAK_CELL)
    outcomes = run(project, "海昌街道", "黄湾镇", "盐官镇", jobs=1)
    assert all(o.ok for o in outcomes.values()), {s: o.error for s, o in outcomes.items()}


def test_a_second_build_of_the_same_year_waits_for_the_first(project) -> None:
    run(project, "盐官镇")
    messages: list[str] = []
    year = project / "outputs" / "haining" / "2024"
    with year_lock(year):
        worker = threading.Thread(
            target=lambda: build(
                Project(project),
                BuildOptions(year=2024, units=["盐官镇"]),
                on_waiting=messages.append,
            )
        )
        worker.start()
        deadline = time.monotonic() + 120
        while not messages and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.is_alive() and "another build of 2024 is running" in messages[0]
    worker.join(timeout=120)
    assert not worker.is_alive()


def test_killing_a_build_leaves_the_previous_site_intact(project) -> None:
    run(project, "海宁市", "盐官镇")
    before = site_files(project)
    command = [
        sys.executable,
        "-m",
        "annual_review.cli",
        "--project",
        str(project),
        "build",
        "--year",
        "2024",
        "--force",
        "--quiet",
    ]
    logs = project / "outputs" / "haining" / "2024" / "logs"
    started = time.time()
    proc = subprocess.Popen(command, start_new_session=True)
    deadline = started + 120
    while time.time() < deadline and not any(  # kill it once its first run is stored
        p.stat().st_mtime >= started for p in logs.glob("*.log")
    ):
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before it could be killed mid-way"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert site_files(project) == before


def test_cli_exit_codes(project) -> None:
    def check(*extra: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "annual_review.cli",
            "--project",
            str(project),
            "check",
            "--year",
            "2024",
            *extra,
        ]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    bad = check("-p", "yaer=1")
    assert bad.returncode == 2 and "yaer" in bad.stderr and "Traceback" not in bad.stderr
    good = check()
    assert good.returncode == 0, good.stderr


def test_a_crash_does_not_take_the_warm_kernel_pool_down(project) -> None:
    add_cell(project, "township.ipynb", FAULT_CELL, parameter='fault = ""')
    set_run_parameters(project, "xieqiao", {"fault": "exit"})
    outcomes = run(project, "斜桥镇", "黄湾镇", "盐官镇", jobs=1)
    assert not outcomes["xieqiao"].ok
    assert outcomes["huangwan"].ok and outcomes["yanguan"].ok


def test_papermill_command_line_runs_the_warm_engine(project, tmp_path) -> None:
    out = tmp_path / "yanguan.ipynb"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "papermill"),
            "township.ipynb",
            str(out),
            "-p",
            "unit",
            "盐官镇",
            "--engine",
            "annual-review",
            "--no-progress-bar",
        ],
        cwd=project / "notebooks",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "盐官镇2024年法治政府建设年度报告" in out.read_text(encoding="utf-8")


def test_the_warm_engine_gives_the_outputs_a_kernel_gives(tmp_path) -> None:
    """Streams in order, display and results, a figure left open, an error that stops."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    sources = [
        "greeting = '你好'",
        "import sys\nprint('out 1')\nprint('err', file=sys.stderr)\nprint('out 2')",
        "from IPython.display import display, HTML\ndisplay(HTML('<b>粗体</b>'))\n6 * 7",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])",
        "print(greeting)",
        "raise ValueError('停在这里')",
        "print('never')",
    ]
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"
    source, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, source)
    papermill = str(Path(sys.executable).parent / "papermill")
    done = subprocess.run(
        [papermill, str(source), str(out), "--engine", "annual-review", "--no-progress-bar"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "停在这里" in done.stderr, done.stderr[-2000:]
    cells = [c for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code"]
    streams = [(o.name, o.text) for o in cells[1].outputs]
    assert streams == [("stdout", "out 1\n"), ("stderr", "err\n"), ("stdout", "out 2\n")]
    kinds = [o.output_type for o in cells[2].outputs]
    assert kinds == ["display_data", "execute_result"]
    assert cells[2].outputs[0].data["text/html"] == "<b>粗体</b>"
    assert cells[2].outputs[1].data["text/plain"] == "42"
    assert any("image/png" in o.get("data", {}) for o in cells[3].outputs)
    assert cells[4].outputs[0].text == "你好\n"  # the namespace carries across cells
    error = cells[5].outputs[-1]
    assert error.output_type == "error" and error.ename == "ValueError"
    assert [c.execution_count for c in cells] == [1, 2, 3, 4, 5, 6, None]
    assert cells[6].outputs == []


def test_a_zygote_that_cannot_start_fails_runs_at_once_with_its_reason(tmp_path) -> None:
    # a package the zygote always imports, broken (with or without system CJK fonts)
    fake = tmp_path / "pandas"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('pandas broken on purpose')\n")
    script = f"""
import os, sys, time
os.environ["PYTHONPATH"] = {str(tmp_path)!r}
os.environ["MPLCONFIGDIR"] = {str(tmp_path / "mpl")!r}
from annual_review.runs import warm
zygote = warm.Zygote(wait=False)
warm.use_zygote(zygote.address)
started = time.monotonic()
try:
    list(warm.run_cells([(0, "1")], cwd={str(tmp_path)!r}, start_timeout=60))
except warm.RunDied as exc:
    print(f"{{time.monotonic() - started:.1f}} {{exc}}")
zygote.close()
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    seconds, _, reason = done.stdout.strip().partition(" ")
    assert "could not start" in reason and "pandas broken on purpose" in reason, done.stdout
    assert float(seconds) < 30  # not the 60 s start timeout
