"""Section staff's pages, the measure page's linked systems, the supervisor's home page and
the auditors' dashboard: who sees what, one action to confirm, the alarm and its clearing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.models import ConfirmationTask, Role, TaskState
from supportmeasures.propagation import actions as propagation

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(x_measure, register_system):
    return ConfirmationTask.objects.get(
        change__measure=x_measure, system=register_system, state=TaskState.OPEN
    )


def task_urls(task):
    return [
        reverse("propagation:task", kwargs={"pk": task.pk}),
        reverse("propagation:confirm", kwargs={"pk": task.pk}),
        reverse("propagation:fail", kwargs={"pk": task.pk}),
    ]


class TestTheSectionStaffsPages:
    def test_the_list_shows_what_to_set_and_never_the_address(self, login, section_clerk, task):
        response = login(section_clerk).get(reverse("propagation:tasks"))

        assert response.status_code == 200
        body = response.content.decode()
        assert "山﨑 美咲" in body and "住民記録" in body
        assert "豊岡町" not in body
        assert task.change.measure.ref not in body  # the ref names the owning ward

    def test_the_task_page_lists_the_people_and_documents(self, login, section_clerk, task):
        body = login(section_clerk).get(task_urls(task)[0]).content.decode()

        assert "ヤマサキ ミサキ" in body
        assert "戸籍の附票の写し" in body
        assert "豊岡町" not in body and "045-000-1234" not in body

    @pytest.mark.parametrize("who", ["supervisor_a", "clerk_a", "auditor", "contractor_a"])
    def test_anyone_but_section_staff_gets_a_404(self, request, login, who, task):
        client = login(request.getfixturevalue(who))

        assert client.get(reverse("propagation:tasks")).status_code == 404
        assert [client.get(task_urls(task)[0]).status_code] == [404]
        assert [client.post(url).status_code for url in task_urls(task)[1:]] == [404, 404]
        task.refresh_from_db()
        assert task.state == TaskState.OPEN

    def test_staff_of_another_system_get_a_404_for_a_url_typed_by_hand(
        self, login, make_staff, ward_b, tax_system, task, now
    ):
        tax_clerk = make_staff(ward_b, Role.CLERK)
        propagation.grant_section_staff(
            acting_user=None, staff=tax_clerk, system=tax_system, granted_at=now
        )
        client = login(tax_clerk)

        assert client.get(reverse("propagation:tasks")).status_code == 200
        assert client.get(task_urls(task)[0]).status_code == 404
        assert client.post(task_urls(task)[1]).status_code == 404

    def test_one_post_confirms_and_a_second_tab_changes_nothing(self, login, section_clerk, task):
        client = login(section_clerk)

        first = client.post(task_urls(task)[1], {"note": ""})
        second = client.post(task_urls(task)[1], {"note": ""}, follow=True)

        assert first.status_code == 302
        task.refresh_from_db()
        assert task.state == TaskState.CONFIRMED
        assert second.status_code == 200
        assert "既に確認" in second.content.decode()
        assert AuditEvent.objects.filter(kind=EventKind.PROPAGATION_CONFIRMED).count() == 1

    def test_reporting_a_failure_needs_a_reason(self, login, section_clerk, task):
        client = login(section_clerk)

        empty = client.post(task_urls(task)[2], {"reason": ""})

        assert empty.status_code == 400
        task.refresh_from_db()
        assert task.state == TaskState.OPEN
        client.post(task_urls(task)[2], {"reason": "システム停止中"})
        task.refresh_from_db()
        assert task.state == TaskState.FAILED

    def test_the_header_links_the_tasks_for_section_staff_only(self, login, section_clerk, clerk_a):
        url = reverse("propagation:tasks")

        assert url in login(section_clerk).get(reverse("supportmeasures:home")).content.decode()
        assert url not in login(clerk_a).get(reverse("supportmeasures:home")).content.decode()


class TestTheAlarm:
    def test_overdue_shows_in_red_with_words_and_clears_when_confirmed_late(
        self, login, x_measure, supervisor_a, auditor, section_clerk, task
    ):
        late = task.due_at + datetime.timedelta(minutes=10)
        propagation.escalate_overdue_tasks(now=late)
        measure_url = x_measure.get_absolute_url()
        home = reverse("supportmeasures:home")
        dashboard = reverse("auditlog:dashboard")

        page = login(supervisor_a).get(measure_url).content.decode()
        assert "badge--task-overdue" in page and "row--alarm" in page
        assert x_measure.ref in login(supervisor_a).get(home).content.decode().split("<h1")[1]
        assert "住民記録" in login(auditor).get(dashboard).content.decode()

        propagation.confirm_task(task=task, acting_user=section_clerk, confirmed_at=late)
        for other in ConfirmationTask.objects.filter(state=TaskState.OPEN):
            other.state, other.closed_at = TaskState.SUPERSEDED, late
            other.save()

        page = login(supervisor_a).get(measure_url).content.decode()
        assert "badge--task-overdue" not in page
        assert "badge--task-confirmed" in page
        assert "#linked-systems" not in login(supervisor_a).get(home).content.decode()
        board = login(auditor).get(dashboard).content.decode()
        assert "row--alarm" not in board

    def test_a_clerk_home_page_shows_no_alarm(self, login, clerk_a, task):
        propagation.escalate_overdue_tasks(now=task.due_at + datetime.timedelta(minutes=10))

        assert (
            "#linked-systems"
            not in login(clerk_a).get(reverse("supportmeasures:home")).content.decode()
        )

    def test_the_weekly_report_lists_the_unconfirmed_blocks(self, task):
        from auditlog.workspace import analyses

        late = task.due_at + datetime.timedelta(minutes=10)
        propagation.escalate_overdue_tasks(now=late)

        report = analyses.run_report(
            analyses.UNCONFIRMED_BLOCKS, since=late - datetime.timedelta(days=7), until=late
        )
        later = analyses.run_report(
            analyses.UNCONFIRMED_BLOCKS,
            since=late,
            until=late + datetime.timedelta(days=1),
        )

        assert len(report) == 0  # escalated at `late`, not before it
        assert len(later) == 10
        assert {row.reference for row in later} == {task.change.measure.ref}
        assert any(e.kind == EventKind.PROPAGATION_OVERDUE for e in later.rows[0].events)


def test_the_measure_page_says_who_confirmed_and_when(login, x_measure, supervisor_a, task, now):
    staff = actions.register_staff(
        acting_user=None,
        username="kokuho",
        full_name="国保 太郎",
        ward=x_measure.owning_ward,
        role=Role.CLERK,
        password="correct horse battery staple",
        registered_at=now,
    )
    actions.record_training(
        staff=staff, acting_user=None, completed_on=now.date(), course="研修", recorded_at=now
    )
    propagation.grant_section_staff(
        acting_user=None, staff=staff, system=task.system, granted_at=now
    )
    propagation.confirm_task(task=task, acting_user=staff, confirmed_at=now)

    page = login(supervisor_a).get(x_measure.get_absolute_url()).content.decode()

    assert "国保 太郎" in page
    assert "badge--task-confirmed" in page
