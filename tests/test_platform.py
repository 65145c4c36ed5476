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
