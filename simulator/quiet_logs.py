"""Silence third-party loggers for a while (Dask's handshake tracebacks, pyabc's
per-generation chatter): the user gets refsim's own one line or progress bar instead."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterable, Iterator


@contextlib.contextmanager
def quiet_loggers(names: Iterable[str], level: int) -> Iterator[None]:
    """Raise the named loggers to ``level`` inside the block and restore them after."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, levels):
            logger.setLevel(old)
