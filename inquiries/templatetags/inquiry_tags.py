"""Badges for inquiry lists, rendered in Python: lists of many rows stay fast."""

from __future__ import annotations

import functools
import uuid

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from inquiries.actions import RESULT_TO_STATUS
from inquiries.models import (
    Channel,
    DisclosureCategory,
    InquiryState,
    PlanState,
    Risk,
    Urgency,
)
from inquiries.selectors import InquiryRow, PlanRow
from supportmeasures.screening import Result
from supportmeasures.templatetags.mamori import LabelsOncePerPage

register = template.Library()

_CLASSES = {
    "counterparty": "badge--counterparty",
    "protected": "badge--protected",
    "possible_match": "badge--possible",
    "none": "badge--ended",
}


# The registry's vocabulary (screening.Result), under the inquiries' codes (`none` is `clear`).
_LABELS = {str(RESULT_TO_STATUS[result]): result.label for result in Result}


@register.filter
def status_badge(status: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>', _CLASSES.get(status, ""), _LABELS.get(status, status)
    )


# Lists render many rows: labels and links come from small lookups instead of
# Model.get_FOO_display() (which rebuilds its choices dict per call) and reverse() per row.
_STATES = dict(InquiryState.choices)
_URGENCIES = dict(Urgency.choices)
_PLAN_STATES = dict(PlanState.choices)
_CHANNELS = dict(Channel.choices)
_RISK_CLASSES = {"critical": "badge--counterparty", "high": "badge--protected"}
_PLACEHOLDER = uuid.UUID(int=0)


@register.filter
def state_label(value: str) -> str:
    return str(_STATES.get(value, value))


@register.filter
def urgency_label(value: str) -> str:
    return str(_URGENCIES.get(value, value))


@functools.cache
def _url_pattern(script_prefix: str, name: str) -> str:
    return reverse(name, kwargs={"public_id": _PLACEHOLDER})


def _url(name: str, public_id: uuid.UUID) -> str:
    return _url_pattern(get_script_prefix(), name).replace(str(_PLACEHOLDER), str(public_id))


@register.filter
def inquiry_url(inquiry: InquiryRow) -> str:
    return _url("inquiries:detail", inquiry.public_id)


def risk_badges(risk: str, is_emergency: bool) -> SafeString:
    badge = format_html(
        '<span class="badge {}">{}</span>',
        _RISK_CLASSES.get(risk, "badge--ended"),
        Risk(risk).label if risk in Risk.values else risk,
    )
    if is_emergency:
        badge = format_html(
            '{} <span class="badge badge--lapsed">{}</span>', badge, gettext_lazy("Emergency")
        )
    return badge


@register.filter
def inquiry_rows(inquiries: list[InquiryRow], incoming: bool) -> SafeString:
    """The rows of an inquiry list, built here: lists are the hot pages (make bench)."""
    from supportmeasures.templatetags.mamori import both_calendars

    badges = LabelsOncePerPage({s: status_badge(s) for s in _LABELS})
    states, urgencies = LabelsOncePerPage(_STATES), LabelsOncePerPage(_URGENCIES)
    return format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        (
            (
                SafeString(badges(i.protected_status)),
                i.from_ward_name if incoming else i.to_ward_name,
                inquiry_url(i),
                i.subject_name,
                states(i.state),
                urgencies(i.urgency),
                both_calendars(i.created_at),
            )
            for i in inquiries
        ),
    )


@register.filter
def plan_rows(plans: list[PlanRow]) -> SafeString:
    """Rows of the ward's plan list: risk, whom, channel, state, created."""
    from supportmeasures.templatetags.mamori import both_calendars

    states, channels = LabelsOncePerPage(_PLAN_STATES), LabelsOncePerPage(_CHANNELS)
    return format_html_join(
        "",
        '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                risk_badges(p.risk, p.is_emergency),
                _url("inquiries:plan", p.public_id),
                p.target_name,
                channels(p.channel),
                states(p.state),
                both_calendars(p.created_at),
            )
            for p in plans
        ),
    )


@register.filter
def plan_items(plans: list[PlanRow]) -> SafeString:
    """The approvers' queue of plans: one list item each, emergencies already first."""
    from supportmeasures.templatetags.mamori import both_calendars

    channels = LabelsOncePerPage(_CHANNELS)
    return format_html_join(
        "",
        '<li>{} <a href="{}">{}: {} — {}</a> ({}, {})</li>',
        (
            (
                risk_badges(p.risk, p.is_emergency),
                _url("inquiries:plan", p.public_id),
                p.acting_ward_name,
                p.target_name,
                channels(p.channel),
                p.author_name,
                both_calendars(p.created_at),
            )
            for p in plans
        ),
    )


_DISCLOSURES = dict(DisclosureCategory.choices)


@register.filter
def disclosure_label(value: str) -> str:
    """A disclosure category's label; never its code on a page."""
    return str(_DISCLOSURES.get(value, value))


@register.filter
def explained(reasons: list[dict[str, object]]) -> list[str]:
    """Stored reasons (whom the registry found, and how) as sentences in the page's language."""
    from inquiries import risk

    return risk.explain(reasons)
