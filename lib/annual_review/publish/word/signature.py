"""The end of the report in the Word file (GB/T 9704-2012, 7.3.4 and 7.3.5): one blank line
before the attachment note, whose later items and wrapped lines align under the first name;
blank lines before the signature; the date four characters in from the right edge and the
issuer centred over it (:func:`finish_closing`).
"""

from __future__ import annotations

import re
from unicodedata import east_asian_width

from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph

from annual_review.publish.word.ooxml import set_left_hanging_chars, set_right_chars
from annual_review.publish.word.styles import (
    DATE_RIGHT_CHARS,
    INDENT_CHARS,
    SIGNATURE_GAP_LINES,
)

_NOTE_LEAD = "附件："
_NUMBER = re.compile(r"^\d+．")


def text_chars(text: str) -> float:
    """Width of ``text`` in body characters: full-width count one, others (digits) half.

    >>> text_chars("2025年3月1日"), text_chars("海宁市人民政府")
    (6.0, 7.0)
    """
    return sum(1.0 if east_asian_width(ch) in "WF" else 0.5 for ch in text)


def issuer_right_chars(issuer: str, date: str, date_right: float = DATE_RIGHT_CHARS) -> float:
    """Right indent (characters) that centres the issuer over a date ``date_right`` from the edge.

    >>> issuer_right_chars("海宁市人民政府", "2025年3月1日")  # one character wider: 3.5
    3.5
    >>> issuer_right_chars("海昌街道办事处", "2025年12月31日")
    4.0
    >>> issuer_right_chars("海宁市人民政府办公室关于海宁市法治建设的工作组", "2025年3月1日")
    0.0
    """
    return max(0.0, date_right + (text_chars(date) - text_chars(issuer)) / 2)


def note_indents(lines: list[str], indent: float = INDENT_CHARS) -> list[tuple[float, float]]:
    """(left, hanging) in characters for each line of the attachment note.

    The note starts ``indent`` characters in; every item's name (and any wrapped line) starts
    under the first name, so later items hang by their number only.

    >>> note_indents(["附件：1．主要指标表", "2．主要图表"])
    [(6.5, 4.5), (6.5, 1.5)]
    >>> note_indents(["附件：主要图表"])
    [(5.0, 3.0)]
    """
    widths = []
    for i, line in enumerate(lines):
        body = line.removeprefix(_NOTE_LEAD) if i == 0 else line
        found = _NUMBER.match(body)
        widths.append(text_chars(found.group(0)) if found else 0.0)
    name_at = indent + text_chars(_NOTE_LEAD) + (widths[0] if widths else 0.0)
    return [
        (name_at, (text_chars(_NOTE_LEAD) if i == 0 else 0.0) + width)
        for i, width in enumerate(widths)
    ]


def _blank_lines_before(paragraph: Paragraph, count: int) -> None:
    for _ in range(count):
        paragraph.insert_paragraph_before("", style="Body Text")


def finish_closing(document: DocxDocument) -> None:
    """Blank lines, the attachment note's indents and the signature's place (see the module)."""
    by_style: dict[str, list[Paragraph]] = {}
    for paragraph in document.paragraphs:
        name = paragraph.style.name if paragraph.style is not None else ""
        by_style.setdefault(name, []).append(paragraph)
    notes = by_style.get("Attachment Note", [])
    for paragraph, (left, hanging) in zip(
        notes, note_indents([p.text for p in notes]), strict=True
    ):
        set_left_hanging_chars(paragraph._p.get_or_add_pPr(), left, hanging)
    if notes:
        _blank_lines_before(notes[0], 1)

    issuers = by_style.get("Issuer", [])
    dates = by_style.get("Date", [])
    signature = (issuers or dates)[:1]
    if signature:
        _blank_lines_before(signature[0], SIGNATURE_GAP_LINES)
    if issuers and dates:
        right = issuer_right_chars(issuers[0].text, dates[0].text)
        set_right_chars(issuers[0]._p.get_or_add_pPr(), right)
