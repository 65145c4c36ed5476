"""Audit event rows, rendered in Python: the auditors' lists are long and read often."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape
from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from auditlog.models import AuditEvent, EventKind

register = template.Library()

# Keys of `data` that are codes worth reading in a row; hashes and fingerprints are left out.
_SHOWN = ("inquiry", "plan", "to_ward", "status", "from", "to", "risk", "purpose", "needed")


_NO_PERSON = "00000000-0000-0000-0000-000000000000"


@functools.cache
def _urls(script_prefix: str) -> tuple[str, str, str]:
    return (
        reverse("auditlog:events"),
        reverse("auditlog:person", kwargs={"public_id": _NO_PERSON}),
        reverse("auditlog:staff", kwargs={"staff_id": 999999999}),
    )


def _details(data: dict[str, object]) -> str:
    parts = []
    for key in _SHOWN:
        if key in data and data[key] not in ("", None):
            value = str(data[key])
            parts.append(f"{key}: {value[:8] if key in ('inquiry', 'plan') else value}")
    return ", ".join(parts)


@register.filter
def event_rows(events: Iterable[AuditEvent]) -> SafeString:
    """Plain string building with one escape per value: this is the workspace's hot path."""
    from supportmeasures.templatetags.mamori import both_calendars

    events_url, person_url, staff_url = _urls(get_script_prefix())
    kinds = {k: str(v) for k, v in EventKind.choices}
    system = gettext("system")
    person_label = gettext("history of person %(id)s")
    rows = []
    for e in events:
        if e.actor_id is None:
            who = escape(e.actor_username or system)
        else:
            url = staff_url.replace("999999999", str(e.actor_id))
            who = f'<a href="{url}">{escape(str(e.actor or e.actor_username))}</a>'
        concerning = []
        if e.measure_ref:
            query = escape(urlencode({"measure": e.measure_ref}))
            concerning.append(f'<a href="{events_url}?{query}">{escape(e.measure_ref)}</a>')
        if e.person_public_id:
            pid = str(e.person_public_id)
            url = person_url.replace(_NO_PERSON, pid)
            concerning.append(f'<a href="{url}">{escape(person_label % {"id": pid[:8]})}</a>')
        cells = (
            str(e.sequence),
            escape(both_calendars(e.occurred_at)),
            who,
            escape(e.ward.name if e.ward else "—"),
            escape(kinds.get(e.kind, e.kind)),
            "<br>".join(concerning),
            escape(e.decision_label()),
            escape(e.reason_label()),
            escape(_details(e.data)),
        )
        rows.append(
            f'<tr><td class="num">{cells[0]}</td><td>' + "</td><td>".join(cells[1:]) + "</td></tr>"
        )
    return SafeString("".join(rows))
