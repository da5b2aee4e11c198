"""The refusal of a whole source (a wave, the interview log, a case file) with its reason."""

from __future__ import annotations

from pathlib import Path


class SourceRefused(Exception):
    """Raised when an input breaks a rule that refuses it whole; names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
