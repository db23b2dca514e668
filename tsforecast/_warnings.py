"""Warnings filtered or recorded under one lock: ``warnings.catch_warnings`` is not thread-safe.

``catch_warnings`` swaps the process-wide filters (and, recording, ``showwarning``) on entry and
puts back what it found on exit: two blocks that overlap in two threads put back each other's
state, which then leaks (a filter that silences a category, a recorder that swallows every
later warning). Every such block of tsforecast's takes `LOCK`, reentrant (blocks nest within a
thread); a fit that records its warnings (`recording`, in ``transform_choice.best_fit``) holds
it throughout, so tsforecast's work in other threads waits for it. A child process forked
while another thread held it starts with a new lock. Blocks of other libraries' in other
threads are beyond reach.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator

__all__ = ["LOCK", "ignoring", "recording"]

LOCK = threading.RLock()


def _new_lock() -> None:
    global LOCK
    LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_new_lock)


@contextlib.contextmanager
def ignoring(category: type[Warning] = Warning, message: str = "") -> Iterator[None]:
    """Ignore the warnings of ``category`` whose text starts with ``message``, under `LOCK`."""
    with LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message, category)
        yield


@contextlib.contextmanager
def recording() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised (none is shown), under `LOCK`."""
    with LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
