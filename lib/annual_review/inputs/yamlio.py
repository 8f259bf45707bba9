"""Reading the project's text inputs: UTF-8 files and strict YAML.

Every failure is an :class:`~annual_review.core.errors.InputError` naming the file and the
line, never a raw ``UnicodeDecodeError`` or ``yaml.YAMLError``. A mapping that repeats
a key is an error too: PyYAML would silently keep the last value.

>>> load_yaml("a: 1\\nb: [2, 3]\\n", source="x.yaml")
{'a': 1, 'b': [2, 3]}
>>> try:
...     load_yaml("a: 1\\na: 2\\n", source="x.yaml")
... except InputError as exc:
...     print(exc)
x.yaml, line 2: not valid YAML: found duplicate key 'a' (first on line 1)
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import ConstructorError

from annual_review.core.errors import InputError

_MERGE_TAG = "tag:yaml.org,2002:merge"


class UniqueKeys:
    """Loader mix-in that rejects a mapping repeating one of its keys."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Mark] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue  # `<<` merges are allowed to be overridden by explicit keys
                # a mix-in for PyYAML's constructors: they provide construct_object
                key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # unhashable key: the base class reports it
                if first is not None:
                    raise ConstructorError(
                        None,
                        None,
                        f"found duplicate key {key!r} (first on line {first.line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class UniqueKeyLoader(UniqueKeys, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, whose error messages the project's users see."""


class FastUniqueKeyLoader(
    UniqueKeys,
    getattr(yaml, "CSafeLoader", yaml.SafeLoader),  # type: ignore[misc]
):
    """The same rules on libyaml's parser (ten times faster) where PyYAML was built with it."""


def _describe(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{source}, line {mark.line + 1}" if mark is not None else source
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    detail = problem
    if context and context_mark is not None and context_mark is not mark:
        detail += f" ({context} started on line {context_mark.line + 1})"
    return f"{where}: not valid YAML: {detail}"


def load_yaml(text: str, *, source: str) -> Any:
    """Parse YAML text safely; duplicate keys and syntax errors raise InputError."""
    try:
        return yaml.load(text, Loader=FastUniqueKeyLoader)
    except yaml.YAMLError:
        pass  # parse again in Python for the usual wording of the error
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise InputError(_describe(exc, source)) from None


def load_yaml_mapping(text: str, *, source: str) -> dict[Any, Any]:
    """Like :func:`load_yaml` but the document must be a mapping of fields.

    >>> load_yaml_mapping("- a\\n", source="x.yaml")
    Traceback (most recent call last):
    ...
    annual_review.core.errors.InputError: x.yaml: expected a mapping of fields, got list
    """
    raw = load_yaml(text, source=source)
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else type(raw).__name__
        raise InputError(f"{source}: expected a mapping of fields, got {got}")
    return raw


def read_text(path: Path) -> str:
    """The text of a UTF-8 file (a leading byte-order mark is dropped)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.as_posix()}: cannot be read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise InputError(
            f"{path.as_posix()}, line {line}: not UTF-8 text (bytes {bad}); save the file as UTF-8"
        ) from None


SHORT = reprlib.Repr()
SHORT.maxstring, SHORT.maxother, SHORT.maxlevel = 80, 80, 2


def validation_problems(exc: ValidationError, source: str) -> list[str]:
    """One ``<source>: field <field>: <what is wrong> (given: <value>)`` line per pydantic
    error; the value is shown short, without expanding a large one."""
    problems = []
    for err in exc.errors():
        loc = ".".join(map(str, err["loc"]))
        given = err.get("input")
        shown = "" if isinstance(given, (dict, list)) else f" (given: {SHORT.repr(given)})"
        problems.append(
            f"{source}: field {loc}: {err['msg']}{shown}" if loc else f"{source}: {err['msg']}"
        )
    return problems
