"""From a published page to a Word file: preparing the page's report as HTML for pandoc
(report only, custom styles, charts as PNG pictures, exhibits moved into attachments), the
pandoc conversion itself (:func:`page_to_docx`, which then finishes the document and saves
it as the same bytes for the same page) and the file name (:func:`docx_name`).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pypandoc
from bs4 import BeautifulSoup, Tag
from docx import Document

from annual_review.publish.word.exhibits import arrange, mark_number_cells
from annual_review.publish.word.finish import finish
from annual_review.publish.word.package import (
    drop_revision_ids,
    report_stamp,
    save_stable,
    set_core_properties,
)
from annual_review.publish.word.reference import reference_docx


@dataclass(frozen=True)
class PreparedReport:
    """The report as HTML for pandoc, with its title and date (成文日期) for the properties."""

    html: str
    title: str
    date: str | None


def _is_lead(paragraph: Tag) -> bool:
    """Whether a ``<p>`` is only a bold lead-in followed by another paragraph.

    >>> html = "<div><p><strong>1.标题。</strong></p><p>正文</p></div>"
    >>> [_is_lead(p) for p in BeautifulSoup(html, "html.parser").find_all("p")]
    [True, False]
    """
    children = [c for c in paragraph.contents if not (isinstance(c, str) and not c.strip())]
    following = paragraph.find_next_sibling()
    return (
        len(children) == 1
        and isinstance(children[0], Tag)
        and children[0].name in ("strong", "b")
        and isinstance(following, Tag)
        and following.name == "p"
    )


def _report_html(page_html: str) -> PreparedReport:
    """The report alone, as HTML pandoc turns into the official structure.

    Keeps only ``<main class="ar-main">``; moves its ``h1`` to the very beginning so that
    ``--shift-heading-level-by=-1`` makes it the document title (pandoc only promotes a
    first, top-level heading); marks the addressee, the illustrative-data notice and bold
    lead-ins (kept with their text) with custom styles; drops links (the Word file stands
    alone) and the ``title`` tooltips; turns the charts' inline SVG into PNG pictures; moves
    the exhibits into attachments after the signature and marks numeric cells
    (:func:`exhibits.arrange`).
    """
    soup = BeautifulSoup(page_html, "html.parser")
    main = soup.find("main", class_="ar-main")
    if not isinstance(main, Tag):
        raise ValueError('the page has no <main class="ar-main">')
    _charts_as_pictures(soup, main)
    for element in main.find_all(["script", "style", "nav", "button"]):
        element.decompose()
    for link in main.find_all("a"):
        link.unwrap()
    # name=None spelled out: bs4's overloads only accept attrs alone with it
    for marked in main.find_all(None, attrs={"title": True}):
        del marked["title"]
    date = main.find("p", class_="ar-date")
    date_text = date.get_text(strip=True) if isinstance(date, Tag) else None
    arrange(soup, main)
    mark_number_cells(soup, main)
    for addressee in main.find_all("p", class_="ar-addressee"):
        addressee.wrap(soup.new_tag("div", attrs={"data-custom-style": "Addressee"}))
    for notice in main.find_all("aside", class_="ar-illustrative"):
        notice.name = "p"
        notice.attrs = {}
        notice.wrap(soup.new_tag("div", attrs={"data-custom-style": "Illustrative Note"}))
    for lead in [p for p in main.find_all("p") if _is_lead(p)]:
        lead.wrap(soup.new_tag("div", attrs={"data-custom-style": "Lead Paragraph"}))
    title = main.find("h1")
    title_text = ""
    if isinstance(title, Tag):
        title_text = " ".join(title.get_text(" ", strip=True).split())
        main.insert(0, title.extract())
    return PreparedReport(main.decode_contents(), title_text, date_text)


def _charts_as_pictures(soup: BeautifulSoup, main: Tag) -> None:
    """Replace each chart's inline SVG (which pandoc drops) by a PNG drawn from its recipe.

    The page keeps every chart's recipe in ``data-chart`` (see :class:`charts.Chart`);
    drawing it again gives a picture at print resolution with the same function the
    page's SVG came from.
    """
    for figure in main.find_all("figure", class_="ar-chart"):
        svg = figure.find("svg")
        if svg is None:
            continue
        # single-valued attributes are str; bs4 types every attribute as str | list
        recipe = cast("str | None", figure.get("data-chart"))
        if not recipe:
            raise ValueError(f"chart {figure.get('id')!r} has no data-chart recipe to draw")
        # matplotlib only when a page has charts
        from annual_review.blocks.charts import Chart, png_data_uri

        picture = soup.new_tag("img", src=png_data_uri(Chart.from_json(recipe)))
        picture["alt"] = cast(str, svg.get("aria-label", ""))
        svg.replace_with(picture)
        box = picture.parent
        if (
            box is not None
            and box.name == "div"
            and "ar-chart-box" in box.get_attribute_list("class")
        ):
            box.unwrap()  # the page's scroll box: Word wants the picture and its caption
        del figure["data-chart"]


_DATA_IMAGE = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


def _count_data_images(html: str) -> int:
    """How many ``<img>`` carry their picture inline as a ``data:`` URI."""
    soup = BeautifulSoup(html, "html.parser")
    return sum(
        1 for img in soup.find_all("img") if _DATA_IMAGE.match(cast(str, img.get("src", "")))
    )


def page_to_docx(page_html: str, out_path: Path, *, reference: Path | None = None) -> Path:
    """Convert a published page to a Word document in official format; return ``out_path``.

    Only the report in ``<main class="ar-main">`` is kept (no navigation, table of contents
    or footer). The page's ``h1`` becomes the document Title, ``h2`` (一、) Heading 1 and
    ``h3`` (（一）) Heading 2. Charts become embedded pictures (drawn again from their
    recipes as PNG; pandoc reads ``data:`` URIs), tables stay tables; exhibits go into
    attachments after the signature (:mod:`exhibits`). ``reference`` is a
    reference document from :func:`reference_docx`; one is built when it is ``None``. The
    result is written through a temporary file and moved into place, the same bytes for the
    same page and reference (:func:`package.save_stable`); ``page_html`` is not modified.
    """
    out_path = Path(out_path)
    report = _report_html(page_html)
    expected_images = _count_data_images(report.html)
    with tempfile.TemporaryDirectory(prefix="annual-review-word-") as tmp:
        workdir = Path(tmp)
        if reference is None:
            reference = reference_docx(workdir / "reference.docx")
        converted = workdir / "converted.docx"
        pypandoc.convert_text(
            report.html,
            "docx",
            format="html",
            outputfile=str(converted),
            extra_args=[
                f"--reference-doc={Path(reference).resolve()}",
                "--shift-heading-level-by=-1",
            ],
            cworkdir=str(workdir),
        )
        document = Document(str(converted))
    pictures = len(document.inline_shapes)
    if pictures < expected_images:
        raise RuntimeError(
            f"pandoc embedded {pictures} of the page's {expected_images} chart images"
        )
    finish(document)
    set_core_properties(document, report.title, report_stamp(report.date))
    drop_revision_ids(document)
    return save_stable(document, out_path)


_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def docx_name(title: str) -> str:
    """The Word file name for a report title.

    >>> docx_name("海宁市2024年法治政府建设年度报告")
    '海宁市2024年法治政府建设年度报告.docx'
    >>> docx_name(" 海昌街道2024年法治政府建设年度报告 / 草稿 ")
    '海昌街道2024年法治政府建设年度报告_草稿.docx'
    """
    name = _UNSAFE_IN_NAMES.sub("_", title.strip())
    name = re.sub(r"\s*_\s*", "_", name)
    name = re.sub(r"\s+", " ", name).strip(" ._")
    if not name:
        raise ValueError(f"no usable file name in the title {title!r}")
    return f"{name}.docx"
