"""A pytest plugin for mutation testing only (`make mutants`, `-p tests.mutation_db`).

mutmut runs the tests of several mutants at once, each in a process of its own. Tests that
share one database would wait on each other's rows (or flush them, for the transactional
ones), so each process takes one of a few database slots, locked for as long as it runs:
`test_<name>_mutN`, kept between runs (`--reuse-db`)."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from pathlib import Path
from typing import IO

import pytest

SLOTS = int(os.environ.get("MAMORI_MUTATION_SLOTS", "4"))
_held: list[IO[str]] = []
# The database name as configured, read at the first run of the first process: a process
# forked later may inherit settings a run left pointing at its test database.
_configured: list[str] = []


def _take_a_slot() -> int:
    folder = Path(tempfile.gettempdir()) / "mamori-mutation-slots"
    folder.mkdir(exist_ok=True)
    deadline = time.monotonic() + 600
    while True:
        for slot in range(SLOTS):
            handle = (folder / f"{slot}.lock").open("w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.append(handle)
            return slot
        if time.monotonic() > deadline:
            raise RuntimeError("no free database slot for mutation testing")
        time.sleep(0.05)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    database = settings.DATABASES["default"]
    if not _configured:
        _configured.append(re.sub(r"_mut\d+$", "", database["NAME"]))
    database["NAME"] = f"{_configured[0]}_mut{_take_a_slot()}"
    # mutmut forks each run from a process that has run tests before, on another slot:
    # never share its database socket, and forget the content type ids it read there (a
    # transactional test's flush recreates them with new ids in each slot).
    for connection in connections.all(initialized_only=True):
        connection.connection = None
    ContentType.objects.clear_cache()


def pytest_unconfigure(config: pytest.Config) -> None:
    # Released at the end of each run: a process forked later must not share the lock.
    while _held:
        _held.pop().close()
