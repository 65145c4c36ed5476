"""Labels for a block change's snapshot (codes and ISO dates kept as the feed serves them)."""

from __future__ import annotations

import datetime

from django import template

from supportmeasures.models import BlockDocument, PartyRole

register = template.Library()


@register.filter
def block_document_label(code: str) -> str:
    try:
        return str(BlockDocument(code).label)
    except ValueError:
        return code


@register.filter
def party_role_label(code: str) -> str:
    try:
        return str(PartyRole(code).label)
    except ValueError:
        return code


@register.filter
def iso_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
