"""Mamori e-learning (issue 15): the training is taken in the app, scored on the server from the
data file; passing records the year's training and opens the gate, failing is an audit event
and says what to read again, never which answer was right; nothing else is ever recorded."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from supportmeasures import permissions
from supportmeasures.models import Role, Staff, TrainingRecord
from supportmeasures.refusals import NotPermitted, TrainingLapsed
from supportmeasures.training import actions, attempts, selectors
from supportmeasures.training.content import SOURCE, Module, course, parse
from supportmeasures.training.tags import offers_training

pytestmark = pytest.mark.django_db

TEST_URL = reverse("training:test")
TAKE_TRAINING_JA = "研修を受ける"


def _wrong(question: Any) -> str:
    return next(c.id for c in question.choices if c.id != question.answer)


def _answers(module: Module, wrong: tuple[str, ...] = ()) -> dict[str, str]:
    """The form a trainee would post: the right choice, or a wrong one for `wrong`."""
    return {f"answer-{q.id}": _wrong(q) if q.id in wrong else q.answer for q in module.questions}


def _served(client: Client) -> tuple[str, Module]:
    page = client.get(TEST_URL)
    assert page.status_code == 200
    return page.context["test"].ticket, page.context["test"].module


def _take(client: Client, wrong: tuple[str, ...] = ()) -> Any:
    ticket, module = _served(client)
    return client.post(TEST_URL, {"ticket": ticket, **_answers(module, wrong)}, follow=True)


def _trail() -> tuple[int, int, int]:
    return (
        TrainingRecord.objects.count(),
        AuditEvent.objects.filter(kind=EventKind.TRAINING_RECORDED).count(),
        AuditEvent.objects.filter(kind=EventKind.TRAINING_FAILED).count(),
    )


@pytest.fixture
def untrained_supervisor(make_staff, ward_a) -> Staff:
    return make_staff(ward_a, Role.SUPERVISOR, trained=False, username="a_untrained")


@pytest.fixture
def application(register, clerk_a):
    """A provisional application in ward A, awaiting a supervisor's decision."""
    return register(clerk_a)


class TestPassing:
    def test_records_the_years_training_and_opens_the_gate(
        self, untrained_supervisor, application, login, today
    ):
        client = login(untrained_supervisor)
        decide_url = reverse("supportmeasures:decide", args=[application.ref])
        refused = client.get(decide_url)
        before = _trail()

        result = _take(client)

        assert refused.status_code == 403
        assert reverse("training:index") in refused.content.decode()
        assert result.redirect_chain == [(reverse("training:result"), 302)]
        assert "training-passed" in result.content.decode()
        record = TrainingRecord.objects.get(staff=untrained_supervisor, completed_on=today)
        fiscal_year = today.year if today.month >= 4 else today.year - 1
        assert record.course == f"Mamori e-learning {fiscal_year} (supervisor)"
        assert record.recorded_by == untrained_supervisor
        event = AuditEvent.objects.filter(kind=EventKind.TRAINING_RECORDED).latest("id")
        assert event.actor_id == untrained_supervisor.pk
        assert event.data["staff_id"] == untrained_supervisor.pk
        assert _trail() == (before[0] + 1, before[1] + 1, before[2])
        fresh = Staff.objects.get(pk=untrained_supervisor.pk)
        assert permissions.training_refusal(fresh, today) is None
        assert client.get(decide_url).status_code == 200

    def test_a_trained_member_of_staff_may_take_it_again(self, clerk_a, login):
        before = _trail()

        _take(login(clerk_a))

        assert _trail() == (before[0] + 1, before[1] + 1, before[2])
        assert clerk_a.training_records.count() == 2

    @pytest.mark.parametrize(
        "who", ["clerk_a", "supervisor_a", "auditor", "contractor_a", "administrator"]
    )
    def test_every_role_has_a_module_offered_in_the_header(self, who, request, login):
        if who == "administrator":
            make_staff = request.getfixturevalue("make_staff")
            staff = make_staff(request.getfixturevalue("ward_a"), Role.ADMINISTRATOR)
        else:
            staff = request.getfixturevalue(who)
        client = login(staff)

        home = client.get(reverse("supportmeasures:home")).content.decode()
        index = client.get(reverse("training:index"))

        assert f'href="{reverse("training:index")}"' in home
        assert index.status_code == 200
        assert index.context["module"].role == staff.role
        assert _take(client).context["result"]["passed"] is True


