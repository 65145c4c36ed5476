#!/usr/bin/env python3
"""Verify a Mamori audit log export on your own machine, without Mamori or its database.

    python offline_verify.py export.jsonl checkpoints/ --public-key key.pub

Needs Python 3.11+ and, to check the checkpoints' Ed25519 signatures, the `cryptography`
package (`pip install cryptography`); nothing else. This one file is everything: copy it.

It checks, for the export (`manage.py export_auditlog --output export.jsonl`, one event per
line: exactly the hashed content plus its `hash`):
  - every event's SHA-256 over its canonical form (sorted-key compact UTF-8 JSON),
  - every link (`prev_hash` is the hash of the event before; event #1 links to 64 zeros),
  - sequence numbers 1, 2, 3, ... without a gap;
and for every checkpoint file in the directory (`<sequence>-<time>.json`, sealed by Mamori):
  - its Ed25519 signature, with the public key the city handed you (`checkpoint_auditlog
    --public-key`),
  - that the export still holds, at the checkpoint's sequence, the hash it sealed,
  - that the export is not shorter than the checkpoint (a removed tail).

Exit status: 0 all verified, 1 problems found (each printed), 2 could not run (bad arguments).

Mamori imports the format functions below (`canonical_form`, `signed_payload`, `key_id`) so
that the server and this script cannot drift apart.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS_HASH = "0" * 64
CHECKPOINT_FORMAT = "mamori-audit-checkpoint/1"
SIGNATURE_ALGORITHM = "Ed25519"
SIGNED_FIELDS = ("algorithm", "format", "key_id", "last_hash", "sealed_at", "sequence")
MAX_PROBLEMS = 100


def canonical_form(fields: dict[str, Any]) -> bytes:
    """Sorted-key compact JSON in UTF-8: the same bytes on every machine (the server's
    `auditlog.models` imports it from here)."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_form(content)).hexdigest()


def signed_payload(fields: dict[str, Any]) -> bytes:
    """The bytes a checkpoint's signature covers: its signed fields in canonical form."""
    return canonical_form({name: fields[name] for name in SIGNED_FIELDS})


def key_id(raw_public_key: bytes) -> str:
    """A short, stable name for a public key: `ed25519:` and 16 hex digits of its SHA-256."""
    return "ed25519:" + hashlib.sha256(raw_public_key).hexdigest()[:16]


def parse_checkpoint(text: str) -> dict[str, Any]:
    """The fields of a checkpoint file; ValueError if it is not one."""
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise ValueError("not a JSON object")
    missing = [name for name in (*SIGNED_FIELDS, "signature") if name not in fields]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    if fields["format"] != CHECKPOINT_FORMAT:
        raise ValueError(f"unknown format {fields['format']!r}")
    if fields["algorithm"] != SIGNATURE_ALGORITHM:
        raise ValueError(f"unknown algorithm {fields['algorithm']!r}")
    if not isinstance(fields["sequence"], int) or fields["sequence"] < 0:
        raise ValueError("sequence is not a number")
    if not isinstance(fields["last_hash"], str) or len(fields["last_hash"]) != 64:
        raise ValueError("last_hash is not a SHA-256 hex digest")
    return fields


