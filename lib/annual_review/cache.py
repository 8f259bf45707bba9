"""A small content-addressed cache of text and bytes under ``outputs/.cache``."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def fingerprint(*parts: bytes | str) -> str:
    """A sha256 over several parts, each kept apart from the next.

    >>> fingerprint("a", "b") != fingerprint("ab")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


class Cache:
    """Files in one folder named by key; a missing folder means nothing is cached."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def path(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / name

    def get(self, name: str) -> str | None:
        path = self.path(name)
        return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None

    def put(self, name: str, text: str) -> None:
        path = self.path(name)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
