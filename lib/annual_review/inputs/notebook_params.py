"""Check the parameters of a run against the notebook's ``parameters`` cell.

papermill only warns about unknown parameters and never checks types. Here, before any
kernel starts, every given parameter must be declared in the notebook's one cell tagged
``parameters``, its type must match the default's (or the annotation's), and a parameter
declared without a value (``name: str``) must be given.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annual_review.core.errors import InputError
from annual_review.inputs.yamlio import SHORT, bounded, capped

TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}
NO_DEFAULT = object()


@dataclass(frozen=True)
class Declared:
    """A parameter as the notebook declares it."""

    name: str
    type: type | None
    default: Any = NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT


def _literal(node: ast.AST | None) -> Any:
    if node is None:
        return NO_DEFAULT
    try:
        return ast.literal_eval(node)
    except ValueError:
        return NO_DEFAULT


def declared_parameters(source: str, *, where: str) -> dict[str, Declared]:
    """Parameters declared by a ``parameters`` cell's source.

    >>> p = declared_parameters("year: int = 2024\\nunit = '海宁市'\\nlabel: str", where="x")
    >>> p["year"].type.__name__, p["unit"].default, p["label"].required
    ('int', '海宁市', True)
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise InputError(f"{where}: parameters cell is not valid Python: {exc.msg}") from None
    found: dict[str, Declared] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            default = _literal(node.value)
            annotation = node.annotation.id if isinstance(node.annotation, ast.Name) else None
            kind = TYPES.get(annotation or "") or (
                type(default) if default not in (NO_DEFAULT, None) else None
            )
            found[node.target.id] = Declared(node.target.id, kind, default)
        elif isinstance(node, ast.Assign):
            default = _literal(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    kind = type(default) if default not in (NO_DEFAULT, None) else None
                    found[target.id] = Declared(target.id, kind, default)
    return found


def notebook_parameters(path: Path) -> dict[str, Declared]:
    """The parameters of a notebook file; its parameters cell must be exactly one."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(
            f"{path.as_posix()}: not a readable notebook: {bounded(str(exc), 160)}"
        ) from None
    raw_cells = nb.get("cells", []) if isinstance(nb, dict) else None
    if not isinstance(raw_cells, list):
        raise InputError(f"{path.as_posix()}: not a readable notebook: no list of cells")
    cells = [
        c
        for c in raw_cells
        if isinstance(c, dict)
        and isinstance(c.get("metadata"), dict)
        and "parameters" in (c["metadata"].get("tags") or [])
    ]
    if len(cells) != 1:
        raise InputError(
            f"{path.as_posix()}: needs exactly one cell tagged 'parameters', found {len(cells)}"
        )
    source = cells[0].get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return declared_parameters(source, where=path.as_posix())


def _matches(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def check_parameters(
    given: dict[str, Any], declared: dict[str, Declared], *, unit: str, notebook: str
) -> list[str]:
    """Every problem with the parameters of one run, as messages (empty when fine).

    >>> d = declared_parameters("year = 2024\\nunit = 'x'", where="nb")
    >>> check_parameters({"yaer": 2024, "year": "2024"}, d, unit="盐官镇", notebook="nb")[0]
    "盐官镇: parameter 'yaer' is not declared in nb (declared: unit, year)"
    """
    problems = []
    for name, value in given.items():
        if name not in declared:
            problems.append(
                f"{unit}: parameter {SHORT.repr(name)} is not declared in {notebook}"
                f" (declared: {bounded(', '.join(sorted(declared)), 120)})"
            )
            continue
        expected = declared[name].type
        if expected is not None and not _matches(value, expected):
            problems.append(
                f"{unit}: parameter {name!r} given {SHORT.repr(value)} ({type(value).__name__}),"
                f" expected {expected.__name__} like the default in {notebook}"
            )
    for name, decl in declared.items():
        if decl.required and name not in given:
            problems.append(f"{unit}: parameter {name!r} is required by {notebook} but not given")
    return capped(problems)
