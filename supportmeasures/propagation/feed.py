"""The change feed for linked systems (issue 12): read the changes since a cursor, and the
stale-reader alarm.

The feed is the `BlockChange` rows in `sequence` order. The sequence is given at commit under
the audit chain's lock (migration *_propagation_sequence_at_commit), so a reader that sees
sequence n+1 already sees n: paging `sequence > cursor` never skips a change that commits
later with a lower number, nor repeats one. The cursor is the last sequence served.

Only an API client linked to an active linked system reads the feed (it discloses the names
of everyone protected); what it gets names no address, no ward and no measure reference.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import signals
from supportmeasures.models import (
    ApiClient,
    BlockChange,
    ConfirmationTask,
    ConfirmsBy,
    LinkedSystem,
    Role,
    Staff,
    TaskState,
)
from supportmeasures.openapi import FEED_PAGE_LIMIT
from supportmeasures.propagation.actions import confirm_by_api
from supportmeasures.propagation.feed_models import FeedReader
from supportmeasures.refusals import ActionRefused, InvalidTransition, NotPermitted

PAGE_LIMIT = FEED_PAGE_LIMIT
# A reader that has not read within this time while changes older than it wait is stale
# (spec 7.2.3: applied in real time, or at least every 10 minutes).
STALE_AFTER = datetime.timedelta(minutes=10)


class CursorBeyondFeed(ActionRefused):
    """The cursor names a sequence the feed has not reached: not one this feed gave."""


class NoTaskForClient(ActionRefused):
    """No such change, or none this client's system was asked to confirm: a 404."""


class Superseded(ActionRefused):
    """A later change of the same measure replaced this one: confirm `latest`."""

    def __init__(self, message: str, *, latest: int | None) -> None:
        super().__init__(message)
        self.latest = latest


@dataclass(frozen=True)
class FeedPage:
    page: Page
    after: int
    next: int

    def as_json(self) -> str:
        """The API's answer, assembled around the page's JSON as the database wrote it."""
        more = "true" if self.page.more else "false"
        return f'{{"changes":{self.page.changes_json},"next":{self.next},"more":{more}}}'


def feed_system(client: ApiClient) -> LinkedSystem | None:
    """The active linked system the client reads and confirms for (one per client), or None:
    a client that screens only does not read the feed."""
    if not client.is_active:
        return None
    return LinkedSystem.objects.filter(api_client=client, is_active=True).first()


def feed_refusal(client: ApiClient) -> ActionRefused | None:
    if feed_system(client) is None:
        return NotPermitted(
            _(
                "This API client is not the client of an active linked system: it cannot "
                "read the feed."
            )
        )
    return None


@dataclass(frozen=True)
class Page:
    """One page of the feed as it is served: the changes as a JSON array (text), and what
    the read's record needs."""

    changes_json: str
    count: int
    last: int | None
    more: bool
    persons: list[str]  # the public ids named, sorted


def link_feed_client(
    *, client: ApiClient, system_code: str, acting_user: Staff | None, linked_at: datetime.datetime
) -> LinkedSystem:
    """Make `client` the API client of the linked system `system_code`, confirming through
    the API (what an administrator does in the admin; `create_api_client --linked-system`).
    Recorded like an admin change."""
    with transaction.atomic(durable=True):
        system = LinkedSystem.objects.select_for_update().filter(code=system_code).first()
        if system is None:
            raise ActionRefused(
                _("No linked system has the code %(code)s.") % {"code": system_code}
            )
        if system.api_client_id not in (None, client.pk):
            raise ActionRefused(
                _("The linked system %(system)s already has an API client.")
                % {"system": system.name}
            )
        system.api_client = client
        system.confirms_by = ConfirmsBy.API
        system.save(update_fields=["api_client", "confirms_by"])
        record_event(
            kind=EventKind.ADMIN_CHANGED,
            actor=acting_user,
            occurred_at=linked_at,
            decision="changed",
            data={
                "model": LinkedSystem._meta.label_lower,
                "object_id": system.pk,
                "object": str(system)[:100],
                "fields": ["api_client", "confirms_by"],
            },
        )
    return system


# One query for a page, the JSON built by PostgreSQL: no row is decoded and re-encoded in
# Python (docs/benchmarks.md, "Change feed"). `page` holds one row more than the limit, to
# know whether more wait.
_PAGE_SQL = """
WITH page AS (
    SELECT sequence, measure_id, kind, effective_from, ends_on, blocks, persons,
           released_persons, documents, created_at
    FROM supportmeasures_blockchange
    WHERE sequence > %(after)s
    ORDER BY sequence
    LIMIT %(limit)s + 1
), served AS (
    SELECT * FROM page ORDER BY sequence LIMIT %(limit)s
)
SELECT
    coalesce((
        SELECT json_agg(json_build_object(
            'id', sequence, 'measure', measure_id, 'kind', kind,
            'effective_from', effective_from,
            'ends_on', ends_on, 'blocks', blocks, 'persons', persons,
            'released_persons', released_persons, 'documents', documents,
            'recorded_at', to_char(
                created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
            )
        ) ORDER BY sequence) FROM served
    )::text, '[]'),
    (SELECT count(*) FROM served),
    (SELECT max(sequence) FROM served),
    (SELECT count(*) FROM page) > %(limit)s,
    coalesce((
        SELECT array_agg(DISTINCT person ->> 'id' ORDER BY person ->> 'id')
        FROM served, jsonb_array_elements(served.persons || served.released_persons) AS person
    ), '{}')
"""

