"""Migrated databases for tests: Alembic runs once per run into a template, each test gets a copy of it."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from addin_api.migrations import upgrade
from addin_api.store.db import make_engine

_template: Path | None = None


def migrate(url: str) -> None:
    """Bring the database at `url` to head, as `addin-api db upgrade` does."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # closing the last connection also folds SQLite's WAL into the file


def migrated_sqlite(dest: Path) -> str:
    """A migrated SQLite file at `dest` (a copy of this run's template); returns its URL."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="addin-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        migrate(f"sqlite:///{folder / 'template.db'}")
        _template = folder / "template.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template, dest)
    return f"sqlite:///{dest}"
