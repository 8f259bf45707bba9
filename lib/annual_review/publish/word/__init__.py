"""Word export of published report pages, in official-document format (GB/T 9704-2012).

This package owns the Word files: officials submit the annual report as a Word document, and
this package turns a published page (the HTML written by :mod:`annual_review.publish.pages`)
into a ``.docx`` with pandoc and then finishes it with python-docx:

* :func:`reference_docx` builds the pandoc reference document that carries the official styles
  (A4, margins 37/35/28/26 mm, a grid of 22 lines × 28 characters, 仿宋_GB2312 3号 body,
  方正小标宋简体 2号 title, 黑体 / 楷体_GB2312 / 仿宋_GB2312 headings, page numbers "— 1 —" in
  宋体 4号, at the right on odd pages and at the left on even pages);
* :func:`page_to_docx` keeps the report itself (``<main class="ar-main">``), moves its key
  tables and charts into attachments after the signature (附件说明 before it), converts it,
  makes sure every run names its East-Asian font and the section has the official page setup,
  and saves the same bytes for the same page;
* :func:`docx_name` names the file after the report title.

In Word the Chinese font of a run is the ``w:eastAsia`` attribute of ``w:rFonts``; python-docx's
``font.name`` only sets ``w:ascii``/``w:hAnsi``, so the East-Asian font is always set explicitly
(and theme fonts, which would take precedence, are removed).

Modules, each importing only those above it: ``grid`` (the character grid's arithmetic),
``styles`` (the official format as data), ``ooxml`` (low-level OOXML helpers that apply it),
``footers`` (odd and even page numbers), ``package`` (document properties and a stable zip),
``reference`` (the reference document), ``exhibits`` (the page rearranged: attachments,
signature, sources, numeric cells), ``tables`` and ``signature`` (finishing tables and the end
of the report), ``finish`` (finishing pandoc's output), ``convert`` (preparing the page, the
pandoc conversion, the file name).

Imports: this package may import only from ``annual_review.core``, ``annual_review.inputs``,
``annual_review.figures``, ``annual_review.blocks`` and the ``annual_review.publish`` modules
earlier than it (never ``runs``, ``build`` or the CLI), plus third-party libraries (pandoc
through pypandoc, python-docx, BeautifulSoup; matplotlib only lazily, through
:mod:`annual_review.blocks.charts`, when a page has charts).
"""

from __future__ import annotations

from annual_review.publish.word.convert import docx_name, page_to_docx
from annual_review.publish.word.reference import reference_docx

__all__ = ["docx_name", "page_to_docx", "reference_docx"]
