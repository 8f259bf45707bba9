"""Extra notebook parameters given on the command line: ``-p NAME=VALUE``.

VALUE is read as YAML, with the project's strict loader, so ``-p threshold=5`` gives an
int, ``-p labels=[a, b]`` a list and ``-p note=`` an empty string. Only plain values are
accepted: text, numbers, true/false, null, and lists and mappings of them; a date stays
the text it is written as. Anchors and aliases, tags such as ``!!python/name``, text
longer than :data:`MAX_VALUE_CHARS` and non-finite numbers are refused.

The names the build sets itself (``year``, ``unit``, ``region``) and the folders a run
reads (``data_dir``, ``params_dir``: the project's own ``data/`` and ``params/``, which
the checks validate and the cache key covers) cannot be given.

>>> parse_parameters(["threshold=5", "labels=[a, b]", "day=2025-02-20", "note="])
{'threshold': 5, 'labels': ['a', 'b'], 'day': '2025-02-20', 'note': ''}
>>> try:
...     parse_parameters(["data_dir=/elsewhere", "x=[", "1x=2"])
... except InputError as exc:
...     print(exc)
-p 'data_dir=/elsewhere': data_dir cannot be given: the project's data/ folder is read
-p 'x=[': not valid YAML: expected the node content, but found '<stream end>'
-p '1x=2': expected NAME=VALUE with NAME a Python identifier (letters, digits, _)
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Any

from annual_review.core.errors import InputError
from annual_review.inputs.yamlio import SHORT, bounded, capped, load_yaml

__all__ = ["RESERVED", "parse_parameters", "plain_value_problem", "reserved_problem"]

MAX_NAME_CHARS = 64
MAX_VALUE_CHARS = 4_000
MAX_ITEMS = 1_000  # scalars in one value, all lists and mappings counted
RESERVED = {
    "year": "the build sets it from --year",
    "unit": "the build sets it for each unit (use --unit to choose units)",
    "region": "the build sets it from --region",
    "data_dir": "the project's data/ folder is read",
    "params_dir": "the project's params/ folder is read",
}


def reserved_problem(name: str) -> str | None:
    """Why ``name`` cannot be given as a parameter, if it cannot.

    >>> print(reserved_problem("params_dir"))
    params_dir cannot be given: the project's params/ folder is read
    >>> reserved_problem("fault") is None
    True
    """
    if name in RESERVED:
        return f"{name} cannot be given: {RESERVED[name]}"
    return None


def plain_value_problem(value: Any) -> str | None:
    """What makes ``value`` more than plain data (text, numbers, true/false, null, and
    lists and mappings of them with text keys), if anything.

    >>> plain_value_problem({"a": [1, 2.5, None, True, "x"]}) is None
    True
    >>> plain_value_problem([float("inf")])
    'inf is not a finite number'
    >>> plain_value_problem({1: "x"})
    'mapping key 1 is not text'
    >>> plain_value_problem(b"x")
    'a bytes value is not plain data (text, number, true/false, list or mapping)'
    """
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_ITEMS:
            return f"more than {MAX_ITEMS:,} items"
        if item is None or isinstance(item, (str, bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return f"{item!r} is not a finite number"
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    return f"mapping key {SHORT.repr(key)} is not text"
            stack.extend(item.values())
        else:
            return (
                f"a {type(item).__name__} value is not plain data"
                " (text, number, true/false, list or mapping)"
            )
    return None


def _name_problem(name: str) -> str | None:
    if not name.isidentifier() or keyword.iskeyword(name) or len(name) > MAX_NAME_CHARS:
        return "expected NAME=VALUE with NAME a Python identifier (letters, digits, _)"
    return reserved_problem(name)


def _parse_one(item: str) -> tuple[str, Any]:
    """One ``NAME=VALUE`` item as (name, value); an InputError names the item."""
    shown = f"-p {SHORT.repr(item)}"
    name, sep, text = item.partition("=")
    if not sep:
        raise InputError(f"{shown}: expected NAME=VALUE")
    problem = _name_problem(name)
    if problem is not None:
        raise InputError(f"{shown}: {problem}")
    if len(text) > MAX_VALUE_CHARS:
        raise InputError(
            f"{shown}: value has {len(text):,} characters, more than the {MAX_VALUE_CHARS:,}"
            " allowed"
        )
    if "\x00" in text:
        raise InputError(f"{shown}: value holds a NUL character")
    if not text:
        return name, ""
    try:
        value = load_yaml(text, source=shown, dates_as_text=True, aliases=False)
    except InputError as exc:
        # the loader names a line of the value; one line is all a -p value has
        detail = re.sub(rf"^{re.escape(shown)}(, line \d+)?: ", "", str(exc))
        raise InputError(f"{shown}: {bounded(detail, 160)}") from None
    problem = plain_value_problem(value)
    if problem is not None:
        raise InputError(f"{shown}: {problem}")
    return name, value


def parse_parameters(items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` items (the ``-p`` options) as a mapping; every bad item is one line
    of a single :class:`InputError`. A name given twice keeps its last value."""
    found: dict[str, Any] = {}
    problems: list[str] = []
    for item in items:
        try:
            name, value = _parse_one(item)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found[name] = value
    if problems:
        raise InputError("\n".join(capped(problems)))
    return found