def load_public_key(data: bytes) -> Any:
    """An Ed25519 public key from PEM, or from base64 of its 32 raw bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(text)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def raw_public_bytes(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def signature_is_valid(fields: dict[str, Any], public_key: Any) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        signature = base64.b64decode(str(fields["signature"]), validate=True)
        public_key.verify(signature, signed_payload(fields))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


@dataclass
class Result:
    events: int = 0
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0
    problems: list[str] | None = None

    def problem(self, text: str) -> None:
        assert self.problems is not None
        self.problems.append(text)


def read_export(lines: Iterable[str], result: Result) -> Iterator[tuple[int, str]]:
    """Check every event of the export; yield (sequence, stored hash) for each one read."""
    expected = 1
    previous = GENESIS_HASH
    gap_before = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            content = json.loads(line)
            stored = content.pop("hash")
            sequence = content["sequence"]
            prev_hash = content["prev_hash"]
        except (ValueError, KeyError, TypeError, AttributeError):
            result.problem(f"line {number} is not an exported event")
            continue
        if not isinstance(sequence, int):
            result.problem(f"line {number} is not an exported event")
            continue
        if sequence > expected:
            span = f"#{expected}" if sequence == expected + 1 else f"#{expected} to #{sequence - 1}"
            result.problem(f"event {span} missing (the next present is #{sequence})")
            gap_before = True
        elif sequence < expected:
            result.problem(f"event #{sequence} appears again after #{expected - 1}: reordered")
        changed = event_hash(content) != stored
        if changed:
            result.problem(f"event #{sequence} was changed after it was written")
        elif prev_hash != previous and not gap_before:
            result.problem(
                f"event #{sequence} does not link to the event before it: that event was "
                "rewritten with a recomputed hash, or events were inserted or reordered"
            )
        yield sequence, stored
        result.events += 1
        result.head_sequence, result.head_hash = sequence, stored
        previous = stored
        expected = max(expected, sequence + 1)
        gap_before = False


def verify(export: Path, checkpoint_dir: Path, public_key: Any) -> Result:
    result = Result(problems=[])
    ours = key_id(raw_public_bytes(public_key))
    sealed: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted(checkpoint_dir.glob("*.json")):
        try:
            fields = parse_checkpoint(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            result.problem(f"checkpoint {path.name} cannot be read: {exc}")
            continue
        if fields["key_id"] != ours:
            result.problem(
                f"checkpoint {path.name} is signed with key {fields['key_id']}, not with the "
                f"public key given ({ours}): not used"
            )
            continue
        if not signature_is_valid(fields, public_key):
            result.problem(
                f"checkpoint {path.name} has an invalid signature: forged or altered, not used"
            )
            continue
        sealed.setdefault(fields["sequence"], []).append((path.name, fields))
        result.checkpoints += 1
    if 0 in sealed:
        for name, fields in sealed[0]:
            if fields["last_hash"] != GENESIS_HASH:
                result.problem(f"checkpoint {name} seals an empty log with a non-zero hash")
    with export.open(encoding="utf-8") as lines:
        for sequence, stored in read_export(lines, result):
            for name, fields in sealed.get(sequence, ()):
                if fields["last_hash"] != stored:
                    result.problem(
                        f"event #{sequence}'s hash differs from checkpoint {name} (sealed at "
                        f"{fields['sealed_at']}): the history up to #{sequence} was rewritten"
                    )
    beyond = [seq for seq in sealed if seq > result.head_sequence]
    if beyond:
        top = max(beyond)
        name = sealed[top][0][0]
        result.problem(
            f"the export ends at #{result.head_sequence} but checkpoint {name} sealed #{top}: "
            f"events #{result.head_sequence + 1} to #{top} were removed"
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="JSON Lines file from export_auditlog")
    parser.add_argument("checkpoints", type=Path, help="directory of checkpoint .json files")
    parser.add_argument("--public-key", type=Path, required=True, help="PEM or base64 file")
    args = parser.parse_args(argv)
    try:
        public_key = load_public_key(args.public_key.read_bytes())
    except (OSError, ValueError) as exc:
        print(f"cannot read the public key {args.public_key}: {exc}", file=sys.stderr)
        return 2
    if not args.export.is_file() or not args.checkpoints.is_dir():
        print("the export must be a file and the checkpoints a directory", file=sys.stderr)
        return 2
    result = verify(args.export, args.checkpoints, public_key)
    problems = result.problems or []
    for text in problems[:MAX_PROBLEMS]:
        print(f"PROBLEM: {text}")
    if len(problems) > MAX_PROBLEMS:
        print(f"PROBLEM: ... and {len(problems) - MAX_PROBLEMS} more")
    if problems:
        print(f"FAILED: {len(problems)} problem(s); {result.events} events read")
        return 1
    print(
        f"OK: {result.events} events verified against {result.checkpoints} checkpoint(s); "
        f"head #{result.head_sequence} {result.head_hash}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
