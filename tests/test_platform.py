"""What the platform under the product must be: a UTF-8 database, a complete catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_the_database_is_utf8_so_japanese_is_text_not_bytes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        (ctype,) = cursor.fetchone()
        # In a plain C locale no Japanese character is a word character (so pg_trgm, which
        # builds trigrams from word characters, would see nothing).
        cursor.execute(r"SELECT '髙' ~ '^\w$'")
        (is_word,) = cursor.fetchone()

    assert ctype != "C" and "UTF" in ctype.upper().replace("-", "")
    assert is_word


def _entries(po: str) -> list[tuple[str, str, bool]]:
    """(msgid, all msgstr text, fuzzy) for each entry but the header."""
    entries = []
    for block in po.split("\n\n"):
        ids = re.findall(r'^msgid(?:_plural)? "(.*)"((?:\n".*")*)', block, re.M)
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if not ids:
            continue
        msgid = "".join(a + b for a, b in ids[:1])
        if msgid == "":
            continue
        entries.append((msgid, "".join(a + b for a, b in strs), "#, fuzzy" in block))
    return entries


def test_every_japanese_string_is_translated():
    po = (ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")

    entries = _entries(po)

    assert len(entries) > 300
    assert [m for m, text, fuzzy in entries if not text.replace('"', "").strip() or fuzzy] == []


def test_the_demo_database_keeps_every_guard_trigger_after_all_migrations(tmp_path):
    """SQLite rebuilds a table to alter it, and a rebuilt table loses its triggers: the
    embedded demo database must still refuse audit rewrites and self-approval."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    db = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(db) as conn:
        triggers = {
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    assert {
        "auditlog_no_update",
        "auditlog_no_delete",
        "auditeventperson_no_update",
        "auditeventperson_no_delete",
        "inquiries_approver_is_not_author_INSERT",
        "inquiries_approver_is_not_author_UPDATE",
    } <= triggers
