"""Audit event rows, rendered in Python: the auditors' lists are long and read often."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from auditlog.models import AuditEvent, EventKind

register = template.Library()

# Keys of `data` that are codes worth reading in a row; hashes and fingerprints are left out.
_SHOWN = ("inquiry", "plan", "to_ward", "status", "from", "to", "risk", "purpose", "needed")


@functools.cache
def _urls(script_prefix: str) -> tuple[str, str, str]:
    return (
        reverse("auditlog:events"),
        reverse("auditlog:person", kwargs={"public_id": "00000000-0000-0000-0000-000000000000"}),
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
    events_url, person_url, staff_url = _urls(get_script_prefix())
    kinds = {k: str(v) for k, v in EventKind.choices}
    system = gettext("system")
    person_label = gettext("history of person %(id)s")

    def who(e: AuditEvent) -> SafeString:
        if e.actor_id is None:
            return format_html("{}", e.actor_username or system)
        return format_html(
            '<a href="{}">{}</a>',
            staff_url.replace("999999999", str(e.actor_id)),
            e.actor or e.actor_username,
        )

    def concerning(e: AuditEvent) -> SafeString:
        parts = []
        if e.measure_ref:
            parts.append(
                format_html(
                    '<a href="{}?{}">{}</a>',
                    events_url,
                    urlencode({"measure": e.measure_ref}),
                    e.measure_ref,
                )
            )
        if e.person_public_id:
            parts.append(
                format_html(
                    '<a href="{}">{}</a>',
                    person_url.replace(
                        "00000000-0000-0000-0000-000000000000", str(e.person_public_id)
                    ),
                    person_label % {"id": str(e.person_public_id)[:8]},
                )
            )
        return SafeString(" ".join(parts))

    from supportmeasures.templatetags.mamori import both_calendars

    return format_html_join(
        "",
        '<tr><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                e.sequence,
                both_calendars(e.occurred_at),
                who(e),
                e.ward.name if e.ward else "—",
                kinds.get(e.kind, e.kind),
                concerning(e),
                e.decision_label(),
                e.reason_label(),
                _details(e.data),
            )
            for e in events
        ),
    )