class TestFailing:
    def test_records_an_event_no_training_and_lists_the_rules_to_read(
        self, untrained_supervisor, login, today
    ):
        module = course().modules[Role.SUPERVISOR]
        missed = module.questions[1]
        before = _trail()

        result = _take(login(untrained_supervisor), wrong=(missed.id,))

        body = result.content.decode()
        page = module.page(missed.page)
        assert page is not None
        assert "training-failed" in body
        assert reverse("training:page", args=[missed.page]) in body
        assert str(page.title) in body
        assert _trail() == (before[0], before[1], before[2] + 1)
        event = AuditEvent.objects.get(kind=EventKind.TRAINING_FAILED)
        assert event.actor_id == untrained_supervisor.pk
        assert event.ward_id == untrained_supervisor.ward_id
        assert event.data["reread"] == [missed.page]
        assert (event.data["correct"], event.data["total"]) == (
            len(module.questions) - 1,
            len(module.questions),
        )
        assert permissions.training_refusal(untrained_supervisor, today) is not None

    def test_auditors_find_the_failed_attempts_by_kind(self, clerk_a, auditor, login):
        _take(login(clerk_a), wrong=(course().modules[Role.CLERK].questions[0].id,))

        events = login(auditor).get(
            reverse("auditlog:events"),
            {"kind": EventKind.TRAINING_FAILED},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert [e.kind for e in events.context["found"].events] == [EventKind.TRAINING_FAILED]
        assert "Training test failed" in events.content.decode()

    def test_the_result_never_says_which_answer_was_right(self, clerk_a, login):
        module = course().modules[Role.CLERK]
        wrong = tuple(q.id for q in module.questions)

        body = _take(login(clerk_a), wrong=wrong).content.decode()

        for question in module.questions:
            right = next(c for c in question.choices if c.id == question.answer)
            assert right.text.ja not in body
            assert question.prompt.ja not in body
        assert f"{len(module.questions)}問中0問正解です" in body and "training-failed" in body

    def test_lists_each_rule_once_in_the_modules_order(self, clerk_a, today, now):
        module = course().modules[Role.CLERK]
        ticket = attempts.issue(
            staff_id=clerk_a.pk, role="clerk", version=course().version, issued_at=now
        )
        wrong = tuple(reversed([q.id for q in module.questions]))

        outcome = actions.submit_training_test(
            trainee=clerk_a,
            ticket=ticket,
            answers={k.removeprefix("answer-"): [v] for k, v in _answers(module, wrong).items()},
            submitted_at=now,
        )

        assert not outcome.passed
        assert outcome.reread == tuple(
            p.id for p in module.pages if any(q.page == p.id for q in module.questions)
        )


class TestForgedAnswers:
    """A hand-made form cannot pass or fail the test: refused, clearly, with nothing recorded."""

    @pytest.mark.parametrize(
        ("forge", "message"),
        [
            ("unknown_question", "These answers do not belong to your test."),
            ("unknown_choice", "These answers do not belong to your test."),
            ("two_choices", "These answers do not belong to your test."),
            ("other_modules_question", "These answers do not belong to your test."),
            ("missing_answer", "Answer every question before you submit the test."),
            ("no_answers", "Answer every question before you submit the test."),
            ("no_ticket", "This test has expired or was not handed to you."),
            ("forged_ticket", "This test has expired or was not handed to you."),
            ("someone_elses_ticket", "This test has expired or was not handed to you."),
        ],
    )
    def test_is_refused_with_nothing_recorded(
        self, forge, message, untrained_supervisor, supervisor_a, login, today
    ):
        client = login(untrained_supervisor)
        ticket, module = _served(client)
        form: dict[str, Any] = {"ticket": ticket, **_answers(module), "passed": "1", "score": "6"}
        first = f"answer-{module.questions[0].id}"
        if forge == "unknown_question":
            form["answer-who-is-protected"] = "a"
        elif forge == "unknown_choice":
            form[first] = "z"
        elif forge == "two_choices":
            form[first] = [c.id for c in module.questions[0].choices]
        elif forge == "other_modules_question":
            form["answer-auditor"] = "a"
        elif forge == "missing_answer":
            del form[first]
        elif forge == "no_answers":
            form = {"ticket": ticket}
        elif forge == "no_ticket":
            del form["ticket"]
        elif forge == "forged_ticket":
            form["ticket"] = ticket[:-2] + ("aa" if not ticket.endswith("aa") else "bb")
        elif forge == "someone_elses_ticket":
            form["ticket"] = _served(login(supervisor_a))[0]
        before = _trail()

        response = client.post(TEST_URL, form, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert message in response.content.decode()
        assert _trail() == before
        assert permissions.training_refusal(untrained_supervisor, today) is not None

    def test_a_refused_test_is_shown_again_as_it_was_answered(self, clerk_a, login):
        client = login(clerk_a)
        ticket, module = _served(client)
        form = _answers(module)
        kept = module.questions[0]
        del form[f"answer-{module.questions[1].id}"]

        again = client.post(TEST_URL, {"ticket": ticket, **form})

        assert again.context["test"].ticket == ticket
        assert f'id="q-{kept.id}-{kept.answer}" name="answer-{kept.id}" value="{kept.answer}"' in (
            again.content.decode()
        )

    def test_an_old_ticket_is_refused(self, clerk_a, now, in_english):
        ticket = attempts.issue(
            staff_id=clerk_a.pk, role="clerk", version=course().version, issued_at=now
        )
        module = course().modules[Role.CLERK]
        answers = {q.id: [q.answer] for q in module.questions}

        with pytest.raises(actions.TestRefused, match="expired"):
            actions.submit_training_test(
                trainee=clerk_a,
                ticket=ticket,
                answers=answers,
                submitted_at=now + attempts.VALID_FOR + datetime.timedelta(seconds=1),
            )
        assert TrainingRecord.objects.filter(staff=clerk_a).count() == 1

    def test_a_ticket_for_another_module_or_text_is_refused(self, clerk_a, now):
        for role, version in (("supervisor", course().version), ("clerk", "2025.1-old")):
            ticket = attempts.issue(staff_id=clerk_a.pk, role=role, version=version, issued_at=now)
            assert (
                attempts.read(
                    ticket, staff_id=clerk_a.pk, role="clerk", version=course().version, at=now
                )
                is None
            )

    def test_the_served_page_does_not_say_which_answer_is_right(self, clerk_a, login):
        page = login(clerk_a).get(TEST_URL).content.decode()

        assert "answer=" not in page and "correct" not in page
        for question in course().modules[Role.CLERK].questions:
            assert page.count(f'name="answer-{question.id}"') == len(question.choices)


class TestWhoMayTakeIt:
    def test_staff_without_a_role_get_404_everywhere(self, make_staff, ward_a, login):
        nobody = make_staff(ward_a, Role.CLERK)
        nobody.groups.clear()
        client = login(Staff.objects.get(pk=nobody.pk))
        page_id = course().modules[Role.CLERK].pages[0].id

        statuses = [
            client.get(reverse("training:index")).status_code,
            client.get(reverse("training:page", args=[page_id])).status_code,
            client.get(TEST_URL).status_code,
            client.post(TEST_URL, {"ticket": "x"}).status_code,
            client.get(reverse("training:result")).status_code,
        ]
        home = client.get(reverse("supportmeasures:home")).content.decode()

        assert statuses == [404] * 5
        assert reverse("training:index") not in home

    def test_the_action_refuses_them_too(self, make_staff, ward_a, now):
        nobody = make_staff(ward_a, Role.CLERK)
        nobody.groups.clear()
        nobody = Staff.objects.get(pk=nobody.pk)

        with pytest.raises(NotPermitted):
            actions.submit_training_test(trainee=nobody, ticket="", answers={}, submitted_at=now)

    def test_a_page_of_another_roles_module_is_404(self, clerk_a, login):
        clerk_pages = {p.id for p in course().modules[Role.CLERK].pages}
        other = next(
            p.id for p in course().modules[Role.SUPERVISOR].pages if p.id not in clerk_pages
        )
        client = login(clerk_a)

        assert client.get(reverse("training:page", args=[other])).status_code == 404
        assert client.get(reverse("training:page", args=["no-such-rule"])).status_code == 404

    def test_the_result_page_without_a_result_goes_back_to_the_module(self, clerk_a, login):
        response = login(clerk_a).get(reverse("training:result"))

        assert response.status_code == 302
        assert response.url == reverse("training:index")


class TestLanguages:
    def test_the_pages_are_japanese_by_default(self, clerk_a, login):
        client = login(clerk_a)
        module = course().modules[Role.CLERK]

        index = client.get(reverse("training:index")).content.decode()
        rule = client.get(reverse("training:page", args=[module.pages[0].id])).content.decode()

        assert module.title.ja in index and module.title.en not in index
        assert module.pages[0].body[0].ja in rule
        assert "テストを受ける" in index

    def test_the_pages_are_english_in_english(self, clerk_a, login):
        client = login(clerk_a)
        module = course().modules[Role.CLERK]
        headers = {"HTTP_ACCEPT_LANGUAGE": "en"}

        index = client.get(reverse("training:index"), **headers).content.decode()
        test = client.get(TEST_URL, **headers).content.decode()
        failed = _take(client, wrong=(module.questions[0].id,))

        assert module.title.en in index and module.title.ja not in index
        assert "Take the test" in index
        assert module.questions[0].prompt.en in test
        assert module.questions[0].prompt.ja not in test
        assert (
            "Read these rules again"
            in client.get(reverse("training:result"), **headers).content.decode()
        )
        assert failed.status_code == 200

    def test_a_refusal_is_japanese_by_default(self, clerk_a, login):
        client = login(clerk_a)
        ticket, _module = _served(client)

        refused = client.post(TEST_URL, {"ticket": ticket})

        assert refused.status_code == 400
        assert "すべての問いに答えてから送信してください。何も記録していません。" in (
            refused.content.decode()
        )


class TestTheGateLinksToTheTraining:
    def test_the_home_page_of_lapsed_case_staff(self, make_staff, ward_a, login):
        clerk = make_staff(ward_a, Role.CLERK, trained=False)

        home = login(clerk).get(reverse("supportmeasures:home")).content.decode()

        assert (
            f'class="button button--primary training-link" href="{reverse("training:index")}"'
            in home
        )
        assert TAKE_TRAINING_JA in home

    def test_the_measure_page_of_a_lapsed_supervisor(
        self, untrained_supervisor, application, login
    ):
        page = login(untrained_supervisor).get(application.get_absolute_url()).content.decode()

        assert TAKE_TRAINING_JA in page

    def test_a_refusal_for_another_reason_offers_no_training(self, supervisor_a, clerk_a, login):
        # The registrar may not decide their own application: a reason the training
        # cannot lift, so no link.
        from supportmeasures import actions as registry_actions

        own = registry_actions.register_application(
            **_application_fields(supervisor_a)  # the supervisor registers it
        )

        refused = login(supervisor_a).get(reverse("supportmeasures:decide", args=[own.ref]))

        assert refused.status_code == 403
        assert TAKE_TRAINING_JA not in refused.content.decode()

    def test_the_plan_page_of_a_lapsed_supervisor(
        self, untrained_supervisor, clerk_a, x_measure, login, now
    ):
        plan = _plan(clerk_a, now)

        page = login(untrained_supervisor).get(plan.get_absolute_url()).content.decode()
        trained = login(_trained_peer(untrained_supervisor)).get(plan.get_absolute_url())

        assert str(TrainingLapsed()) in page
        assert TAKE_TRAINING_JA in page
        assert TAKE_TRAINING_JA not in trained.content.decode()

    def test_the_details_of_a_protected_resident_for_a_lapsed_clerk(
        self, make_staff, ward_a, x, login
    ):
        clerk = make_staff(ward_a, Role.CLERK, trained=False)

        refused = login(clerk).get(reverse("supportmeasures:details", args=[x.public_id]))

        assert refused.status_code == 403
        assert TAKE_TRAINING_JA in refused.content.decode()

    def test_the_inquiry_sign_off_of_a_lapsed_supervisor(
        self, untrained_supervisor, clerk_a, ward_b, x, login, now
    ):
        from inquiries import actions as inquiry_actions

        inquiry = inquiry_actions.create_inquiry(
            acting_user=clerk_a,
            to_ward=ward_b,
            to_department="",
            subject_name="山崎 美咲",
            subject_kana="",
            subject_birth_date=None,
            question="加入状況",
            reason="手続き",
            urgency="normal",
            created_at=now,
        )

        refused = login(untrained_supervisor).post(
            reverse("inquiries:sign_off", args=[inquiry.public_id]), {"confirm": "on"}
        )

        assert refused.status_code == 403
        assert str(TrainingLapsed()) in refused.content.decode()
        assert TAKE_TRAINING_JA in refused.content.decode()

    def test_the_filter_knows_the_training_refusal_and_no_other(self):
        assert offers_training(TrainingLapsed())
        assert offers_training(str(TrainingLapsed()))
        assert not offers_training(NotPermitted("x"))
        assert not offers_training("Only a supervisor of 鶴見区 can sign this off.")
        assert not offers_training("")
        assert not offers_training(None)


class TestTheDataFile:
    def test_every_role_has_a_module_of_about_five_questions(self):
        modules = course().modules

        assert set(modules) == set(Role.values)
        assert all(5 <= len(m.questions) <= 6 for m in modules.values())

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ('id = "status"\npage = "status-travels"', 'id = "status"\npage = "no-such-page"'),
            ('answer = "b"', 'answer = "z"'),
            ('role = "contractor"', 'role = "janitor"'),
            ('questions = ["contractor"', 'questions = ["sign-off", "contractor"'),
        ],
    )
    def test_a_broken_file_fails_loudly(self, old, new):
        text = SOURCE.read_text(encoding="utf-8")
        assert old in text

        with pytest.raises(ImproperlyConfigured):
            parse(text.replace(old, new, 1).encode(), frozenset(Role.values))

    def test_the_test_is_served_in_a_different_order_each_time(self, clerk_a, now):
        orders = {
            tuple(s.question.id for s in selectors.served_test(user=clerk_a, at=now).questions)
            for _ in range(12)
        }

        assert len(orders) > 1


