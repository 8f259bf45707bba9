"""The same bytes for the same report: document properties taken from the report itself and
a zip package written with fixed entry times, in a stable order (:func:`save_stable`).

python-docx saves through :mod:`zipfile` with the current time on every entry, and pandoc
stamps the core properties with the time of the conversion; both are replaced here.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from annual_review.core.files import write_atomic

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
DEFAULT_STAMP = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a report without a date
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def report_stamp(date_text: str | None) -> datetime:
    """The document's created/modified time: the report's date (成文日期), else a constant.

    >>> report_stamp("2025年2月20日")
    datetime.datetime(2025, 2, 20, 0, 0, tzinfo=datetime.timezone.utc)
    >>> report_stamp("２０２５年３月１日").day  # full-width digits too
    1
    >>> report_stamp(None) == report_stamp("二〇二五年") == DEFAULT_STAMP
    True
    """
    if not date_text:
        return DEFAULT_STAMP
    found = _DATE.search(unicodedata.normalize("NFKC", date_text))
    if found is None:
        return DEFAULT_STAMP
    year, month, day = (int(g) for g in found.groups())
    try:
        return datetime(year, month, day, tzinfo=timezone.utc)
    except ValueError:
        return DEFAULT_STAMP


def set_core_properties(document: DocxDocument, title: str, stamp: datetime) -> None:
    """Title and times from the report; no author, editor, revision count or print time."""
    core = document.core_properties
    core.title = title
    core.author = ""
    core.last_modified_by = ""
    core.comments = ""
    core.keywords = ""
    core.subject = ""
    core.category = ""
    core.revision = 1
    core.created = stamp
    core.modified = stamp
    element = core._element
    printed = element.find(qn("cp:lastPrinted"))
    if printed is not None:
        element.remove(printed)


def drop_revision_ids(document: DocxDocument) -> int:
    """Remove the revision save ids (``w:rsid…``) pandoc's reference document carries.

    They only record which save of the file touched what; return how many were removed.
    """
    removed = 0
    roots = [document.element, document.styles.element, document.settings.element]
    for root in roots:
        for element in list(root.iter(qn("w:rsid"), qn("w:rsids"))):
            element.getparent().remove(element)
            removed += 1
        for element in root.iter():
            for attr in [a for a in element.attrib if str(a).startswith(qn("w:rsid"))]:
                del element.attrib[attr]
                removed += 1
    return removed


def stable_zip(data: bytes) -> bytes:
    """The same zip with every entry at :data:`ZIP_TIME`, deflated, without extra fields.

    Entries keep their order (``[Content_Types].xml`` first, as python-docx writes it).

    >>> one = io.BytesIO()
    >>> with zipfile.ZipFile(one, "w") as archive:
    ...     archive.writestr("a.xml", "<a/>")
    >>> again = stable_zip(one.getvalue())
    >>> zipfile.ZipFile(io.BytesIO(again)).getinfo("a.xml").date_time
    (1980, 1, 1, 0, 0, 0)
    >>> stable_zip(again) == again
    True
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(entry), compresslevel=6)
    return out.getvalue()


def docx_bytes(document: DocxDocument) -> bytes:
    """The saved document as a stable zip."""
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def save_stable(document: DocxDocument, path: Path) -> Path:
    """Save ``document`` to ``path`` atomically (flushed to disk) as a stable zip."""
    write_atomic(Path(path), docx_bytes(document))
    return path