_FIELDS = (
    "sequence",
    "measure_id",
    "kind",
    "effective_from",
    "ends_on",
    "blocks",
    "persons",
    "released_persons",
    "documents",
    "created_at",
)


def _as_change(row: tuple[Any, ...]) -> dict[str, Any]:
    change = dict(zip(_FIELDS, row, strict=True))
    return {
        "id": change["sequence"],
        "measure": change["measure_id"],
        "kind": change["kind"],
        "effective_from": change["effective_from"].isoformat(),
        "ends_on": change["ends_on"].isoformat() if change["ends_on"] else None,
        "blocks": change["blocks"],
        "persons": change["persons"],
        "released_persons": change["released_persons"],
        "documents": change["documents"],
        # As the database writes it: UTC, always six digits of microseconds.
        "recorded_at": change["created_at"]
        .astimezone(datetime.UTC)
        .isoformat(timespec="microseconds"),
    }


def page_in_python(after: int, limit: int) -> Page:
    """The same page through the ORM (SQLite, and the test that keeps the two equal)."""
    rows = list(
        BlockChange.objects.filter(sequence__gt=after)
        .order_by("sequence")
        .values_list(*_FIELDS)[: limit + 1]
    )
    changes = [_as_change(row) for row in rows[:limit]]
    return Page(
        changes_json=json.dumps(changes, ensure_ascii=False, separators=(",", ":")),
        count=len(changes),
        last=changes[-1]["id"] if changes else None,
        more=len(rows) > limit,
        persons=sorted({p["id"] for c in changes for p in (*c["persons"], *c["released_persons"])}),
    )


def page_of_changes(after: int, limit: int) -> Page:
    """The changes after `after`, at most `limit`, in commit order (one statement: one
    snapshot, so a later sequence is never seen without the earlier ones)."""
    if connection.vendor != "postgresql":
        return page_in_python(after, limit)
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL, {"after": after, "limit": limit})
        changes_json, count, last, more, persons = cursor.fetchone()
    return Page(changes_json=changes_json, count=count, last=last, more=more, persons=list(persons))


def read_changes(
    *, client: ApiClient, after: int, limit: int, read_at: datetime.datetime
) -> FeedPage:
    """The changes after `after`, at most `limit`, in commit order; recorded (`FEED_READ`)
    with the people disclosed when any change is served or a stale episode ends."""
    if not 1 <= limit <= PAGE_LIMIT:
        raise ActionRefused(_("limit must be between 1 and %(n)d.") % {"n": PAGE_LIMIT})
    if after < 0:
        raise CursorBeyondFeed(_("The cursor must not be negative."))
    with transaction.atomic(durable=True):
        reader, _created = FeedReader.objects.select_for_update().get_or_create(client=client)
        # The refusal is asked under the reader's lock, so a revocation is not raced.
        refusal = feed_refusal(client)
        if refusal is not None:
            raise refusal
        page = page_of_changes(after, limit)
        if page.last is None and after > 0:
            latest = BlockChange.objects.aggregate(latest=Max("sequence"))["latest"] or 0
            if after > latest:
                raise CursorBeyondFeed(
                    _(
                        "The cursor %(after)d is beyond the latest change: it is not one this "
                        "feed gave."
                    )
                    % {"after": after}
                )
        next_cursor = page.last if page.last is not None else after
        was_stale = reader.stale_since is not None
        reader.last_read_at = read_at
        reader.last_after = after
        reader.served_through = max(reader.served_through, next_cursor)
        reader.stale_since = None
        reader.save(update_fields=["last_read_at", "last_after", "served_through", "stale_since"])
        if page.count or was_stale:
            record_event(
                kind=EventKind.FEED_READ,
                actor=None,
                occurred_at=read_at,
                decision="served",
                data={
                    "client": client.name,
                    "client_id": client.pk,
                    "after": after,
                    "next": next_cursor,
                    "changes": page.count,
                    "more": page.more,
                    "stale_cleared": was_stale,
                },
                persons=page.persons,
            )
    return FeedPage(page=page, after=after, next=next_cursor)


@dataclass(frozen=True)
class StaleReaders:
    stale: list[str]  # clients newly stale (told now)
    still_stale: int


