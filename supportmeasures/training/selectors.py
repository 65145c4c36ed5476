"""Reads for the training, with the rule applied: no module for this user is a 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404

from supportmeasures import permissions as registry_permissions
from supportmeasures.models import Staff, TrainingRecord
from supportmeasures.training import attempts
from supportmeasures.training.content import Choice, Module, Page, Question, course
from supportmeasures.training.permissions import may_take_training


def module_for(*, user: Staff) -> Module:
    """The user's module, or 404 (no role, an inactive account)."""
    if not may_take_training(user):
        raise Http404
    return course().modules[user.role]


def page_of(*, user: Staff, page_id: str) -> tuple[Module, Page]:
    """One page of the user's module; a page of another module is a 404 like any other."""
    module = module_for(user=user)
    page = module.page(page_id)
    if page is None:
        raise Http404
    return module, page


@dataclass(frozen=True)
class TrainingStatus:
    trained: bool
    last: TrainingRecord | None


def training_status(*, user: Staff, today: datetime.date) -> TrainingStatus:
    """Whether the training rule holds today, and the latest training on record."""
    return TrainingStatus(
        trained=registry_permissions.is_trained(user, today),
        last=user.training_records.order_by("-completed_on", "-recorded_at").first(),
    )


@dataclass(frozen=True)
class ServedQuestion:
    question: Question
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class ServedTest:
    """The test as handed out: its ticket, its questions and choices in this attempt's order."""

    module: Module
    ticket: str
    questions: tuple[ServedQuestion, ...]


def served_test(*, user: Staff, at: datetime.datetime, ticket: str = "") -> ServedTest:
    """The test for `user`: the one `ticket` names if it is still good (the same order, to
    show it again with an error), else a new one."""
    module = module_for(user=user)
    version = course().version
    attempt = (
        attempts.read(ticket, staff_id=user.pk, role=module.role, version=version, at=at)
        if ticket
        else None
    )
    if attempt is None:
        ticket = attempts.issue(staff_id=user.pk, role=module.role, version=version, issued_at=at)
        attempt = attempts.read(ticket, staff_id=user.pk, role=module.role, version=version, at=at)
        assert attempt is not None
    rng = attempt.rng()
    questions = list(module.questions)
    rng.shuffle(questions)
    served = []
    for question in questions:
        choices = list(question.choices)
        rng.shuffle(choices)
        served.append(ServedQuestion(question=question, choices=tuple(choices)))
    return ServedTest(module=module, ticket=ticket, questions=tuple(served))
