"""The page cache of continuation tokens: files under ``<data_dir>/biviews/<client_id>/<token>/``.

A token's directory holds its pages (``page-000001.csv.gz`` ..., each renamed into place only when whole)
and ``task.json``, the manifest: view, window, page size, fields, rows and pages cached so far, and
``done`` / ``error`` once the reader stopped. Any API process sharing the data directory can therefore
serve the pages of a token another process issued (the queues themselves live in the issuing process).
The client id is part of the path, so one client's token never reaches another client's pages.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from revrec.biviews.csvout import page_path

MANIFEST = "task.json"
Instant = float  # a moment as unix time in seconds, as time.time() gives it


@dataclass
class Manifest:
    """What ``task.json`` records about a token's query and its progress."""

    token: str
    client_id: int
    view: str
    from_date: str | None
    to_date: str | None
    page_size: int
    fields: list[str] | None
    initiated: Instant
    rows: int = 0
    pages: int = 0
    done: bool = False
    error: str | None = None
    cancelled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def new_token() -> str:
    return str(uuid.uuid4())


def valid_token(token: str) -> bool:
    try:
        return str(uuid.UUID(token)) == token.lower()
    except ValueError:
        return False


class PageCache:
    """Where the pages of each token live, for one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, client_id: int, token: str) -> Path:
        if not valid_token(token):
            raise ValueError("not a continuation token")
        return self.root / str(int(client_id)) / token.lower()

    def create(self, manifest: Manifest) -> Path:
        directory = self.directory(manifest.client_id, manifest.token)
        directory.mkdir(parents=True, exist_ok=False)
        self.save(manifest)
        return directory

    def save(self, manifest: Manifest) -> None:
        directory = self.directory(manifest.client_id, manifest.token)
        part = directory / (MANIFEST + ".part")
        part.write_text(json.dumps(asdict(manifest)), encoding="utf-8")
        os.replace(part, directory / MANIFEST)

    def load(self, client_id: int, token: str) -> Manifest | None:
        if not valid_token(token):
            return None
        try:
            data = json.loads((self.directory(client_id, token) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        manifest = Manifest(**data)
        return manifest if manifest.client_id == client_id else None

    def page(self, client_id: int, token: str, number: int) -> Path | None:
        path = page_path(self.directory(client_id, token), number)
        return path if path.exists() else None

    def remove(self, client_id: int, token: str) -> None:
        shutil.rmtree(self.directory(client_id, token), ignore_errors=True)

    def purge_orphans(self, keep: set[tuple[int, str]], older_than: int) -> int:
        """Delete token directories not in ``keep`` whose manifest is older than ``older_than`` seconds
        (left behind by a process that stopped); the number removed."""
        if not self.root.exists():
            return 0
        limit = time.time() - older_than
        removed = 0
        for client_dir in self.root.iterdir():
            if not client_dir.is_dir() or not client_dir.name.isdigit():
                continue
            for token_dir in client_dir.iterdir():
                if (int(client_dir.name), token_dir.name) in keep:
                    continue
                manifest = token_dir / MANIFEST
                stamp = manifest.stat().st_mtime if manifest.exists() else token_dir.stat().st_mtime
                if stamp < limit:
                    shutil.rmtree(token_dir, ignore_errors=True)
                    removed += 1
        return removed
