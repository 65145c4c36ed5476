"""Checkpoints: the chain's head, signed with a key the database does not hold, kept outside it.

A checkpoint seals (sequence, last hash, sealing time, algorithm, key id) with Ed25519. It is
written as a new read-only file in `AUDIT_CHECKPOINT_DIR` (created with O_EXCL, never
overwritten, fsynced) and, if `MAMORI_AUDITOR_EMAIL` is set, mailed there too. Whoever can
rewrite the database cannot re-sign the checkpoints; an auditor verifies them with the public
key only (`auditlog/offline_verify.py`). See docs/auditlog.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import connection
from django.utils.translation import gettext as _

from auditlog.models import GENESIS_HASH, AuditEvent, format_timestamp
from auditlog.offline_verify import (
    CHECKPOINT_FORMAT,
    SIGNATURE_ALGORITHM,
    key_id,
    parse_checkpoint,
    raw_public_bytes,
    signature_is_valid,
    signed_payload,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    last_hash: str
    sealed_at: datetime.datetime
    key_id: str
    signature: str
    path: Path
    algorithm: str = SIGNATURE_ALGORITHM
    # False when the signature does not verify with one of our keys; `problem` says why.
    signature_valid: bool = True
    problem: str = ""

    @property
    def name(self) -> str:
        return self.path.name


class CheckpointRefused(Exception):
    """The chain does not hold since the last checkpoint: sealing it would bless tampering."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# Keys ------------------------------------------------------------------------------------


def _parse_private_key(data: bytes) -> Ed25519PrivateKey:
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(text, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM key is not an Ed25519 private key")
        return key
    if len(data) == 32:  # a raw seed file (base64 of a seed is 44 characters)
        return Ed25519PrivateKey.from_private_bytes(data)
    try:
        seed = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("neither PEM nor base64") from exc
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


@functools.lru_cache(maxsize=4)
def _load_private_key(value: str, path: str) -> Ed25519PrivateKey:
    try:
        return _parse_private_key(Path(path).read_bytes() if path else value.encode())
    except (OSError, ValueError) as exc:
        where = f"AUDIT_CHECKPOINT_KEY_FILE {path}" if path else "AUDIT_CHECKPOINT_KEY"
        raise ImproperlyConfigured(f"{where} is not a usable Ed25519 key: {exc}") from exc


def signing_key() -> Ed25519PrivateKey:
    """The private key from settings (`AUDIT_CHECKPOINT_KEY` or `AUDIT_CHECKPOINT_KEY_FILE`)."""
    return _load_private_key(
        getattr(settings, "AUDIT_CHECKPOINT_KEY", ""),
        str(getattr(settings, "AUDIT_CHECKPOINT_KEY_FILE", "") or ""),
    )


def public_key_pem() -> str:
    """The public key to hand to auditors (PEM, SubjectPublicKeyInfo)."""
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def trusted_public_keys() -> dict[str, Ed25519PublicKey]:
    """Our current key and earlier ones (`AUDIT_CHECKPOINT_PUBLIC_KEYS`), by key id."""
    keys = [signing_key().public_key()]
    for value in getattr(settings, "AUDIT_CHECKPOINT_PUBLIC_KEYS", []):
        try:
            keys.append(Ed25519PublicKey.from_public_bytes(base64.b64decode(value)))
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"AUDIT_CHECKPOINT_PUBLIC_KEYS: {value!r}: {exc}") from exc
    return {key_id(raw_public_bytes(key)): key for key in keys}


# Reading ---------------------------------------------------------------------------------


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def _parse_time(value: str) -> datetime.datetime:
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.UTC)


def _from_fields(
    fields: dict[str, object], path: Path, keys: dict[str, Ed25519PublicKey]
) -> Checkpoint:
    name = str(fields["key_id"])
    key = keys.get(name)
    if key is None:
        valid = False
        problem = _(
            "checkpoint %(name)s is signed with key %(key)s, which is not one of ours; "
            "it was not used"
        ) % {"name": path.name, "key": name}
    else:
        valid = signature_is_valid(fields, key)
        problem = (
            ""
            if valid
            else _(
                "checkpoint %(name)s has an invalid signature: forged or altered; it was not used"
            )
            % {"name": path.name}
        )
    return Checkpoint(
        sequence=int(str(fields["sequence"])),
        last_hash=str(fields["last_hash"]),
        sealed_at=_parse_time(str(fields["sealed_at"])),
        key_id=name,
        signature=str(fields["signature"]),
        path=path,
        algorithm=str(fields["algorithm"]),
        signature_valid=valid,
        problem=problem,
    )


UNREADABLE = (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError)


