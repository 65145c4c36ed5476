"""Breached passwords, checked offline.

Django's CommonPasswordValidator holds 20,000 passwords from public breach corpora (Royce
Williams' list), but only word for word: with a 12-character minimum, what people really
type is one of those decorated ("Password2026!", "yokohama12345", "p@ssw0rdp@ssw0rd"). This
validator undoes the usual decorations (case, look-alike digits and symbols, a year or a
number or punctuation added at either end, a word repeated) and refuses the password when
what remains is on that list or on ours (supportmeasures/data/breached-passwords.txt: words
that people at a Japanese ward office reach for). Nothing is sent anywhere.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOCAL_LIST = Path(__file__).resolve().parent / "data" / "breached-passwords.txt"
# Look-alikes undone before the lookup (p@ssw0rd → password).
_LEET = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "i",
        "!": "i",
        "3": "e",
        "$": "s",
        "5": "s",
        "7": "t",
        "+": "t",
        "9": "g",
        "8": "b",
    }
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SHORTEST_WORD = 4


@cache
def breached_words() -> frozenset[str]:
    """Django's breach list and ours, lower case (read once per process)."""
    words = set(CommonPasswordValidator().passwords)
    words.update(
        line.strip().lower()
        for line in LOCAL_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(w for w in words if len(w) >= _SHORTEST_WORD)


def _repeated(word: str) -> str:
    """'abcabcabc' → 'abc'; anything else unchanged."""
    for size in range(1, len(word) // 2 + 1):
        if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
            return word[:size]
    return word


def forms(password: str) -> set[str]:
    """The password and what is left of it once the usual decorations are undone."""
    lower = password.lower()
    found = {lower, _EDGES.sub("", lower)}
    for word in list(found):
        plain = word.translate(_LEET)
        found.update({plain, _EDGES.sub("", plain), _repeated(word), _repeated(plain)})
    found.update({_repeated(w) for w in list(found)})
    return {w for w in found if w}


def is_breached(password: str) -> bool:
    words = breached_words()
    return any(form in words for form in forms(password))


class BreachedPasswordValidator:
    """Refuses a password found in a breach list, even decorated (AUTH_PASSWORD_VALIDATORS)."""

    def validate(self, password: str, user: Any = None) -> None:
        if is_breached(password):
            raise ValidationError(
                _(
                    "This password, or a common password with a few letters, digits or "
                    "symbols added or changed, appears in lists of leaked passwords."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password cannot be a leaked password, even with digits, a year or symbols added."
        )
