"""Export the executed notebooks as a Quarto book (optional: Quarto is not a dependency).

``write_book`` turns one build's executed notebooks into a Quarto book project: the city
is ``index.ipynb`` and each township one chapter, in region order. Each chapter is the
executed notebook with the parameter cells, the analyst notes and papermill's metadata
removed, headed by ``# <unit name>`` (a book takes a chapter's title from its one H1),
and with the report's declared headings written as Markdown so that Pandoc sees them
and Quarto's table of contents lists them (:mod:`.quarto_chapter` explains how).

The project follows Quarto's rules for books: no ``embed-resources`` (Quarto makes
self-contained HTML of single documents, not of books or websites), pages that load
nothing from outside (no search, no Google Fonts import in the theme), the report in the
stored outputs (``execute: enabled: false``) with code hidden (``echo: false``; the
cells keep their source, so a chapter is still the notebook that made the figures), and
HTML tables passed through untouched (``html-table-processing: none``). Styles:
``review.css`` is the intranet site's stylesheet (the report's own elements) and
``book.css`` maps the site's page-frame rules onto Quarto's markup; ``book.css`` starts
with the ``@font-face`` of the embedded font, a subset of Noto Sans SC with every
character of the book, written to ``fonts/`` (a project resource) like the site's.

``render_book`` runs ``quarto render`` where Quarto is installed and otherwise explains
how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import yaml

from annual_review.core.errors import InputError, PublishError
from annual_review.core.files import replace_folder
from annual_review.figures.phrasing import report_title
from annual_review.inputs.region import Region, Unit
from annual_review.publish import fonts
from annual_review.publish.assets import TEMPLATES
from annual_review.publish.quarto_chapter import chapter_characters, chapter_notebook

OUTPUT_DIR = "_book"
RENDER_TIMEOUT = 600
RELEASES_URL = "https://github.com/quarto-dev/quarto-cli/releases"
STYLESHEET = "review.css"
BOOK_STYLESHEET = "book.css"
THEME = "review.scss"
FONT_FILE = "fonts/ar-fallback-sc.woff"
# Quarto's own Chinese labels on a page (its _language-zh.yml: the table of contents).
QUARTO_LABELS = "目录该页面内容"

# Cosmo's rules import Source Sans Pro from Google Fonts unless this is false. The body
# and heading stacks are the report's (page.css), ending with the embedded subset.
THEME_SCSS = f"""\
/*-- scss:defaults --*/
$web-font-path: false;
$font-family-sans-serif: "FangSong_GB2312", "仿宋_GB2312", "FangSong", "STFangsong", "仿宋",
  "Noto Serif CJK SC", "{fonts.FAMILY}", serif;
$headings-font-family: "SimHei", "黑体", "Heiti SC", "Noto Sans CJK SC", "{fonts.FAMILY}",
  sans-serif;
