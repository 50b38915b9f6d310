"""User-facing errors: one line naming the file, the key path and what is valid."""

from __future__ import annotations


class ScenarioError(Exception):
    """A mistake in a user's input. The CLI prints ``str(error)`` and exits with code 2.

    ``file`` is the file the mistake is in, ``key`` the dotted key path inside it (or a
    line reference such as ``line 12``), ``message`` says what is wrong and what would
    be valid.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.key = key

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return f"{where}: {self.message}" if where else self.message
