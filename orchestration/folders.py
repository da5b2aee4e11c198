"""Folders replaced whole: a new version is written beside the old one and swapped in with two renames,
so a reader sees the old set or the new set, never a mix (the raw layer's sets, the report site)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replace_folder(target: Path) -> Iterator[Path]:
    """Yield a scratch folder; on success it replaces ``target`` whole, on error it is dropped."""
    scratch_root = target.parent.parent / ".scratch"  # raw/.scratch for every raw/<source>/<part>
    scratch_root.mkdir(parents=True, exist_ok=True)
    scratch = scratch_root / f"{target.name}-{uuid.uuid4().hex}"
    scratch.mkdir()
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    target.parent.mkdir(parents=True, exist_ok=True)
    old = scratch_root / f"{target.name}-old-{uuid.uuid4().hex}"
    if target.exists():
        target.rename(old)
    scratch.rename(target)
    shutil.rmtree(old, ignore_errors=True)