def _waiting_since(served_through: int, now: datetime.datetime) -> bool:
    """Whether a change after `served_through` has waited longer than allowed."""
    return BlockChange.objects.filter(
        sequence__gt=served_through, created_at__lte=now - STALE_AFTER
    ).exists()


def watch_change_feed(*, now: datetime.datetime) -> StaleReaders:
    """The job `watch-change-feed`: every client of an active linked system that has not read
    within `STALE_AFTER` while a change older than that waits for it starts a stale episode:
    `FEED_STALE` once, and the administrators and auditors are told. The client's next read
    ends the episode (`read_changes`). Idempotent: an episode is recorded once."""
    clients = list(
        ApiClient.objects.filter(
            revoked_at__isnull=True,
            linked_systems__is_active=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    told: list[str] = []
    still = 0
    for pk in clients:
        with transaction.atomic(durable=True):
            client = ApiClient.objects.get(pk=pk)
            reader, _created = FeedReader.objects.select_for_update().get_or_create(client=client)
            if reader.last_read_at is not None and reader.last_read_at > now - STALE_AFTER:
                continue
            if not _waiting_since(reader.served_through, now):
                continue
            if reader.stale_since is not None:
                still += 1
                continue
            reader.stale_since = now
            reader.save(update_fields=["stale_since"])
            system = feed_system(client)
            record_event(
                kind=EventKind.FEED_STALE,
                actor=None,
                occurred_at=now,
                decision="stale",
                data={
                    "client": client.name,
                    "client_id": client.pk,
                    "system": system.code if system else "",
                    "served_through": reader.served_through,
                    "last_read_at": reader.last_read_at.isoformat()
                    if reader.last_read_at
                    else None,
                },
            )
            _tell_stale(client, system, now)
            told.append(client.name)
    return StaleReaders(stale=told, still_stale=still)


def _tell_stale(client: ApiClient, system: LinkedSystem | None, now: datetime.datetime) -> None:
    """Administrators (the reader's state in the admin) and auditors (the events)."""
    from supportmeasures.selectors import staff_with_roles

    subject = _("Change feed not read: %(client)s") % {"client": client.name}
    body = _(
        "The API client %(client)s (linked system %(system)s) has not read the change feed "
        "for more than %(minutes)d minutes while changes wait for it. Blocks may not be set "
        "in that system: check its connection. The alarm clears when it reads the feed."
    ) % {
        "client": client.name,
        "system": system.name if system else "—",
        "minutes": int(STALE_AFTER.total_seconds() // 60),
    }
    for role, url in (
        (Role.ADMINISTRATOR, reverse("admin:supportmeasures_feedreader_changelist")),
        (Role.AUDITOR, reverse("auditlog:events") + f"?kind={EventKind.FEED_STALE.value}"),
    ):
        signals.tell(
            staff_with_roles(role), subject=subject, body=body, url=url, critical=True, now=now
        )


def confirm_change(*, client: ApiClient, sequence: int, at: datetime.datetime) -> dict[str, Any]:
    """`POST /api/v1/changes/<id>/confirm`: the client's system has applied change `sequence`.

    Idempotent: confirming a confirmed change answers with the first confirmation and changes
    nothing (a client retrying after a lost answer must not fail). A change replaced by a
    later one of the same measure is `Superseded` (the later snapshot is the whole state:
    confirm that one). A change this client's system has no task for is `NoTaskForClient`,
    as is an unknown one (the same answer: a 404)."""
    refusal = feed_refusal(client)
    if refusal is not None:
        raise refusal
    change = BlockChange.objects.filter(sequence=sequence).values("pk", "measure_id").first()
    system = feed_system(client)
    task = (
        ConfirmationTask.objects.filter(change_id=change["pk"], system=system).first()
        if change is not None and system is not None
        else None
    )
    if task is None or change is None:
        raise NoTaskForClient(_("No such change for this client."))
    if task.state not in (TaskState.CONFIRMED, TaskState.SUPERSEDED):
        try:
            task = confirm_by_api(change=change["pk"], client=client, confirmed_at=at)
        except InvalidTransition:
            task.refresh_from_db()  # another request confirmed it, or a change superseded it
        except NotPermitted as exc:
            raise NoTaskForClient(str(exc)) from exc
        else:
            return _confirmation(sequence, task, already=False)
    if task.state == TaskState.SUPERSEDED:
        latest = (
            ConfirmationTask.objects.filter(change__measure_id=change["measure_id"], system=system)
            .order_by("-change__sequence")
            .values_list("change__sequence", flat=True)
            .first()
        )
        raise Superseded(
            _("A later change replaced this one: apply and confirm change %(latest)s.")
            % {"latest": latest},
            latest=latest,
        )
    return _confirmation(sequence, task, already=True)


def _confirmation(sequence: int, task: ConfirmationTask, *, already: bool) -> dict[str, Any]:
    return {
        "id": sequence,
        "state": task.state,
        "confirmed_at": task.confirmed_at.isoformat() if task.confirmed_at else None,
        "already_confirmed": already,
    }
