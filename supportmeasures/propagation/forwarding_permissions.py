"""Who may forward a measure, record a reply, register a forwarded application and record a
move out (issue 12). Each rule once, as a `*_refusal` the action raises, the view asks and the
measure page's `can` object shows (`forwarding_actions`).

Forwardings name municipalities; the one a protected resident moved to is where they live now.
So they are for the owning ward's case staff only (`may_see_forwardings`): not auditors (the
audit events hold ids, never the municipality), not contractors, not other wards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from supportmeasures import permissions
from supportmeasures.models import MeasureStatus, Staff, SupportMeasure, Ward
from supportmeasures.propagation.forwarding_models import Forwarding, MoveOut
from supportmeasures.refusals import ActionRefused, InvalidTransition, NotPermitted


def may_see_forwardings(user: Staff, measure: SupportMeasure) -> bool:
    """The owning ward's clerks and supervisors."""
    return permissions.works_on_cases(user) and measure.owning_ward_id in permissions.ward_ids(user)


def _case_staff_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    if not may_see_forwardings(user, measure):
        return NotPermitted(
            _("Only a clerk or a supervisor of the owning ward can record forwardings.")
        )
    return permissions.training_refusal(user, today)


def forward_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """Forward the application to a municipality (本籍地, 前住所地): a measure in force."""
    refusal = _case_staff_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.status == MeasureStatus.ENDED:
        return InvalidTransition(_("This measure has ended: there is nothing to forward."))
    return None


def reply_refusal(
    user: Staff, forwarding: Forwarding, today: datetime.date
) -> ActionRefused | None:
    """Record the receiving side's reply: once."""
    refusal = _case_staff_refusal(user, forwarding.measure, today)
    if refusal is not None:
        return refusal
    if forwarding.replied_on is not None:
        return InvalidTransition(
            _("The reply to this forwarding was already recorded. Nothing was changed.")
        )
    return None


def receive_refusal(user: Staff, ward: Ward) -> ActionRefused | None:
    """Register a forwarded application (転送受付): whoever may register an application for
    the ward. Like an application, starting protection never waits for the training."""
    if not permissions.can_register_application(user, ward):
        return NotPermitted(_("You can register forwarded applications only for your own ward."))
    return None


def move_out_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """Record that the protected resident moved out: a measure in force, once."""
    refusal = _case_staff_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.status == MeasureStatus.ENDED:
        return InvalidTransition(_("This measure has ended: a move out changes nothing."))
    if MoveOut.objects.filter(measure=measure).exists():
        return InvalidTransition(_("The move out of this protected resident was already recorded."))
    return None


@dataclass(frozen=True)
class ForwardingActions:
    see: bool
    forward: bool
    move_out: bool


def forwarding_actions(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ForwardingActions:
    """The measure page's buttons, from the same rules the actions raise."""
    return ForwardingActions(
        see=may_see_forwardings(user, measure),
        forward=forward_refusal(user, measure, today) is None,
        move_out=move_out_refusal(user, measure, today) is None,
    )
