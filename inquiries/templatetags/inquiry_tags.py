"""Badges for inquiry lists, rendered in Python: lists of many rows stay fast."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

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
