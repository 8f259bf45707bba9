"""The pandoc reference document that carries the official format (:func:`reference_docx`),
built from pandoc's own default reference document, and :func:`atomic_save`, which writes a
document through a temporary file in the target folder.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pypandoc
from docx import Document
from docx.document import Document as DocxDocument

from annual_review.core.files import write_atomic
from annual_review.publish.word.ooxml import (
    apply_page_setup,
    apply_spec,
    set_doc_defaults,
    style_table,
    write_page_number_footer,
)
from annual_review.publish.word.styles import STYLE_SPECS


def _pandoc_default_reference() -> bytes:
    """Pandoc's own reference.docx: it defines every style pandoc's writer uses."""
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        check=True,
        capture_output=True,
    )
    return result.stdout


def atomic_save(document: DocxDocument, path: Path) -> Path:
    """Save ``document`` to ``path`` atomically, flushed to disk."""
    buffer = io.BytesIO()
    document.save(buffer)
    write_atomic(Path(path), buffer.getvalue())
    return path


def reference_docx(path: Path) -> Path:
    """Write a pandoc reference document with the official styles to ``path``.

    It starts from pandoc's default reference document (so that every style pandoc writes
    exists) and sets, with python-docx, the page (A4, margins 37/35/28/26 mm),
    the styles of :data:`STYLE_SPECS` (fonts through ``w:eastAsia``), ruled tables and a footer
    with the page number as "— PAGE —". Returns ``path``.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="annual-review-reference-") as tmp:
        default = Path(tmp) / "default.docx"
        default.write_bytes(_pandoc_default_reference())
        document = Document(str(default))
    set_doc_defaults(document)
    for spec in STYLE_SPECS:
        apply_spec(document, spec)
    style_table(document)
    for section in document.sections:
        apply_page_setup(section)
        write_page_number_footer(section)
    core = document.core_properties
    core.title = ""
    core.author = ""
    core.comments = ""
    return atomic_save(document, path)
