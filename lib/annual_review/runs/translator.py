"""Papermill's parameters cell with Chinese kept as written.

Papermill's Python translator escapes every non-ASCII character, so the cell it injects
reads ``unit = "\\u76d0\\u5b98\\u9547"``. :class:`ReadableTranslator` writes the same value
as ``unit = "盐官镇"``. :func:`register` installs it for Python notebooks; importing
:mod:`annual_review.runs.engine` registers it, and papermill imports that module through
its ``papermill.engine`` entry point whenever it is imported, so the ``papermill``
command gets it too (papermill has no entry point group for translators).
"""

from __future__ import annotations

from papermill.translators import PythonTranslator, papermill_translators

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def python_string(value: str) -> str:
    """A double-quoted Python literal for ``value`` that keeps printable non-ASCII text.

    >>> print(python_string("盐官镇"), python_string('a"b\\\\c\\n'), python_string("\\x00é"))
    "盐官镇" "a\\"b\\\\c\\n" "\\x00é"
    >>> all(eval(python_string(s)) == s for s in ["盐官镇", 'x"\\\\\\n\\t', "\\u2028", "\\x7f"])
    True
    """
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:  # control characters, line and paragraph separators: as repr writes them
            out.append(repr(ch)[1:-1])
    return '"' + "".join(out) + '"'


class ReadableTranslator(PythonTranslator):
    """Papermill's Python translator, with strings written as readable literals."""

    @classmethod
    def translate_str(cls, val: object) -> str:
        return python_string(val) if isinstance(val, str) else super().translate_str(val)


def register() -> None:
    """Make papermill write Python parameters with :class:`ReadableTranslator`."""
    papermill_translators.register("python", ReadableTranslator)
