"""Template helpers for the training gate: wherever a lapsed training refuses, the page links
to the training. Registered as the `training_tags` library in settings."""

from __future__ import annotations

from typing import Any

from django import template

from supportmeasures.refusals import TrainingLapsed

register = template.Library()


@register.filter
def offers_training(refusal: Any) -> bool:
    """Is this refusal (the exception, or its message as a page shows it) the training rule's?"""
    if isinstance(refusal, TrainingLapsed):
        return True
    return isinstance(refusal, str) and bool(refusal) and refusal == str(TrainingLapsed())


@register.inclusion_tag("training/_take_training.html")
def take_training() -> dict[str, Any]:
    """The link to the training ("研修を受ける")."""
    return {}
