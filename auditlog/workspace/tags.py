"""Audit event rows, rendered in Python: the auditors' lists are long and read often.

The template library `audit_tags` (registered in settings.TEMPLATES).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape
from urllib.parse import quote_plus

from django import forms, template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from auditlog.models import DECISION_LABELS, REASON_LABELS, EventKind
from auditlog.workspace.selectors import EventRow
from supportmeasures.templatetags.mamori import LabelsOncePerPage

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
def event_rows(events: Iterable[EventRow]) -> SafeString:
    """Plain string building with one escape per value: this is the workspace's hot path."""
    from supportmeasures.templatetags.mamori import both_calendars_of_times

    when = both_calendars_of_times()
    events_url, person_url, staff_url = _urls(get_script_prefix())
    kinds = LabelsOncePerPage(dict(EventKind.choices), html=True)
    decisions = LabelsOncePerPage(DECISION_LABELS, html=True)
    reasons = LabelsOncePerPage(REASON_LABELS, html=True)
    system = escape(gettext("system"))
    person_label = gettext("history of person %(id)s")
    rows = []
    for e in events:
        if e.actor_id is None:
            who = escape(e.actor_username) if e.actor_username else system
        else:
            url = staff_url.replace("999999999", str(e.actor_id))
            who = f'<a href="{url}">{escape(e.actor_name or e.actor_username)}</a>'
        concerning = []
        if e.measure_ref:
            query = escape(quote_plus(e.measure_ref))
            concerning.append(f'<a href="{events_url}?measure={query}">{escape(e.measure_ref)}</a>')
        if e.person_public_id:
            pid = str(e.person_public_id)
            url = person_url.replace(_NO_PERSON, pid)
            concerning.append(f'<a href="{url}">{escape(person_label % {"id": pid[:8]})}</a>')
        rows.append(
            f'<tr><td class="num">{e.sequence}</td><td>{escape(when(e.occurred_at))}'
            f"</td><td>{who}</td><td>{escape(e.ward_name) if e.ward_name else '—'}</td>"
            f"<td>{kinds(e.kind)}</td><td>{'<br>'.join(concerning)}</td>"
            f"<td>{decisions(e.decision)}</td><td>{reasons(e.reason)}</td>"
            f"<td>{escape(_details(e.data))}</td></tr>"
        )
    return SafeString("".join(rows))


# The layouts of templates/includes/field.html and form_errors.html, for the filter form of
# every workspace page: eight field includes cost more than the page's query (make bench).
_OWN_LAYOUT = frozenset({"checkbox", "radioselect", "checkboxselectmultiple"})


def _field(field: forms.BoundField) -> str:
    if field.widget_type in _OWN_LAYOUT:  # not in the auditors' forms; laid out as usual
        return render_to_string("includes/field.html", {"field": field})
    errors, auto_id = field.errors, escape(field.auto_id)
    label = escape(str(field.label))
    if field.field.required:
        label += f' <span class="required-mark">{escape(gettext("Required"))}</span>'
    hint = (
        f'<p class="form-field__hint" id="{auto_id}_helptext">{escape(str(field.help_text))}</p>'
        if field.help_text
        else ""
    )
    error_list = (
        f'<ul class="errorlist" id="{auto_id}_error">'
        + "".join(f"<li>{escape(str(error))}</li>" for error in errors)
        + "</ul>"
        if errors
        else ""
    )
    return (
        f'<div class="form-field{" form-field--error" if errors else ""}">'
        f'<label class="form-field__label" for="{escape(field.id_for_label)}">{label}</label>'
        f"{hint}{field.as_widget()}{error_list}</div>"
    )


@register.filter
def form_fields(form: forms.Form) -> SafeString:
    """Every field as includes/field.html lays it out: label, hint, widget, errors."""
    return SafeString("".join(_field(field) for field in form))


@register.filter
def form_errors(form: forms.Form) -> SafeString:
    """The form's own errors (not a field's), as includes/form_errors.html shows them."""
    errors = form.non_field_errors()
    if not errors:
        return SafeString("")
    items = "".join(f"<li>{escape(str(error))}</li>" for error in errors)
    return SafeString(
        '<div class="notice notice--error" role="alert"><p class="notice__title">'
        f'{escape(gettext("This could not be done"))}</p><ul class="errorlist">{items}</ul></div>'
    )
