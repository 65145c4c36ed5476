"""A test as it was handed out: a signed ticket naming the trainee, their module, the version
of the text and when it was issued. Only a test this server served can be submitted, by the
person it was served to, on the text it was served with, within `VALID_FOR`; a hand-made form
has no ticket. The ticket's nonce also orders the questions and choices, so the same ticket
shows the same test again."""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass

from django.core import signing

SALT = "mamori.training.attempt"
VALID_FOR = datetime.timedelta(hours=3)


@dataclass(frozen=True)
class Attempt:
    staff_id: int
    role: str
    version: str
    nonce: str
    issued_at: datetime.datetime

    def rng(self) -> random.Random:
        """The order of this attempt's questions and choices (not a secret: a shuffle)."""
        return random.Random(self.nonce)  # noqa: S311


def issue(*, staff_id: int, role: str, version: str, issued_at: datetime.datetime) -> str:
    payload = {
        "s": staff_id,
        "r": role,
        "v": version,
        "n": secrets.token_hex(8),
        "t": issued_at.timestamp(),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def read(
    token: str, *, staff_id: int, role: str, version: str, at: datetime.datetime
) -> Attempt | None:
    """The attempt, or None when the ticket is forged, someone else's, for another module or
    text, from the future, or too old."""
    try:
        payload = signing.loads(token, salt=SALT)
        attempt = Attempt(
            staff_id=int(payload["s"]),
            role=str(payload["r"]),
            version=str(payload["v"]),
            nonce=str(payload["n"]),
            issued_at=datetime.datetime.fromtimestamp(float(payload["t"]), tz=datetime.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    if (attempt.staff_id, attempt.role, attempt.version) != (staff_id, role, version):
        return None
    if not attempt.issued_at - datetime.timedelta(minutes=1) <= at <= attempt.issued_at + VALID_FOR:
        return None
    return attempt
