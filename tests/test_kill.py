"""Nothing outlives a build, however it ends, and a failed run says in which cell.

A build killed with SIGKILL in the middle of its runs leaves no process (pool workers,
the multiprocessing resource tracker, the warm zygote and its runs, kernels, a process a
cell started in a session of its own) and the next build leaves no working folder of
it. A successful build leaves no process a cell started either. Processes are told
apart by an environment variable given to the build only, which every process it starts
inherits.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from multiprocessing import resource_tracker
from pathlib import Path

import psutil
import pytest
from annual_review.core.files import process_start
from annual_review.core.layout import Project

from .test_runner import FAULT_CELL, add_cell, run, set_run_parameters

pytestmark = pytest.mark.slow

TAG = "ANNUAL_REVIEW_TEST_TAG"  # given to the build: every process it starts has it
HOLD = "ANNUAL_REVIEW_TEST_HOLD"  # a folder: the cell starts a child and says so there
SLEEP = "ANNUAL_REVIEW_TEST_SLEEP"  # set: the cell then sleeps (the build is killed)
UNITS = ("海昌街道", "黄湾镇")

SESSION_CELL = f"""import os, subprocess, time
if os.environ.get("{HOLD}"):
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    with open(os.path.join(os.environ["{HOLD}"], unit), "w") as note:
        note.write(str(child.pid))
    if os.environ.get("{SLEEP}"):
        time.sleep(300)"""


def tagged(tag: str) -> dict[int, str]:
    """Live processes whose environment holds ``TAG=tag``: pid -> command line."""
    needle = f"{TAG}={tag}".encode()
    found = {}
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            with open(f"/proc/{proc.pid}/environ", "rb") as handle:
                if needle not in handle.read().split(b"\0"):
                    continue
        except OSError:
            continue
        found[proc.pid] = " ".join(proc.info["cmdline"] or [])
    return found


def left_after(tag: str, seconds: float) -> dict[int, str]:
    """The tagged processes still alive ``seconds`` from now (none: returns at once)."""
    deadline = time.monotonic() + seconds
    while (alive := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def build_command(project: Path, engine: str, *units: str) -> list[str]:
    command = [sys.executable, "-m", "annual_review.cli", "--project", str(project)]
    command += ["build", "--year", "2024", "--jobs", "2", "--no-word", "--quiet"]
    command += ["--engine", engine]
    for unit in units:
        command += ["--unit", unit]
    return command


def working_folders(temporary: Path) -> list[str]:
    return sorted(p.name for p in temporary.glob("annual-review-*"))


@pytest.fixture
def private_tmp() -> Iterator[Path]:
    """A temporary folder for the build alone, with a short path (a Unix socket's path,
    the zygote's, must fit in about 100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="ark-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("engine", ["warm", "papermill"])
def test_a_killed_build_leaves_no_process_and_the_next_no_folder(
    project: Path, tmp_path: Path, private_tmp: Path, engine: str
) -> None:
    add_cell(project, "township.ipynb", SESSION_CELL)
    holds = tmp_path / "holds"
    holds.mkdir()
    tag = uuid.uuid4().hex
    env = {**os.environ, TAG: tag, "TMPDIR": str(private_tmp)}
    command = build_command(project, engine, *UNITS)
    build = subprocess.Popen(
        [*command, "--force"],
        env={**env, HOLD: str(holds), SLEEP: "1"},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    while len(list(holds.iterdir())) < len(UNITS) and build.poll() is None:
        assert time.monotonic() < deadline, "the runs did not reach the sleeping cell"
        time.sleep(0.1)
    assert build.poll() is None, build.stderr.read().decode() if build.stderr else ""
    started = process_start(build.pid)
    children = [int(p.read_text()) for p in holds.iterdir()]
    before = tagged(tag)
    kinds = {
        "resource tracker": "resource_tracker",
        "pool worker": "multiprocessing.spawn",
        "run's process": "annual_review.runs.warm" if engine == "warm" else "ipykernel",
    }
    for kind, text in kinds.items():
        assert any(text in line for line in before.values()), f"no {kind} in {before}"
    assert all(pid in before for pid in children), (children, before)

    os.kill(build.pid, signal.SIGKILL)  # the build process only, as `kill -9 <pid>`
    build.wait()
    left = left_after(tag, 10)
    assert not left, f"outlived the killed build: {left}"
    assert working_folders(private_tmp) == []

    # what a build killed at another moment leaves: the next build removes it
    year = Project(project).year_dir(2024, "haining")
    staging = year / f".site-staging-{build.pid}"
    zygote = private_tmp / f"annual-review-zygote-{build.pid}.{started}-killed"
    for folder in (staging, zygote / "inside"):
        folder.mkdir(parents=True)
    again = build_command(project, engine, UNITS[0])
    done = subprocess.run(again, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert working_folders(private_tmp) == []
    assert not left_after(tag, 5)
    assert sorted(p.name for p in year.glob(".site-staging-*")) == []


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("engine", ["warm", "papermill"])
def test_a_process_a_cell_starts_in_its_own_session_ends_with_its_run(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    add_cell(project, "township.ipynb", SESSION_CELL)
    holds = tmp_path / "holds"
    holds.mkdir()
    resource_tracker.ensure_running()  # this test process's, started before the tag
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TAG, tag)
    monkeypatch.setenv(HOLD, str(holds))
    outcomes = run(project, *UNITS, engine=engine, jobs=2)
    assert all(o.ok for o in outcomes.values()), {s: o.error for s, o in outcomes.items()}
    children = [int(p.read_text()) for p in holds.iterdir()]
    assert len(children) == len(UNITS)
    assert all(gone(pid) for pid in children), children
    assert not left_after(tag, 5)


@pytest.mark.parametrize("engine", ["warm", "papermill"])
def test_a_died_run_and_a_timeout_name_the_cell_and_its_first_line(
    project: Path, engine: str
) -> None:
    add_cell(project, "township.ipynb", FAULT_CELL, parameter='fault = ""')
    set_run_parameters(project, "xieqiao", {"fault": "exit"})
    set_run_parameters(project, "huangwan", {"fault": "hang"})
    timeout = 8 if engine == "warm" else 30  # a kernel imports everything in its cells
    outcomes = run(project, "斜桥镇", "黄湾镇", timeout=timeout, engine=engine, jobs=2)
    where = "cell 3 (`import os, time`): "  # add_cell puts it fourth in the notebook
    died = outcomes["xieqiao"].error
    assert died.startswith(f"{where}the run's process died"), died
    if engine == "warm":  # the zygote knows how its child ended
        assert died == f"{where}the run's process died (exit 1)"
    assert outcomes["huangwan"].error == f"{where}did not finish within {timeout} s"
    assert "None" not in died + outcomes["huangwan"].error