def _read(path: Path, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    return _from_fields(parse_checkpoint(path.read_text(encoding="utf-8")), path, keys)


def scan_checkpoints(directory: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint file, signature checked, by (sequence, sealed_at); and the files
    that could not be read at all, as problems."""
    directory = directory or checkpoint_dir()
    if not directory.is_dir():
        return [], []
    keys = trusted_public_keys()
    checkpoints, problems = [], []
    for path in sorted(directory.glob("*.json")):
        try:
            checkpoints.append(_read(path, keys))
        except UNREADABLE as exc:
            problems.append(
                _("checkpoint %(name)s cannot be read (%(error)s); it was not used")
                % {"name": path.name, "error": exc}
            )
    checkpoints.sort(key=lambda c: (c.sequence, c.sealed_at, c.name))
    return checkpoints, problems


def load_checkpoints(directory: Path | None = None) -> list[Checkpoint]:
    """Every readable checkpoint, oldest head first. A bad signature is not an exception:
    the checkpoint comes back with `signature_valid=False` and its `problem`."""
    return scan_checkpoints(directory)[0]


def latest_checkpoint(directory: Path | None = None) -> Checkpoint | None:
    """The validly signed checkpoint with the highest sequence (latest sealed among equals).

    Files are named by sequence and time, so they are read newest first and the first one
    whose signature holds and whose content agrees with its name is the answer: the
    workspace shows it on every page, and a year of daily files is not read each time.
    (Verification reads them all.)"""
    directory = directory or checkpoint_dir()
    if not directory.is_dir():
        return None
    keys = trusted_public_keys()
    for path in sorted(directory.glob("*.json"), reverse=True):
        try:
            checkpoint = _read(path, keys)
        except UNREADABLE:
            continue
        if checkpoint.signature_valid and path.name.startswith(f"{checkpoint.sequence:012d}-"):
            return checkpoint
    # No file is named as its content says (renamed by hand): the full scan decides.
    valid = [c for c in load_checkpoints(directory) if c.signature_valid]
    return valid[-1] if valid else None


# Sealing ---------------------------------------------------------------------------------


def _head() -> tuple[int, str]:
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Events are visible once committed, a moment before they are on disk (their commit
        # does not wait for it, auditlog/postgresql): never seal a head a crash could undo.
        # A synchronous commit of our own flushes the WAL past it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_logical_emit_message(true, 'mamori.seal', '')")
    return head if head else (0, GENESIS_HASH)


def _write_exclusive(path: Path, body: bytes) -> None:
    """A new read-only file, never an existing one overwritten; on disk before we return."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    directory_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def _mail(checkpoint: Checkpoint, body: bytes) -> None:
    address = getattr(settings, "MAMORI_AUDITOR_EMAIL", "")
    if not address:
        return
    message = EmailMessage(
        subject=_("Mamori audit checkpoint #%(sequence)d") % {"sequence": checkpoint.sequence},
        body=_(
            "The audit log's head was sealed: event #%(sequence)d, hash %(hash)s, at "
            "%(sealed_at)s. Keep the attached file; it is signed and verifies offline."
        )
        % {
            "sequence": checkpoint.sequence,
            "hash": checkpoint.last_hash,
            "sealed_at": format_timestamp(checkpoint.sealed_at),
        },
        to=[address],
    )
    message.attach(checkpoint.name, body, "application/json")
    try:
        message.send()
    except Exception:  # the file is the checkpoint; the mail is a copy
        logger.exception("checkpoint %s written but not mailed to the auditor", checkpoint.name)


def seal_checkpoint(*, now: datetime.datetime, directory: Path | None = None) -> Checkpoint:
    """Seal the chain's current head into a new signed checkpoint file.

    Idempotent per head: if the latest checkpoint already seals this head, it is returned
    and nothing is written. Before sealing, the events since the latest checkpoint are
    verified (its event still has its hash, every later event links and hashes); if they do
    not hold, `CheckpointRefused` is raised with the problems and nothing is written.
    """
    from auditlog.verification import verify_since

    directory = directory or checkpoint_dir()
    sequence, last_hash = _head()
    latest = latest_checkpoint(directory)
    if latest and (latest.sequence, latest.last_hash) == (sequence, last_hash):
        return latest
    problems = verify_since(latest, up_to=sequence)
    if problems:
        raise CheckpointRefused(problems)

    key = signing_key()
    sealed_at = now.astimezone(datetime.UTC)
    fields: dict[str, object] = {
        "format": CHECKPOINT_FORMAT,
        "algorithm": SIGNATURE_ALGORITHM,
        "key_id": key_id(raw_public_bytes(key.public_key())),
        "sequence": sequence,
        "last_hash": last_hash,
        "sealed_at": format_timestamp(sealed_at),
    }
    fields["signature"] = base64.b64encode(key.sign(signed_payload(fields))).decode()
    body = (json.dumps(fields, indent=2, sort_keys=True) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True, mode=0o750)
    path = directory / f"{sequence:012d}-{sealed_at:%Y%m%dT%H%M%SZ}.json"
    try:
        _write_exclusive(path, body)
    except FileExistsError:
        # Another sealer wrote this head in the same second: that checkpoint is ours too.
        # Anything else at that name is left alone, and the error stands.
        existing = next((c for c in load_checkpoints(directory) if c.path == path), None)
        if existing is None or not existing.signature_valid:
            raise
        if (existing.sequence, existing.last_hash) != (sequence, last_hash):  # pragma: no cover
            raise
        return existing
    checkpoint = _from_fields(fields, path, trusted_public_keys())
    _mail(checkpoint, body)
    return checkpoint


def describe(checkpoints: Iterable[Checkpoint]) -> list[str]:
    """One line per checkpoint, for commands."""
    return [
        f"{c.name}: #{c.sequence} {c.last_hash} sealed {format_timestamp(c.sealed_at)} "
        f"key {c.key_id}" + ("" if c.signature_valid else f" INVALID: {c.problem}")
        for c in checkpoints
    ]
