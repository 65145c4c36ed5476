"""Taking the test: scored here, from the data file, never from what the form says."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures.actions import record_training
from supportmeasures.models import Staff
from supportmeasures.refusals import ActionRefused, NotPermitted
from supportmeasures.training import attempts
from supportmeasures.training.content import Module, course
from supportmeasures.training.permissions import may_take_training, passes


class TestRefused(ActionRefused):
    """The answers cannot be scored: nothing is recorded, the test is taken again."""


@dataclass(frozen=True)
class TestOutcome:
    passed: bool
    correct: int
    total: int
    # The pages to read again, in the module's order: one for each rule answered wrongly.
    reread: tuple[str, ...]


def course_name(module: Module, on: datetime.date) -> str:
    """The course on the training record: the fiscal year (年度, from April) and the role."""
    fiscal_year = on.year if on.month >= 4 else on.year - 1
    return f"Mamori e-learning {fiscal_year} ({module.role})"


def _chosen(module: Module, answers: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """One known choice for every question of the module, or a refusal."""
    mismatch = TestRefused(
        _("These answers do not belong to your test. Nothing was recorded: take the test again.")
    )
    if any(module.question(question_id) is None for question_id in answers):
        raise mismatch
    chosen: dict[str, str] = {}
    for question in module.questions:
        values = [v for v in answers.get(question.id, ()) if v]
        if len(values) > 1 or any(v not in question.choice_ids() for v in values):
            raise mismatch
        if values:
            chosen[question.id] = values[0]
    if len(chosen) != len(module.questions):
        raise TestRefused(
            _("Answer every question before you submit the test. Nothing was recorded.")
        )
    return chosen


def submit_training_test(
    *,
    trainee: Staff,
    ticket: str,
    answers: Mapping[str, Sequence[str]],
    submitted_at: datetime.datetime,
) -> TestOutcome:
    """Score the trainee's answers to the test they were served. All correct: the year's
    training is recorded (`record_training`, its own transaction and TRAINING_RECORDED
    event, the trainee as the one who recorded it). Otherwise a TRAINING_FAILED event names
    the pages to read again; which answer was right is never returned."""
    if not may_take_training(trainee):
        raise NotPermitted(_("There is no training for your role."))
    module = course().modules[trainee.role]
    version = course().version
    attempt = attempts.read(
        ticket, staff_id=trainee.pk, role=module.role, version=version, at=submitted_at
    )
    if attempt is None:
        raise TestRefused(
            _(
                "This test has expired or was not handed to you. Nothing was recorded: "
                "take the test again."
            )
        )
    chosen = _chosen(module, answers)
    wrong = {q.page for q in module.questions if chosen[q.id] != q.answer}
    correct = sum(chosen[q.id] == q.answer for q in module.questions)
    total = len(module.questions)
    outcome = TestOutcome(
        passed=passes(correct, total),
        correct=correct,
        total=total,
        reread=tuple(p.id for p in module.pages if p.id in wrong),
    )
    if outcome.passed:
        completed_on = timezone.localdate(submitted_at)
        record_training(
            staff=trainee,
            acting_user=trainee,
            completed_on=completed_on,
            course=course_name(module, completed_on),
            recorded_at=submitted_at,
        )
        return outcome
    with transaction.atomic(durable=True):
        record_event(
            kind=EventKind.TRAINING_FAILED,
            actor=trainee,
            occurred_at=submitted_at,
            ward=trainee.ward,
            data={
                "staff_id": trainee.pk,
                "module": module.role,
                "version": version,
                "correct": outcome.correct,
                "total": outcome.total,
                "reread": list(outcome.reread),
            },
        )
    return outcome
