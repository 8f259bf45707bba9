"""Where the package's page template lives, and a fingerprint of it for caches."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from annual_review import __version__
from annual_review.core.cache import fingerprint

TEMPLATES = Path(str(files("annual_review") / "templates"))


def template_fingerprint() -> str:
    """A hash of the ``review`` template's files and of the code that renders pages with
    them (``render``, ``pages``, ``site``): a change to any re-renders every page."""
    found = sorted(p for p in (TEMPLATES / "review").rglob("*") if p.is_file())
    here = Path(__file__).parent
    code = [here / name for name in ("render.py", "pages.py", "site.py", "fonts.py")]
    return fingerprint(__version__, *(p.read_bytes() for p in [*found, *code]))
