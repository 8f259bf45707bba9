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

Anchors and aliases (``&a`` and ``*a``) are counted before any object is made: a few of
them nested make a small file expand to billions of items (an "alias bomb"), so a
document whose aliases expand to more than :data:`MAX_NODES` items is refused, and so
are documents nested more than :data:`MAX_DEPTH` deep or longer than
:data:`MAX_YAML_CHARS` characters. Values given on the command line refuse aliases
altogether (``aliases=False``).

>>> try:
...     load_yaml("a: &x [1, 2]\\nb: *x\\n", source="-p x", aliases=False)
... except InputError as exc:
...     print(exc)
-p x, line 1: YAML anchors and aliases (&name, *name) are not allowed; write the value out
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError
from yaml.constructor import ConstructorError

from annual_review.core.errors import InputError

_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MAX_YAML_CHARS = 2_000_000  # the catalogue is ~30 KB, a params file a few KB
MAX_DEPTH = 40  # nesting of mappings and lists; the project's files use at most 5
MAX_NODES = 100_000  # items of a document with its aliases expanded (the catalogue: ~3,000)
MAX_PROBLEMS = 100  # problems listed per file; the rest are counted
MAX_LINE = 240  # characters of one problem's description

SHORT = reprlib.Repr()  # a value shown in a message: never expanded past a few dozen characters
SHORT.maxstring, SHORT.maxother, SHORT.maxlevel, SHORT.maxlong = 80, 80, 2, 40


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
                        f"found duplicate key {SHORT.repr(key)} (first on line {first.line + 1})",
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


