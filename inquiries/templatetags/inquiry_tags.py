"""Badges for inquiry lists, rendered in Python: lists of many rows stay fast."""

from __future__ import annotations

import functools
import uuid

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from inquiries.models import Inquiry, InquiryState, Urgency

register = template.Library()

_CLASSES = {
    "counterparty": "badge--counterparty",
    "protected": "badge--protected",
    "possible_match": "badge--possible",
    "none": "badge--ended",
}


_LABELS = {
    "counterparty": gettext_lazy("Counterparty (相手方)"),
    "protected": gettext_lazy("Protected (保護対象)"),
    "possible_match": gettext_lazy("Possible match"),
    "none": gettext_lazy("Not in the registry"),
}


@register.filter
def status_badge(status: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>', _CLASSES.get(status, ""), _LABELS.get(status, status)
    )


# Lists render many rows: labels and links come from small lookups instead of
# Model.get_FOO_display() (which rebuilds its choices dict per call) and reverse() per row.
_STATES = dict(InquiryState.choices)
_URGENCIES = dict(Urgency.choices)
_PLACEHOLDER = uuid.UUID(int=0)


@register.filter
def state_label(value: str) -> str:
    return str(_STATES.get(value, value))


@register.filter
def urgency_label(value: str) -> str:
    return str(_URGENCIES.get(value, value))


@functools.cache
def _detail_pattern(script_prefix: str) -> str:
    return reverse("inquiries:detail", kwargs={"public_id": _PLACEHOLDER})


@register.filter
def inquiry_url(inquiry: Inquiry) -> str:
    return _detail_pattern(get_script_prefix()).replace(str(_PLACEHOLDER), str(inquiry.public_id))


@register.filter
def inquiry_rows(inquiries: list[Inquiry], incoming: bool) -> SafeString:
    """The rows of an inquiry list, built here: lists are the hot pages (make bench)."""
    from supportmeasures.templatetags.mamori import both_calendars

    return format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        (
            (
                status_badge(i.protected_status),
                i.from_ward.name if incoming else i.to_ward.name,
                inquiry_url(i),
                i.subject_name,
                state_label(i.state),
                urgency_label(i.urgency),
                both_calendars(i.created_at),
            )
            for i in inquiries
        ),
    )
