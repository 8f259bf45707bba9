"""The pandoc reference document that carries the official format (:func:`reference_docx`),
built from pandoc's own default reference document.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pypandoc
from docx import Document

from annual_review.publish.word.footers import write_page_number_footers
from annual_review.publish.word.ooxml import (
    apply_page_setup,
    apply_spec,
    set_doc_defaults,
    style_table,
)
from annual_review.publish.word.package import (
    DEFAULT_STAMP,
    drop_revision_ids,
    save_stable,
    set_core_properties,
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


def reference_docx(path: Path) -> Path:
    """Write a pandoc reference document with the official styles to ``path``.

    It starts from pandoc's default reference document (so that every style pandoc writes
    exists) and sets, with python-docx, the page (A4, margins 37/35/28/26 mm),
    the 22 × 28 character grid, the styles of :data:`STYLE_SPECS` (fonts through ``w:eastAsia``),
    ruled tables and the odd and even page-number footers "— PAGE —". Returns ``path``.
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
    write_page_number_footers(document)
    set_core_properties(document, "", DEFAULT_STAMP)
    drop_revision_ids(document)
    return save_stable(document, path)
