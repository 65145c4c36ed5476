"""The print log (spec 10.2): printing an inquiry is an audit event, like reading it.

The printed page is given only under the rules of the page it prints: the inquiry in scope
(the view's 404), and the receiving ward's acknowledgement of the status first. The contact of a
plan prints through `emergencies.print_plan_contact`, under the rules of revealing it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from inquiries import permissions as plan_permissions
from inquiries.models import Inquiry
from supportmeasures.actions import AcknowledgementRequired, NotPermitted
from supportmeasures.models import Staff


def print_inquiry(*, inquiry: Inquiry, acting_user: Staff, printed_at: datetime.datetime) -> None:
    """Record that `acting_user` printed the inquiry, or refuse as its page would."""
    if not plan_permissions.may_read_inquiry(acting_user, inquiry):
        raise NotPermitted(_("You are not permitted to see this inquiry."))
    reader = plan_permissions.is_sending(acting_user, inquiry) or plan_permissions.is_receiving(
        acting_user, inquiry
    )
    if plan_permissions.must_acknowledge(acting_user, inquiry):
        raise AcknowledgementRequired(_("Acknowledge the support-measure status first."))
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.DETAILS_PRINTED,
            actor=acting_user,
            occurred_at=printed_at,
            decision="printed",
            reason="inquiry" if reader else "audit",
            persons=inquiry.person_ids,
            data={"inquiry": str(inquiry.public_id)},
        )