"""


def book_title(region: Region, year: int) -> str:
    """The book's title, the same as the site's: ``海宁市2024年法治政府建设年度报告``."""
    return report_title(region.name, year)


def chapter_filename(unit: Unit) -> str:
    """The city is ``index.ipynb`` (a Quarto book's first page); a township ``<slug>.ipynb``."""
    return "index.ipynb" if unit.level == "city" else f"{unit.slug}.ipynb"


def quarto_config(region: Region, year: int) -> dict:
    """The ``_quarto.yml`` of the book, as a mapping."""
    return {
        "project": {"type": "book", "output-dir": OUTPUT_DIR, "resources": [FONT_FILE]},
        "book": {
            "title": book_title(region, year),
            "chapters": [chapter_filename(u) for u in region.units],
            "search": False,
        },
        "lang": "zh",
        "number-sections": False,
        "html-table-processing": "none",
        "format": {
            "html": {
                "toc": True,
                "toc-depth": 3,
                "theme": ["cosmo", THEME],
                "css": [STYLESHEET, BOOK_STYLESHEET],
                "anchor-sections": False,
            }
        },
        "execute": {"enabled": False, "echo": False, "warning": False},
    }


def font_face(characters: str) -> str:
    """The ``@font-face`` rule of the embedded subset, as a file beside ``book.css``.

    >>> print(font_face("海")[:60])
    @font-face { font-family: "AR Fallback SC"; font-style: norm
    """
    return (
        f'@font-face {{ font-family: "{fonts.FAMILY}"; font-style: normal; font-weight: 400;'
        f' font-display: block; src: url("{FONT_FILE}") format("woff"); }}'
    )


def _check_notebooks(notebooks: dict[str, Path], region: Region) -> None:
    slugs = [u.slug for u in region.units]
    problems = [
        f"{u.name} ({u.slug}): no executed notebook to export"
        for u in region.units
        if u.slug not in notebooks
    ]
    problems += [
        f"{slug}: notebook {Path(path).name} is not for a unit of {region.name}"
        for slug, path in notebooks.items()
        if slug not in slugs
    ]
    if problems:
        raise InputError("\n".join(problems))


def write_book(notebooks: dict[str, Path], region: Region, year: int, out_dir: Path) -> Path:
    """Write a Quarto book project of one year's executed notebooks into ``out_dir``.

    ``notebooks`` maps each unit's slug to its executed notebook; those files are only
    read. The project is written into a temporary sibling folder and swapped in, so
    ``out_dir`` holds the previous project or the new one, never a half-written one.
    Returns ``out_dir``.
    """
    _check_notebooks(notebooks, region)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}")
    staging.mkdir()
    try:
        title = book_title(region, year)
        used = set(title + QUARTO_LABELS)
        for unit in region.units:
            nb = chapter_notebook(Path(notebooks[unit.slug]).read_bytes(), unit)
            used.update(chapter_characters(nb))
            with open(staging / chapter_filename(unit), "w", encoding="utf-8", newline="\n") as f:
                nbformat.write(nb, f)
        font = staging / FONT_FILE
        font.parent.mkdir()
        font.write_bytes(fonts.subset_woff("".join(sorted(used))))
        config = yaml.safe_dump(
            quarto_config(region, year), allow_unicode=True, sort_keys=False, width=100
        )
        (staging / "_quarto.yml").write_text(config, encoding="utf-8")
        page_css = (TEMPLATES / "review" / "page.css").read_text(encoding="utf-8")
        (staging / STYLESHEET).write_text(page_css, encoding="utf-8")
        book_css = (TEMPLATES / "quarto" / BOOK_STYLESHEET).read_text(encoding="utf-8")
        book_css = f"{font_face(''.join(sorted(used)))}\n{book_css}"
        (staging / BOOK_STYLESHEET).write_text(book_css, encoding="utf-8")
        (staging / THEME).write_text(THEME_SCSS, encoding="utf-8")
        replace_folder(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def _not_installed(quarto: str | None) -> str:
    where = f"no Quarto executable at {quarto!r}" if quarto else "quarto is not on PATH"
    return (
        f"Cannot render the Quarto book: {where}. Quarto is optional: the intranet site"
        " from `annual-review build` does not need it, and the book project is already"
        " written. To render it, install Quarto: on Linux download the .deb from the"
        f" Quarto releases page ({RELEASES_URL}) and install it with"
        " `sudo apt install ./quarto-<version>-linux-amd64.deb`, or run"
        " `pip install quarto-cli` on a machine with internet access (its installer"
        " downloads Quarto, so it fails offline). Then run `quarto render <project>`."
    )


def _output_dir(project: Path) -> Path:
    config_file = project / "_quarto.yml"
    if config_file.is_file():
        config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
        name = (config.get("project") or {}).get("output-dir", OUTPUT_DIR)
        return project / name
    return project / OUTPUT_DIR


def render_book(
    project: Path, quarto: str | None = None, *, timeout: float = RENDER_TIMEOUT
) -> Path:
    """Render the book with ``quarto render`` and return its output folder (``_book``).

    ``quarto`` is the executable to use (default: ``quarto`` on PATH). Raises
    ``PublishError`` when Quarto is missing (saying how to install it), fails or runs
    longer than ``timeout`` seconds.
    """
    project = Path(project)
    executable = shutil.which(quarto or "quarto")
    if executable is None:
        raise PublishError(_not_installed(quarto))
    env = dict(os.environ)
    env.setdefault("QUARTO_PYTHON", sys.executable)
    command = [executable, "render", str(project)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PublishError(
            f"quarto render {project.as_posix()} did not finish within {timeout:g} s"
        ) from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-20:])
        raise PublishError(
            f"quarto render {project.as_posix()} failed (exit {done.returncode}):\n{tail}"
        )
    book = _output_dir(project)
    if not (book / "index.html").is_file():
        raise PublishError(f"quarto render finished but wrote no {book.as_posix()}/index.html")
    return book
