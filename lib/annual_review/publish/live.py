"""The preview server: serves a site folder and reloads open pages after each build.

Pages are served from disk as they are; HTML responses get a small inline script (added
here, never written into the site) that opens an ``EventSource`` on ``/__reload`` and
reloads the page when a build finishes. When the last build stopped on bad input, HTML
responses also carry an overlay listing the problems, so the analyst sees them in the
browser and the server keeps running.
"""

from __future__ import annotations

import html
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RELOAD_PATH = "/__reload"
OVERLAY_ID = "annual-review-preview-problems"
_PING_SECONDS = 10.0
_WAIT_SECONDS = 0.5


class LiveState:
    """What the server shows: a build generation that open pages follow, and problems."""

    def __init__(self, site: Path) -> None:
        self.site = site  # the ``site`` link: followed at each request, so swaps show at once
        self.generation = 0
        self.problems: list[str] = []
        self.building = True
        self.stopping = threading.Event()
        self._changed = threading.Condition()

    def published(self, problems: list[str]) -> None:
        """A build ended: remember its problems (empty when it went well), reload pages."""
        with self._changed:
            self.problems = list(problems)
            self.building = False
            self.generation += 1
            self._changed.notify_all()

    def stop(self) -> None:
        """End every open event stream."""
        self.stopping.set()
        with self._changed:
            self._changed.notify_all()

    def wait_newer(self, generation: int, timeout: float) -> bool:
        """True as soon as a build newer than ``generation`` has ended."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.generation > generation or self.stopping.is_set(), timeout
            )
            return self.generation > generation


def reload_script(generation: int) -> str:
    """The inline script added to every HTML response."""
    return (
        "<script>(function(){var s=new EventSource("
        f'"{RELOAD_PATH}?since={generation}");'
        "s.onmessage=function(){s.close();location.reload();};})();</script>"
    )


def problems_overlay(problems: list[str]) -> str:
    """A fixed box at the top of the page listing the problems, escaped."""
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return (
        f'<div id="{OVERLAY_ID}" role="alert" style="position:fixed;top:0;left:0;right:0;'
        "z-index:2147483647;max-height:60vh;overflow:auto;background:#fff4f4;"
        "color:#8a1010;border-bottom:3px solid #c00;padding:1em 1.5em;"
        'font:14px/1.5 sans-serif;white-space:pre-wrap">'
        "<strong>预览：输入有误，页面未更新 (bad input; the page was not rebuilt)</strong>"
        f"<ul>{items}</ul></div>"
    )


def inject(page: bytes, state: LiveState) -> bytes:
    """``page`` with the reload script (and the problems overlay) before ``</body>``."""
    extra = reload_script(state.generation)
    if state.problems:
        extra = problems_overlay(state.problems) + extra
    added = extra.encode("utf-8")
    end = page.lower().rfind(b"</body>")
    if end < 0:
        return page + added
    return page[:end] + added + page[end:]


def placeholder(state: LiveState) -> bytes:
    """The page shown while there is no site yet: building, or the problems."""
    title = "正在生成… (building)" if state.building else "尚无页面 (no site yet)"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1></body></html>"
    ).encode()


class PreviewHandler(SimpleHTTPRequestHandler):
    """Files from the site; HTML with the reload script; ``/__reload`` as events."""

    state: LiveState

    def __init__(self, *args, state: LiveState, **kwargs) -> None:
        self.state = state
        super().__init__(*args, directory=str(state.site), **kwargs)

    def log_message(self, format: str, *args) -> None:
        """Quiet: the preview prints builds, not requests."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == RELOAD_PATH:
            self._events(url.query)
            return
        if not self.state.site.exists():
            self._send_html(inject(placeholder(self.state), self.state), 503)
            return
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not url.path.endswith("/"):
                super().do_GET()  # the base class redirects to the folder with a slash
                return
            target = target / "index.html"
        if target.suffix.lower() in (".html", ".htm") and target.is_file():
            self._send_html(inject(target.read_bytes(), self.state), 200)
            return
        super().do_GET()

    def _send_html(self, body: bytes, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self, query: str) -> None:
        try:
            since = int(parse_qs(query).get("since", ["0"])[0])
        except ValueError:
            since = 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        waited = 0.0
        try:
            self.wfile.write(b"retry: 500\n\n")
            while not self.state.stopping.is_set():
                if self.state.wait_newer(since, _WAIT_SECONDS):
                    self.wfile.write(b"data: reload\n\n")
                    return
                waited += _WAIT_SECONDS
                if waited >= _PING_SECONDS:  # notices a closed tab; keeps proxies open
                    self.wfile.write(b": ping\n\n")
                    waited = 0.0
        except (BrokenPipeError, ConnectionResetError):
            return


class PreviewServer:
    """A ThreadingHTTPServer on 127.0.0.1 serving ``state.site``, run in a thread."""

    def __init__(self, state: LiveState, port: int) -> None:
        self.state = state
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(PreviewHandler, state=state))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="preview-http", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop serving, end the event streams and wait for the server thread."""
        self.state.stop()
        if self._thread.is_alive():
            self.httpd.shutdown()
            self._thread.join()
        self.httpd.server_close()