class _PlainScalars:
    """Loader mix-in that leaves dates as text: ``2024-01-01`` is the string it reads as."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class TextDateLoader(_PlainScalars, UniqueKeyLoader):
    """:class:`UniqueKeyLoader` reading dates as strings (for command-line values)."""


class FastTextDateLoader(_PlainScalars, FastUniqueKeyLoader):
    """:class:`FastUniqueKeyLoader` reading dates as strings."""


_EVENTS_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def shape_problem(text: str, *, source: str, aliases: bool = True) -> str | None:
    """What makes a YAML text unsafe to build, before any object is made (``None`` when
    fine; a syntax error is left to the loader, which words it): more than
    :data:`MAX_YAML_CHARS` characters, nesting deeper than :data:`MAX_DEPTH`, or more than
    :data:`MAX_NODES` items once every alias is expanded (an alias bomb: 9 levels of 9
    aliases are 387 million items). ``aliases=False`` refuses any anchor or alias.

    >>> shape_problem("a: &x [1, {b: 2}]\\nc: *x", source="x.yaml") is None
    True
    >>> shape_problem("a: " + "[" * 50 + "]" * 50, source="x.yaml")
    'x.yaml, line 1: nested more than 40 levels deep'
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\\n" for p, c in zip("abcdefgh", "bcdefghi"))
    >>> print(shape_problem(bomb, source="x.yaml"))
    x.yaml, line 6: its aliases (*name) expand to more than 100,000 items; write the values out
    """
    if len(text) > MAX_YAML_CHARS:
        return f"{source}: {len(text):,} characters, more than the {MAX_YAML_CHARS:,} allowed"
    anchored: dict[str, int] = {}  # anchor → items of its node, aliases expanded
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, items so far) per open node
    total = 0
    try:
        for event in yaml.parse(text, Loader=_EVENTS_LOADER):
            line = event.start_mark.line + 1 if event.start_mark else 0
            anchor = getattr(event, "anchor", None)
            if anchor is not None and not aliases:
                return (
                    f"{source}, line {line}: YAML anchors and aliases (&name, *name)"
                    " are not allowed; write the value out"
                )
            if isinstance(event, _OPENING):
                if len(open_nodes) >= MAX_DEPTH:
                    return f"{source}, line {line}: nested more than {MAX_DEPTH} levels deep"
                open_nodes.append((anchor, 1))
                continue
            if isinstance(event, _CLOSING):
                anchor, items = open_nodes.pop()
            elif isinstance(event, yaml.AliasEvent):
                anchor, items = None, anchored.get(str(event.anchor), 1)
            elif isinstance(event, yaml.ScalarEvent):
                items = 1
            else:
                continue
            if anchor is not None:
                anchored[anchor] = items
            if open_nodes:
                parent, count = open_nodes[-1]
                open_nodes[-1] = (parent, count + items)
            else:
                total += items  # a document's root
            if total > MAX_NODES or (open_nodes and open_nodes[-1][1] > MAX_NODES):
                return (
                    f"{source}, line {line}: its aliases (*name) expand to more than"
                    f" {MAX_NODES:,} items; write the values out"
                )
    except yaml.YAMLError:
        return None
    return None


def _describe(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{source}, line {mark.line + 1}" if mark is not None else source
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    detail = problem
    if context and context_mark is not None and context_mark is not mark:
        detail += f" ({context} started on line {context_mark.line + 1})"
    return f"{where}: not valid YAML: {bounded(detail)}"


def bounded(text: str, limit: int = MAX_LINE) -> str:
    """``text`` on one line, cut to ``limit`` characters (an ellipsis marks the cut).

    >>> bounded("a\\nb" + "c" * 300, 10)
    'a bccccc …'
    """
    flat = " ".join(str(text).splitlines())
    return flat if len(flat) <= limit else flat[: limit - 2] + " …"


def capped(problems: list[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """The first ``limit`` problems and a line counting the rest.

    >>> capped([f"p{i}" for i in range(5)], 2)
    ['p0', 'p1', '… and 3 more problems']
    >>> capped(["p0"], 2)
    ['p0']
    """
    if len(problems) <= limit:
        return problems
    return [*problems[:limit], f"… and {len(problems) - limit:,} more problems"]


def load_yaml(text: str, *, source: str, dates_as_text: bool = False, aliases: bool = True) -> Any:
    """Parse YAML text safely; duplicate keys, syntax errors, aliases expanding past
    :data:`MAX_NODES` items (any alias with ``aliases=False``), deep nesting and oversized
    text raise InputError. With ``dates_as_text`` a date stays the string it is written as."""
    problem = shape_problem(text, source=source, aliases=aliases)
    if problem is not None:
        raise InputError(problem)
    fast, slow = (
        (FastTextDateLoader, TextDateLoader)
        if dates_as_text
        else (FastUniqueKeyLoader, UniqueKeyLoader)
    )
    try:
        return yaml.load(text, Loader=fast)
    except yaml.YAMLError:
        pass  # parse again in Python for the usual wording of the error
    except (ValueError, RecursionError) as exc:
        raise InputError(_unreadable(exc, source)) from None
    try:
        return yaml.load(text, Loader=slow)
    except yaml.YAMLError as exc:
        raise InputError(_describe(exc, source)) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(_unreadable(exc, source)) from None


def _unreadable(exc: Exception, source: str) -> str:
    """A value PyYAML's constructors cannot make (an integer of 5,000 digits)."""
    if isinstance(exc, RecursionError):
        return f"{source}: nested too deeply"
    return f"{source}: not valid YAML: a value cannot be read: {bounded(str(exc), 120)}"


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


def read_text(path: Path, *, max_bytes: int | None = None) -> str:
    """The text of a UTF-8 file (a leading byte-order mark is dropped); a file larger
    than ``max_bytes`` is refused before it is read."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise InputError(
                f"{path.as_posix()}: {size / 1e6:,.1f} MB, more than the"
                f" {max_bytes / 1e6:,.0f} MB allowed"
            )
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


def validation_problems(exc: ValidationError, source: str) -> list[str]:
    """One ``<source>: field <field>: <what is wrong> (given: <value>)`` line per pydantic
    error; the value is shown short, without expanding a large one."""
    problems = []
    for err in exc.errors(include_url=False, include_context=False, include_input=True):
        loc = ".".join(bounded(str(part), 40) for part in err["loc"])
        given = err.get("input")
        shown = "" if isinstance(given, (dict, list)) else f" (given: {SHORT.repr(given)})"
        msg = bounded(err["msg"], MAX_LINE - len(shown))
        problems.append(f"{source}: field {loc}: {msg}{shown}" if loc else f"{source}: {msg}")
    return capped(problems)
