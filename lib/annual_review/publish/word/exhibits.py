"""The page rearranged as an official document, before pandoc sees it: exhibits moved into
attachments after the signature, the attachment note (附件说明), the signature, the sources
note and the numeric table cells, all marked with pandoc custom styles.

The page marks them (see :mod:`annual_review.blocks`): key tables and charts are wrapped in
``<section class="ar-exhibit" data-exhibit="table|chart">``, the signature is
``<section class="ar-signature">`` with ``p.ar-issuer`` and ``p.ar-date``, the sources are
``<aside class="ar-sources">`` and numeric cells are ``<td class="num">``.

In the Word file (GB/T 9704-2012, 7.3.4 to 7.3.6 and 8) the body ends with the attachment
note, the issuer, the date and the sources as a 附注 in brackets under the date; a page's
one-line notes for charts with nothing to draw (``p.ar-chart-note``) are left out, since
the charts are not in the body; each attachment follows on a new page headed "附件1"
(黑体), with its title centred (方正小标宋简体, like the report title): first all table
exhibits ("主要指标表", captions "表1 …"), then all chart exhibits ("主要图表", captions
"图1 …" under the picture).
Attachments are numbered among those present; a single attachment has no number ("附件").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

TABLE_ATTACHMENT = "主要指标表"
CHART_ATTACHMENT = "主要图表"
NUMBER_CELL = "Number Cell"  # the character style that marks a numeric table cell
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_FULL_STOP = "．"  # the full-width point after an attachment's number (附件：1．…)


@dataclass
class Attachment:
    """One attachment: its title and the page elements it holds, in page order."""

    title: str
    content: list[Tag] = field(default_factory=list)


def attachment_labels(count: int) -> list[str]:
    """The label heading each attachment: numbered only when there are several.

    >>> attachment_labels(2), attachment_labels(1), attachment_labels(0)
    (['附件1', '附件2'], ['附件'], [])
    """
    if count == 1:
        return ["附件"]
    return [f"附件{n}" for n in range(1, count + 1)]


def attachment_note_lines(titles: list[str]) -> list[str]:
    """The lines of the attachment note: the names without a full stop, numbered if several.

    >>> attachment_note_lines(["主要指标表", "主要图表"])
    ['附件：1．主要指标表', '2．主要图表']
    >>> attachment_note_lines(["主要图表"])
    ['附件：主要图表']
    >>> attachment_note_lines([])
    []
    """
    if len(titles) == 1:
        return [f"附件：{titles[0].rstrip('。.')}"]
    lines = [f"{n}{_FULL_STOP}{t.rstrip('。.')}" for n, t in enumerate(titles, start=1)]
    return [f"附件：{line}" if i == 0 else line for i, line in enumerate(lines)]


def styled(soup: BeautifulSoup, style: str, text: str) -> Tag:
    """A paragraph of ``text`` in the custom paragraph style ``style``."""
    wrapper = soup.new_tag("div", attrs={"data-custom-style": style})
    paragraph = soup.new_tag("p")
    paragraph.string = text
    wrapper.append(paragraph)
    return wrapper


def _text(element: Tag | None) -> str:
    return "" if element is None else " ".join(element.get_text(" ", strip=True).split())


def _number_captions(exhibit: Tag, soup: BeautifulSoup, kind: str, start: int) -> int:
    """Number the exhibit's table captions (表n) or figure captions (图n); return the next n.

    An exhibit without a caption takes its heading (or the picture's description) as one.
    Headings are dropped: the caption is the exhibit's only title in Word.
    """
    heading = _text(exhibit.find(_HEADINGS))
    for element in exhibit.find_all(_HEADINGS):
        element.decompose()
    number = start
    if kind == "table":
        for table in exhibit.find_all("table"):
            caption = table.find("caption")
            if not isinstance(caption, Tag):
                caption = soup.new_tag("caption")
                table.insert(0, caption)
            caption.string = f"表{number} {_text(caption) or heading}".strip()
            number += 1
    else:
        for figure in exhibit.find_all("figure"):
            caption = figure.find("figcaption")
            if not isinstance(caption, Tag):
                caption = soup.new_tag("figcaption")
                figure.append(caption)
            image = figure.find("img")
            alt = "" if not isinstance(image, Tag) else str(image.get("alt", ""))
            caption.string = f"图{number} {_text(caption) or heading or alt}".strip()
            number += 1
    return number


def _kind(exhibit: Tag) -> str:
    kind = exhibit.get("data-exhibit")
    if kind in ("table", "chart"):
        return str(kind)
    return "table" if exhibit.find("table") else "chart"


def take_exhibits(soup: BeautifulSoup, main: Tag) -> list[Attachment]:
    """Take every exhibit out of the report, in page order, into its attachment."""
    tables = Attachment(TABLE_ATTACHMENT)
    charts = Attachment(CHART_ATTACHMENT)
    numbers = {"table": 1, "chart": 1}
    for exhibit in main.find_all("section", class_="ar-exhibit"):
        if exhibit.find_parent("section", class_="ar-exhibit") is not None:
            continue  # moved with the exhibit around it
        kind = _kind(exhibit)
        numbers[kind] = _number_captions(exhibit, soup, kind, numbers[kind])
        (tables if kind == "table" else charts).content.append(exhibit.extract())
    return [a for a in (tables, charts) if a.content]


def _sources_text(sources: Tag) -> str:
    """One paragraph of the sources: the page's paragraph(s), or a list run together."""
    paragraphs = [_text(p) for p in sources.find_all("p")]
    if any(paragraphs):
        return "".join(p for p in paragraphs if p)
    items = [_text(li) for li in sources.find_all("li")]
    heading = _text(sources.find(_HEADINGS)) or "数据来源"
    return f"{heading}：{'；'.join(i for i in items if i)}" if items else _text(sources)


def mark_number_cells(soup: BeautifulSoup, main: Tag) -> None:
    """Mark numeric cells (and the header cells of all-numeric columns) for right alignment.

    pandoc keeps a custom character style on a span inside a cell; :mod:`tables` turns the
    marked cells' paragraphs into the right-aligned "Table Number" style.
    """
    for table in main.find_all("table"):
        numeric: dict[int, bool] = {}
        headers: list[tuple[int, Tag]] = []
        for row in table.find_all("tr"):
            column = 0
            for cell in row.find_all(["td", "th"], recursive=False):
                span = int(str(cell.get("colspan", "1")) or "1")
                if span == 1:
                    if cell.name == "th" and cell.find_parent("thead") is not None:
                        headers.append((column, cell))
                    elif cell.get_text(strip=True):
                        is_number = cell.name == "td" and "num" in (cell.get("class") or [])
                        numeric[column] = numeric.get(column, True) and is_number
                column += span
        cells = list(table.find_all("td", class_="num"))
        cells += [h for column, h in headers if numeric.get(column)]
        for cell in cells:
            marked = soup.new_tag("span", attrs={"data-custom-style": NUMBER_CELL})
            for element in list(cell.contents):
                marked.append(element.extract())
            cell.append(marked)


def arrange(soup: BeautifulSoup, main: Tag) -> None:
    """Rearrange the report in ``main`` as an official document (see the module)."""
    attachments = take_exhibits(soup, main)
    for note in main.find_all("p", class_="ar-chart-note"):
        note.decompose()
    sources = main.find(class_="ar-sources")
    sources_text = ""
    if isinstance(sources, Tag):
        sources_text = _sources_text(sources)
        sources.decompose()

    signature = main.find("section", class_="ar-signature")
    closing: list[Tag] = [
        styled(soup, "Attachment Note", line)
        for line in attachment_note_lines([a.title for a in attachments])
    ]
    if isinstance(signature, Tag):
        issuer = _text(signature.find("p", class_="ar-issuer"))
        date = _text(signature.find("p", class_="ar-date"))
        if issuer:
            closing.append(styled(soup, "Issuer", issuer))
        if date:
            closing.append(styled(soup, "Date", date))
        if sources_text:  # 附注: under the date, two characters in, in brackets
            closing.append(styled(soup, "Sources Note", _bracketed(sources_text)))
            sources_text = ""
        for element in closing:
            signature.insert_before(element)
        signature.decompose()
    else:
        for element in closing:
            main.append(element)

    for label, attachment in zip(attachment_labels(len(attachments)), attachments, strict=True):
        main.append(styled(soup, "Attachment Label", label))
        main.append(styled(soup, "Attachment Title", attachment.title))
        for exhibit in attachment.content:
            main.append(exhibit)
            exhibit.unwrap()
    if sources_text:  # no signature on the page: the note still ends the body
        main.append(styled(soup, "Sources Note", _bracketed(sources_text)))


def _bracketed(note: str) -> str:
    """A note as GB/T 9704 writes 附注: in full-width brackets, without a final 。.

    >>> _bracketed("数据来源：市司法局统计。")
    '（数据来源：市司法局统计）'
    """
    return f"（{note.strip().rstrip('。')}）"
