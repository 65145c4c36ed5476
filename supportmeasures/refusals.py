"""Why an action is refused: the exceptions every rule of the registry returns or raises.

They live apart from `actions.py` so that `permissions.py` can return them (a predicate says
*why not* in the words the action would use) without importing the actions; `actions.py`
re-exports them, so `actions.ActionRefused` and friends stay where callers look for them."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ActionRefused(Exception):
    """A rule refused the action. The message is translated and safe to show."""


class NotPermitted(ActionRefused):
    pass


class TrainingLapsed(ActionRefused):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Your annual training on support measures has expired (none in the last 12 "
                "months). Take the training before you open protected details or decide."
            )
        )


class SameStaffMember(ActionRefused):
    pass


class InvalidTransition(ActionRefused):
    """Not in the measure's present state (or not yet): the page goes back to the measure."""


class AcknowledgementRequired(ActionRefused):
    pass


class ChangedSinceListed(ActionRefused):
    """A bulk run's line no longer holds: the measure or its people changed since the list was
    prepared (permissions.bulk_recheck_refusal). `code` is what the audit event records."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class IdentityUnconfirmed(ActionRefused):
    """A person named in an application may already be in the registry, and the clerk's
    choice (the same person, or a different one) does not hold for what is found now."""