def _application_fields(staff: Staff) -> dict[str, Any]:
    from supportmeasures.actions import PartyData
    from supportmeasures.models import BasisKind, MeasureKind
    from tests.conftest import X, Y

    assert staff.ward is not None
    return {
        "acting_user": staff,
        "ward": staff.ward,
        "kind": MeasureKind.DV,
        "basis_kind": BasisKind.CONSULTING_BODY,
        "basis_body": "神奈川県警察",
        "basis_opinion_on": None,
        "basis_document": "",
        "applied_on": timezone.localdate(),
        "restricts_inspection": True,
        "restricts_resident_copies": True,
        "restricts_koseki_attachment": True,
        "protected": X,
        "joint": [],
        "counterparties": [PartyData(person=Y, relationship="夫")],
        "registered_at": timezone.now(),
    }


def _plan(clerk: Staff, now: datetime.datetime) -> Any:
    from inquiries import actions as inquiry_actions
    from inquiries.models import Channel, DisclosureCategory

    return inquiry_actions.create_plan(
        acting_user=clerk,
        created_at=now,
        inquiry=None,
        matter_name="山﨑 美咲",
        matter_kana="ヤマサキ ミサキ",
        target_name="山田 花子",
        target_kana="ヤマダ ハナコ",
        target_contact="090-0000-0001",
        target_relation="勤務先",
        channel=Channel.PHONE,
        purpose="書類の確認",
        categories=[DisclosureCategory.IDENTITY],
        wording="書類をお送りします。",
    )


def _trained_peer(staff: Staff) -> Staff:
    """Another trained supervisor of the same ward (who may approve: no training link)."""
    from supportmeasures.actions import record_training, register_staff

    assert staff.ward is not None
    peer = register_staff(
        acting_user=None,
        username="a_peer",
        full_name="a_peer",
        ward=staff.ward,
        role=Role.SUPERVISOR,
        password=None,
        registered_at=timezone.now(),
    )
    record_training(
        staff=peer,
        acting_user=None,
        completed_on=timezone.localdate(),
        course="研修",
        recorded_at=timezone.now(),
    )
    return peer
