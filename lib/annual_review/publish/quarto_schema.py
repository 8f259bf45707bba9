"""Check a ``_quarto.yml`` against Quarto's own schema (a small walker of its YAML form).

Quarto describes its options in YAML files (``src/resources/schema/`` of quarto-cli):
``project.yml`` (``project:``, ``book:``, ``website:`` …), ``definitions.yml`` (shared
definitions such as ``book-schema``), ``document-*.yml`` and ``cell-*.yml`` (the options
of a document, each tagged with the formats it applies to) and ``format-aliases.yml``
(``$html-doc`` = html, html4, html5 …). The schema language is Quarto's own:
``object: {properties, closed, super, required}``, ``enum`` (a list or ``{values}``),
``anyOf``, ``allOf``, ``arrayOf``, ``maybeArrayOf``, ``ref``/``resolveRef``, ``record``,
``string``/``path`` (optionally with a ``pattern``), ``number``, ``boolean``, ``any``,
``null`` and ``schema:`` wrappers. Its published ``json-schemas.json`` holds only the
definitions, still in that form and without the ``super`` merging, so this module
walks the YAML sources directly, following Quarto's rules (``format-schemas.ts``,
``front-matter.ts``, ``project-config.ts``, ``from-yaml.ts``, ``common.ts``):

- an object with ``super`` has its bases' properties too and is closed when any base is;
- a format's options (``format: html: …``) are the document and cell options whose
  ``tags.formats`` (aliases expanded, ``!`` excluding) include that format;
- ``execute:`` takes the options of ``document-execute`` (and cell options tagged with
  that context).

One rule is stricter than Quarto, which accepts any extra key at the top level, under
``execute:`` and under a format (as custom metadata, when it is spelt in dash-case): here
those three are closed, so a misspelt option (``tocc``) is reported instead of being
silently ignored. ``problems`` returns one line per fault; an empty list means the
configuration is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

BASE_KEYS = frozenset(
    {
        "additionalCompletions",
        "completions",
        "id",
        "hidden",
        "tags",
        "errorDescription",
        "errorMessage",
        "description",
        "default",
    }
)
TOP_LEVEL_EXTRA = ("execute", "format", "profile")


@dataclass(frozen=True)
class Field:
    """One option from a schema file: its name, its schema and its tags."""

    name: str
    schema: Any
    tags: Mapping[str, Any]
    context: str  # the file's stem, e.g. ``document-toc``

    @classmethod
    def read(cls, entry: Mapping[str, Any], context: str) -> list[Field]:
        tags = entry.get("tags") or {}
        names = [entry["name"], *([entry["alias"]] if entry.get("alias") else [])]
        return [cls(n, entry.get("schema"), tags, context) for n in names]

    def in_context(self, prefix: str) -> bool:
        """Whether the option belongs to contexts starting with ``prefix``.

        >>> Field("echo", "boolean", {"contexts": ["document-execute"]}, "cell-codeoutput"
        ...       ).in_context("document-execute")
        True
        >>> Field("label", "string", {}, "cell-attributes").in_context("document-")
        False
        """
        contexts = [self.context, *self.tags.get("contexts", [])]
        return any(c.startswith(prefix) for c in contexts)


@dataclass(frozen=True)
class QuartoSchema:
    """Quarto's schema files, read: definitions, project fields, option fields, aliases."""

    definitions: Mapping[str, Any]
    project: list[Field]
    options: list[Field]
    aliases: Mapping[str, list[str]] = field(default_factory=dict)

    def expand(self, formats: Iterable[str]) -> set[str]:
        """Format names with ``$alias`` entries expanded, as Quarto's format-aliases.ts.

        >>> QuartoSchema({}, [], [], {"html-doc": ["html", "html5"], "all": ["$html-doc", "pdf"]}
        ...              ).expand(["$all"]) == {"html", "html5", "pdf"}
        True
        """
        out: set[str] = set()
        for name in formats:
            if name.startswith("$"):
                out |= self.expand(self.aliases.get(name[1:], []))
            else:
                out.add(name)
        return out

    def applies_to(self, option: Field, fmt: str) -> bool:
        """Whether ``option`` is an option of format ``fmt`` (its ``tags.formats``)."""
        formats = option.tags.get("formats")
        if formats is None:
            return True
        disabled = [f[1:] for f in formats if f.startswith("!")]
        enabled = [f for f in formats if not f.startswith("!")]
        if disabled and fmt in self.expand(disabled):
            return False
        return not enabled or fmt in self.expand(enabled)


