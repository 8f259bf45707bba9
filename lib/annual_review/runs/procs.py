"""Process control for one run: its private environment, its log on fd 2, and no
process left behind when it ends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def private_environment(workdir: Path, shared_cache: str | None) -> dict[str, str]:
    """Environment for one run: its own Jupyter runtime and IPython folders, its log."""
    env = {
        "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter-runtime"),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "ANNUAL_REVIEW_KERNEL_LOG": str(workdir / "kernel.log"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": "0",
    }
    if shared_cache:
        env["MPLCONFIGDIR"] = str(Path(shared_cache) / "matplotlib")
    return env


def _children() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)}


def _kill_new_children(before: set[int]) -> None:
    """Kill processes this run started that are still alive (a kernel that would not stop)."""
    import psutil

    for pid in _children() - before:
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass


@contextmanager
def run_context(
    workdir: Path, shared_cache: str | None, *, starts_kernels: bool = True
) -> Iterator[Path]:
    """Set the run's environment, send fd 2 (kernels' chatter) to its log, clean up after.

    Yields the log file. Afterwards every process the run left behind is killed and the
    environment is restored, so the next run in this worker starts clean. Only runs that
    start kernels can leave processes behind in this worker (the warm engine's runs are
    children of the zygote, killed with their process group), so only those pay for the
    two scans of the process table.
    """
    env = private_environment(workdir, shared_cache)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    log_path = Path(env["ANNUAL_REVIEW_KERNEL_LOG"])
    before = _children() if starts_kernels else set()
    saved_stderr = os.dup(2)
    with open(log_path, "ab") as log_file:
        os.dup2(log_file.fileno(), 2)
        try:
            yield log_path
        finally:
            if starts_kernels:
                _kill_new_children(before)
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
