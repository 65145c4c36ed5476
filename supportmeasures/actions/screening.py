"""Screening people against the registry (pages and the API), and the API's clients."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from auditlog.actions import Event, record_event, record_events
from auditlog.models import EventKind
from supportmeasures import permissions, screening, throttle
from supportmeasures.models import (
    ApiClient,
    Staff,
)
from supportmeasures.refusals import (
    ActionRefused,
    InvalidTransition,
    NotPermitted,
)
from supportmeasures.screening import Query, Screening


def _screening_events(
    screenings: list[tuple[str, Screening]],
    *,
    actor: Staff | None,
    client: ApiClient | None,
    purpose: str,
    screened_at: datetime.datetime,
) -> list[Event]:
    """One event per person found by a screening that did not come back clear, under the
    owning ward of their measure, so that ward sees who screened its resident."""
    events = []
    for screening_id, found in screenings:
        seen: set[tuple[int, str]] = set()
        for match in found.matches:  # strongest first
            # One per person and owning ward: each ward holding a case sees the screening.
            if (match.person_id, match.owning_ward_code) in seen:
                continue
            seen.add((match.person_id, match.owning_ward_code))
            events.append(
                Event(
                    kind=EventKind.SCREENING_HIT,
                    actor=actor,
                    occurred_at=screened_at,
                    ward=match.owning_ward,
                    person_public_id=match.person_public_id,
                    measure_ref=match.measure_ref,
                    decision=match.result,
                    reason=purpose,
                    data={
                        "screening_id": screening_id,
                        "result": found.result,
                        "role": match.role,
                        "reasons": list(match.reasons),
                        "client": client.name if client else "",
                        "client_id": client.pk if client else None,
                    },
                )
            )
    return events


def screen_people(
    *,
    queries: list[Query],
    purpose: str,
    screened_at: datetime.datetime,
    acting_user: Staff | None = None,
    client: ApiClient | None = None,
) -> list[tuple[str, Screening]]:
    """Screen people for staff or another city system; every hit is an audit event."""
    if (acting_user is None) == (client is None):
        raise ValueError("A screening is made by one staff member or one API client.")
    if acting_user is not None and not permissions.can_search(acting_user):
        raise NotPermitted(_("You are not permitted to screen people."))
    if client is not None and not client.is_active:
        raise NotPermitted(_("This API client has been revoked."))
    _within_rate(
        acting_user=acting_user, client=client, people=len(queries), screened_at=screened_at
    )
    results = [(str(uuid.uuid4()), s) for s in screening.screen_many(queries)]
    hits = [(sid, s) for sid, s in results if not s.is_clear]
    if hits:
        with transaction.atomic(durable=True):
            record_events(
                _screening_events(
                    hits, actor=acting_user, client=client, purpose=purpose, screened_at=screened_at
                )
            )
    return results


def count_client_screening(
    *, client: ApiClient, people: int, screened_at: datetime.datetime
) -> None:
    """Count a screening an upper floor makes for an API client (an issuance check) against
    the client's limits, as `screen_people` does: raises ScreeningThrottled over one."""
    if not client.is_active:
        raise NotPermitted(_("This API client has been revoked."))
    _within_rate(acting_user=None, client=client, people=people, screened_at=screened_at)


def _within_rate(
    *,
    acting_user: Staff | None,
    client: ApiClient | None,
    people: int,
    screened_at: datetime.datetime,
) -> None:
    """Count the screening against its screener's limits (supportmeasures/throttle.py); over
    one, raise ScreeningThrottled, recording the request that first went over it in its
    window and no other."""
    principal = client if client is not None else acting_user
    assert principal is not None  # screen_people takes exactly one
    verdict = throttle.take(
        screener=f"{'client' if client is not None else 'staff'}:{principal.pk}",
        rates=throttle.rates_for(client=client is not None),
        people=people,
        at=screened_at,
    )
    if verdict.allowed:
        return
    if verdict.first_refusal:
        with transaction.atomic(durable=True):
            record_event(
                kind=EventKind.SCREENING_THROTTLED,
                actor=acting_user,
                occurred_at=screened_at,
                decision="refused",
                data={
                    "client": client.name if client else "",
                    "client_id": client.pk if client else None,
                    "counts": str(verdict.rate.counts),
                    "limit": verdict.rate.limit,
                    "window_seconds": verdict.rate.window_seconds,
                    "window_starts_at": verdict.window_starts_at.isoformat(),
                },
            )
    raise throttle.ScreeningThrottled(verdict)


def create_api_client(
    *, name: str, acting_user: Staff | None, created_at: datetime.datetime
) -> tuple[ApiClient, str]:
    """Create a client and return its token: shown once, only its hash is kept."""
    name = name.strip()
    if not name:
        raise ActionRefused(_("Give the client a name."))
    if ApiClient.objects.filter(name=name).exists():
        raise ActionRefused(_("A client with this name already exists."))
    token = "mmr_" + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        client = ApiClient.objects.create(
            name=name,
            token_hash=hash_token(token),
            token_prefix=token[:12],
            created_at=created_at,
        )
        record_event(
            kind=EventKind.API_CLIENT_CREATED,
            actor=acting_user,
            occurred_at=created_at,
            decision="created",
            data={"client_id": client.pk, "client": client.name},
        )
    return client, token


def revoke_api_client(
    *, client: ApiClient, acting_user: Staff | None, revoked_at: datetime.datetime
) -> ApiClient:
    with transaction.atomic(durable=True):
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            raise InvalidTransition(_("This API client is already revoked."))
        client.revoked_at = revoked_at
        client.save(update_fields=["revoked_at"])
        record_event(
            kind=EventKind.API_CLIENT_REVOKED,
            actor=acting_user,
            occurred_at=revoked_at,
            decision="revoked",
            data={"client_id": client.pk, "client": client.name},
        )
    return client


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
