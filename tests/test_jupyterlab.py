"""JupyterLab end to end: an analyst opens notebooks/township.ipynb and chooses Run → Run All."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest

pytestmark = pytest.mark.slow

NOTEBOOK = "notebooks/township.ipynb"
TITLE = "海昌街道2024年法治政府建设年度报告"
STATE = "JUPYTER_CONFIG_DIR JUPYTER_DATA_DIR JUPYTER_RUNTIME_DIR IPYTHONDIR MPLCONFIGDIR".split()
KERNEL_IDLE = """() => {
  const s = window.jupyterapp?.shell.currentWidget?.sessionContext;
  return !!(s && s.isReady && s.session?.kernel?.status === 'idle');
}"""
RUN_FINISHED = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = [...w.content.model.cells].filter((c) => c.type === 'code');
  const failed = cells.some((c) => c.outputs.toJSON().some((o) => o.output_type === 'error'));
  return w.sessionContext.session?.kernel?.status === 'idle'
    && cells.every((c) => c.executionState === 'idle' && (c.executionCount || failed));
}"""
RESULTS = """() => ({
  charts: [...document.querySelectorAll('.jp-OutputArea-output figure.ar-chart img')]
    .filter((i) => i.getBoundingClientRect().width > 0 && i.complete && i.naturalWidth > 0)
    .length,
  stderr: [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map((e) => e.textContent.slice(0, 300)),
  errors: [...window.jupyterapp.shell.currentWidget.content.model.cells]
    .flatMap((c) => (c.type === 'code' ? c.outputs.toJSON() : []))
    .filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`),
  listed: [...document.querySelectorAll('.jp-DirListing-itemText')].map((e) => e.textContent),
  manager: JSON.parse(document.getElementById('jupyter-config-data').textContent)
    .extensionManager?.name,
})"""


BUILT_CHARTS = """() => {
  const model = window.jupyterapp.shell.currentWidget?.content?.model;
  const images = [...document.querySelectorAll('.jp-OutputArea-output figure.ar-chart img')];
  return {
    untrusted: !!model && [...model.cells].some((c) => c.type === 'code' && !c.trusted),
    images: images.length,
    drawn: images.filter((i) => i.complete && i.naturalWidth > 0).length,
    svg: document.querySelectorAll('.jp-OutputArea-output svg[role="img"]').length,
  };
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, token: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base}{path}?token={token}", timeout=5) as response:
        return json.load(response)


def wait_until_up(server: subprocess.Popen, base: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            api(base, token, "/api/status")
            return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def lab(project: Path, tmp_path: Path):
    """A real JupyterLab server on the project copy; stopped, with its kernels, afterwards."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, **{name: str(tmp_path / "state" / name.lower()) for name in STATE}}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={project}", "--ServerApp.open_browser=False",
           "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as out:
        server = subprocess.Popen(cmd, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
    kernels: list[psutil.Process] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(server, base, token, log)
        yield base, token
    finally:
        if server.poll() is None:
            kernels = psutil.Process(server.pid).children(recursive=True)
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        _, alive = psutil.wait_procs(kernels, timeout=15)
        for process in alive:
            process.kill()
    assert not alive, f"kernel processes outlived JupyterLab: {[p.pid for p in alive]}"
    assert "Extension Manager is 'readonly'" in log.read_text(), "extension manager not read-only"


def wait_for(page, script: str, seconds: int, what: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(script, timeout=seconds * 1000)
    except PlaywrightTimeout:
        pytest.fail(f"JupyterLab: {what} did not happen within {seconds} s", pytrace=False)


def test_run_all_in_jupyterlab_renders_the_township_report(lab, browser) -> None:
    from playwright.sync_api import expect

    base, token = lab
    listing = {item["name"] for item in api(base, token, "/api/contents/notebooks")["content"]}
    assert {"city.ipynb", "township.ipynb"} <= listing, listing
    blocked: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", route)
    try:
        page = context.new_page()
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", timeout=60_000)
        wait_for(page, KERNEL_IDLE, 60, "opening the notebook with an idle kernel")
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        wait_for(page, RUN_FINISHED, 120, "Run All finishing (idle kernel, every cell counted)")
        results = page.evaluate(RESULTS)
        assert len(api(base, token, "/api/kernels")) == 1, "expected the notebook's one kernel"
        title = page.locator(".jp-OutputArea-output", has_text=TITLE).first
        title.scroll_into_view_if_needed()
        expect(title).to_be_visible()
    finally:
        context.close()
    assert not results["errors"], results["errors"]
    assert not results["stderr"], results["stderr"]
    assert results["charts"] >= 4, f"only {results['charts']} charts rendered"
    assert {"city.ipynb", "township.ipynb"} <= set(results["listed"]), results["listed"]
    assert results["manager"] == "read-only", results["manager"]
    assert not blocked, f"requests left 127.0.0.1: {blocked}"


def test_a_built_notebook_opened_untrusted_shows_its_charts(lab, project: Path, browser) -> None:
    """A notebook papermill wrote is not trusted: JupyterLab sanitises its HTML, which
    strips inline SVG; the charts come as images and are shown all the same."""
    import papermill

    base, token = lab
    papermill.execute_notebook(
        str(project / NOTEBOOK), str(project / "notebooks" / "built.ipynb"),
        parameters={"unit": "盐官镇"}, cwd=str(project / "notebooks"),
        progress_bar=False, kernel_name="python3",
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{base}/lab/tree/notebooks/built.ipynb?token={token}", timeout=60_000)
        wait_for(page, f"() => ({BUILT_CHARTS})().drawn >= 4", 60, "charts drawn as images")
        seen = page.evaluate(BUILT_CHARTS)
    finally:
        context.close()
    assert seen["untrusted"], "the built notebook was trusted: nothing was proved"
    assert seen["drawn"] == seen["images"] >= 4 and seen["svg"] == 0, seen
