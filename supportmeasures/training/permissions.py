"""Who may take the training: one predicate, asked by the selectors, the action, the views and
the header's navigation alike."""

from __future__ import annotations

from supportmeasures.models import Staff
from supportmeasures.training.content import course


def may_take_training(user: Staff) -> bool:
    """Every active member of staff whose role has a module (all five roles today). No role,
    no module: the pages are a 404."""
    return user.is_active and user.role in course().modules


def passes(correct: int, total: int) -> bool:
    """The pass mark: every answer right. Each question is a rule that keeps someone safe,
    and retakes are unlimited."""
    return total > 0 and correct == total
