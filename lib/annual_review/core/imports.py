"""Keep an unused, slow import out of the processes this package starts.

nbformat validates notebooks with jsonschema, and jsonschema imports ``rfc3987_syntax``
whenever it is installed (JupyterLab's dependencies bring it in) to check IRI formats,
which notebook schemas never use. That module compiles 38 Lark grammars as it is
imported: about 1.3 s of CPU in every process that imports nbformat, several times per
build. Marking it absent makes jsonschema skip those two format checks, nothing else.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)


def skip_unused_imports() -> None:
    """Make ``import rfc3987_syntax`` fail fast in this process unless it is loaded already.

    >>> skip_unused_imports()
    >>> "rfc3987_syntax" in sys.modules  # absent (None) or the module if loaded before
    True
    """
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