def load_schema(folder: Path) -> QuartoSchema:
    """Read Quarto's schema files from ``folder`` (a copy of ``src/resources/schema``)."""
    folder = Path(folder)

    def read(path: Path) -> Any:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    definitions = {entry["id"]: _without(entry, "id") for entry in read(folder / "definitions.yml")}
    project = [f for e in read(folder / "project.yml") for f in Field.read(e, "project")]
    options = [
        f
        for path in sorted(folder.glob("document-*.yml")) + sorted(folder.glob("cell-*.yml"))
        for e in read(path) or []
        for f in Field.read(e, path.stem)
    ]
    aliases = (read(folder / "format-aliases.yml") or {}).get("aliases", {})
    return QuartoSchema(definitions, project, options, aliases)


def _without(mapping: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


@dataclass
class _Walker:
    schema: QuartoSchema

    def check(self, value: Any, spec: Any, where: str) -> list[str]:
        """Problems of ``value`` against one Quarto schema ``spec`` (empty when valid)."""
        if spec is None or spec == "any":
            return []
        if isinstance(spec, str):
            return self._literal(value, spec, where)
        core = _without(spec, *BASE_KEYS)
        if not core:
            return []
        if len(core) != 1:
            raise ValueError(f"{where}: unknown schema form {sorted(core)}")
        ((kind, body),) = core.items()
        method = getattr(self, "_" + re.sub(r"[A-Z]", lambda m: "_" + m[0].lower(), kind), None)
        if method is None:
            raise ValueError(f"{where}: unknown schema form {kind!r}")
        return method(value, body, where)

    def _literal(self, value: Any, name: str, where: str) -> list[str]:
        ok = {
            "string": isinstance(value, str),
            "path": isinstance(value, str),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "object": isinstance(value, dict),
            "null": value is None,
        }.get(name)
        if ok is None:
            raise ValueError(f"{where}: unknown schema type {name!r}")
        return [] if ok else [f"{where}: must be {name}, not {_kind(value)}"]

    def _schema(self, value: Any, body: Any, where: str) -> list[str]:
        return self.check(value, body, where)

    def _string(self, value: Any, body: Any, where: str) -> list[str]:
        found = self._literal(value, "string", where)
        pattern = body.get("pattern") if isinstance(body, dict) else None
        if not found and pattern and not re.search(pattern, value):
            found = [f"{where}: {value!r} does not match {pattern!r}"]
        return found

    _path = _string

    def _pattern(self, value: Any, body: Any, where: str) -> list[str]:
        return self._string(value, {"pattern": body}, where)

    def _number(self, value: Any, body: Any, where: str) -> list[str]:
        return self._literal(value, "number", where)

    def _boolean(self, value: Any, body: Any, where: str) -> list[str]:
        return self._literal(value, "boolean", where)

    def _any(self, value: Any, body: Any, where: str) -> list[str]:
        return []

    def _null(self, value: Any, body: Any, where: str) -> list[str]:
        return self._literal(value, "null", where)

    def _enum(self, value: Any, body: Any, where: str) -> list[str]:
        values = body["values"] if isinstance(body, dict) else body
        if any(value == v and type(value) is type(v) for v in values):
            return []
        return [f"{where}: {value!r} is not one of {values!r}"]

    def _any_of(self, value: Any, body: Any, where: str) -> list[str]:
        options = body["schemas"] if isinstance(body, dict) else body
        failures = [self.check(value, option, where) for option in options]
        if all(failures):
            return min(failures, key=len)  # the closest alternative's faults
        return []

    def _all_of(self, value: Any, body: Any, where: str) -> list[str]:
        options = body["schemas"] if isinstance(body, dict) else body
        return [p for option in options for p in self.check(value, option, where)]

    def _array_of(self, value: Any, body: Any, where: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{where}: must be a list, not {_kind(value)}"]
        item = body
        if (
            isinstance(body, dict)
            and set(body) - BASE_KEYS <= {"schema", "length"}
            and "schema" in body
        ):
            item = body["schema"]
            if "length" in body and len(value) != body["length"]:
                return [f"{where}: must have {body['length']} items"]
        return [p for i, v in enumerate(value) for p in self.check(v, item, f"{where}[{i}]")]

    def _maybe_array_of(self, value: Any, body: Any, where: str) -> list[str]:
        if isinstance(value, list):
            return self._array_of(value, body, where)
        return self.check(value, body, where)

    def _ref(self, value: Any, body: Any, where: str) -> list[str]:
        return self.check(value, self.schema.definitions[body], where)

    _resolve_ref = _ref

    def _record(self, value: Any, body: Any, where: str) -> list[str]:
        properties = body.get("properties", body) if isinstance(body, dict) else {}
        spec = {"properties": properties, "closed": True, "required": "all"}
        return self._object(value, spec, where)

    def object_parts(self, spec: Any) -> tuple[dict[str, Any], bool, list[str]]:
        """The properties, closedness and required keys of an object schema with its bases."""
        while isinstance(spec, dict):
            core = _without(spec, *BASE_KEYS)
            if "object" in core:
                spec = core["object"]
                break
            if len(core) == 1 and next(iter(core)) in ("schema", "ref", "resolveRef"):
                ((kind, body),) = core.items()
                spec = body if kind == "schema" else self.schema.definitions[body]
                continue
            raise ValueError(f"not an object schema: {sorted(core)}")
        body = spec if isinstance(spec, dict) else {}
        properties: dict[str, Any] = {}
        closed = bool(body.get("closed"))
        required = body.get("required") or []
        supers = body.get("super") or []
        for base in supers if isinstance(supers, list) else [supers]:
            props, base_closed, base_required = self.object_parts(base)
            properties.update(props)
            closed = closed or base_closed
            required = [*required, *base_required] if required != "all" else required
        own = body.get("properties") or {}
        properties.update(own)
        if required == "all":
            required = list(own)
        return properties, closed, list(required)

    def _object(self, value: Any, body: Any, where: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where}: must be a mapping, not {_kind(value)}"]
        properties, closed, required = self.object_parts({"object": body})
        found = [f"{where}: {key!r} is required" for key in required if key not in value]
        extra = body.get("additionalProperties") if isinstance(body, dict) else None
        patterns = (body.get("patternProperties") or {}) if isinstance(body, dict) else {}
        for key, item in value.items():
            here = f"{where}.{key}" if where else str(key)
            if key in properties:
                found += self.check(item, properties[key], here)
            elif any(re.search(p, str(key)) for p in patterns):
                for p, spec in patterns.items():
                    if re.search(p, str(key)):
                        found += self.check(item, spec, here)
            elif extra not in (None, False):
                found += self.check(item, extra, here)
            elif closed or extra is False:
                found.append(f"{where or 'top level'}: {key!r} is not a Quarto option here")
        return found


def _fields_check(
    walker: _Walker, value: Any, fields: list[Field], where: str, what: str
) -> list[str]:
    """Check a mapping whose keys must each be one of ``fields`` (all schemas of a name)."""
    if not isinstance(value, dict):
        return [f"{where}: must be a mapping, not {_kind(value)}"]
    by_name: dict[str, list[Any]] = {}
    for f in fields:
        by_name.setdefault(f.name, []).append(f.schema)
    found: list[str] = []
    for key, item in value.items():
        here = f"{where}.{key}" if where else str(key)
        if key not in by_name:
            found.append(f"{here}: not {what}")
            continue
        for spec in by_name[key]:
            found += walker.check(item, spec, here)
    return found


def problems(config: Mapping[str, Any], schema: QuartoSchema) -> list[str]:
    """Every fault of a project file's mapping against Quarto's schema, one line each."""
    walker = _Walker(schema)
    documents = [f for f in schema.options if f.in_context("document-") and f.name != "format"]
    execute = [f for f in schema.options if f.in_context("document-execute")]
    top = {k: v for k, v in config.items() if k not in TOP_LEVEL_EXTRA}
    found = _fields_check(walker, top, schema.project + documents, "", "a Quarto project option")
    if "execute" in config:
        found += _fields_check(walker, config["execute"], execute, "execute", "an execute option")
    if "profile" in config:
        found += walker.check(config["profile"], {"ref": "project-profile"}, "profile")
    formats = config.get("format", {})
    if isinstance(formats, str):
        return found
    if not isinstance(formats, dict):
        return [*found, f"format: must be a mapping or a name, not {_kind(formats)}"]
    for name, options in formats.items():
        if options == "default" or options is None:
            continue
        fmt = re.sub(r"[+-].*$", "", str(name))
        own = [f for f in schema.options if f.in_context("document-") and schema.applies_to(f, fmt)]
        found += _fields_check(
            walker, options, own, f"format.{name}", f"an option of Quarto's {fmt} format"
        )
    return found
