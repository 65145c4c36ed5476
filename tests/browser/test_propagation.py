"""Issue 12 in Chromium: every linked system confirms the block, or the alarm is raised.

A supervisor decides X's application; the ten linked systems get a task each. Eight confirm:
the resident register's section staff in the browser (a second tab is told it was done), the
tax system through the API with its own token, six other sections by hand. Welfare reports it
could not set the block (escalated at once); the schools never confirm. The deadline passes
(the job run with a later time): the ward's 支援措置責任者 and the auditors are told, and the
measure page shows the schools in red with words. Both confirm late: the alarm clears, on the
measure page and the home page. Every step is in the audit log."""

from __future__ import annotations

import datetime
import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from auditlog import jobs
from auditlog.models import AuditEvent, EventKind
from inquiries.models import Notification
from supportmeasures import actions
from supportmeasures.models import ConfirmationTask, LinkedSystem, Role, Staff, TaskState
from supportmeasures.propagation import actions as propagation
from tests.browser.test_incident import log_in, log_out
from tests.supportmeasures.propagation.defaults import ensure_default_systems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BY_HAND = [
    "koseki_attachment",
    "nhi_pension",
    "long_term_care",
    "child_support",
    "elections",
    "convenience_issuance",
]


def section_staff(make_staff, ward, code: str, now) -> Staff:
    member = make_staff(ward, Role.CLERK, username=f"section_{code}")
    propagation.grant_section_staff(
        acting_user=None,
        staff=member,
        system=LinkedSystem.objects.get(code=code),
        granted_at=now,
    )
    return member


def api_confirm(base: str, token: str, sequence: int) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the live server, http
        f"{base}/api/v1/changes/{sequence}/confirm",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the live server
        assert response.status == 200
        return json.loads(response.read())


def row(page: Page, system: str):
    return page.locator("section[aria-labelledby=linked-systems] tbody tr", has_text=system)


def test_every_system_confirms_or_the_officer_and_the_auditors_are_told(
    page: Page,
    live_server,
    screenshot,
    register,
    make_staff,
    ward_a,
    ward_b,
    clerk_a,
    supervisor_a,
    auditor,
    now,
) -> None:
    base = live_server.url
    ensure_default_systems()  # another transactional test may have flushed them
    measure = register(clerk_a)
    officer = make_staff(ward_a, Role.SUPERVISOR, username="a_officer")
    actions.appoint_responsible_officer(
        acting_user=None, staff=officer, ward=ward_a, appointed_at=now
    )
    register_clerk = section_staff(make_staff, ward_b, "resident_register", now)
    others = {code: section_staff(make_staff, ward_b, code, now) for code in BY_HAND}
    welfare = section_staff(make_staff, ward_b, "welfare", now)
    schools = section_staff(make_staff, ward_b, "schools", now)
    client, token = actions.create_api_client(acting_user=None, name="税務システム", created_at=now)
    LinkedSystem.objects.filter(code="tax").update(confirms_by="api", api_client=client)

    # The decision, in the browser.
    log_in(page, base, supervisor_a.username)
    page.goto(f"{base}{measure.get_absolute_url()}")
    page.get_by_role("link", name="申出を決定").click()
    page.get_by_label("支援措置を実施する").check()
    page.get_by_label("開始日").fill(now.date().isoformat())
    page.get_by_role("button", name="決定を記録").click()
    expect(page).to_have_url(f"{base}{measure.get_absolute_url()}")
    change = measure.block_changes.get(kind="approved")
    assert change.tasks.count() == 10
    assert change.sequence is not None  # numbered at commit
    expect(row(page, "住民記録")).to_contain_text("確認待ち")
    log_out(page)

    # The resident register's section staff confirm in the browser; a second tab is told.
    log_in(page, base, register_clerk.username)
    page.get_by_role("link", name="連携システムの確認依頼").click()
    expect(page.locator("h1")).to_contain_text("連携システムの確認依頼")
    expect(page.get_by_text("山﨑 美咲").first).to_be_visible()
    expect(page.get_by_text("豊岡町")).to_have_count(0)
    page.get_by_role("link", name=re.compile("開く")).first.click()
    expect(page.locator("h1")).to_contain_text("住民記録")
    screenshot("propagation-1-task")
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    page.get_by_role("button", name="制限を設定しました（確認）").click()
    expect(page.locator(".messages")).to_contain_text("確認しました")
    second_tab.get_by_role("button", name="制限を設定しました（確認）").click()
    expect(second_tab.locator(".messages")).to_contain_text("既に確認済み")
    second_tab.close()
    log_out(page)

    # The tax system through the API; six sections by hand; welfare cannot set it.
    api_confirm(base, token, change.sequence)
    tax = change.tasks.get(system__code="tax")
    assert (tax.state, tax.confirmed_via, tax.confirmed_client) == ("confirmed", "api", client)
    for code, member in others.items():
        task = change.tasks.get(system__code=code)
        propagation.confirm_task(task=task, acting_user=member, confirmed_at=now)
    propagation.report_task_failed(
        task=change.tasks.get(system__code="welfare"),
        acting_user=welfare,
        reason="システム改修中のため設定できない",
        failed_at=now,
    )
    assert change.tasks.filter(state=TaskState.CONFIRMED).count() == 8

    # The deadline passes: the job runs later, the officer and the auditors are told.
    later = change.tasks.get(system__code="schools").due_at + datetime.timedelta(minutes=5)
    run = jobs.run_scheduled("escalate-unconfirmed-blocks", now=later, final=True)
    assert run.outcome == "succeeded"
    escalated = change.tasks.exclude(escalated_at=None)
    assert sorted(escalated.values_list("system__code", flat=True)) == ["schools", "welfare"]
    told = set(
        Notification.objects.filter(critical=True, url=measure.get_absolute_url()).values_list(
            "recipient", flat=True
        )
    )
    assert {officer.pk, auditor.pk} <= told
    assert supervisor_a.pk not in told  # the officer was appointed: not every supervisor

    log_in(page, base, officer.username)
    alarm = page.locator(".notice--error", has_text="制限を確認していない連携システム")
    expect(alarm).to_contain_text(measure.ref)
    expect(alarm).to_contain_text("学校")
    alarm.get_by_role("link", name=measure.ref).click()
    expect(row(page, "学校")).to_have_class(re.compile("row--alarm"))
    expect(row(page, "学校")).to_contain_text("期限超過")
    expect(row(page, "学校")).to_contain_text("期限までに確認されていません")
    expect(row(page, "福祉・生活保護")).to_contain_text("設定できず")
    expect(row(page, "税務")).to_contain_text("API経由")
    expect(row(page, "住民記録")).to_contain_text(register_clerk.full_name)
    screenshot("propagation-2-measure-alarm")

    # Late: both confirm. The alarm clears.
    for code, member in (("schools", schools), ("welfare", welfare)):
        propagation.confirm_task(
            task=change.tasks.get(system__code=code),
            acting_user=member,
            confirmed_at=later + datetime.timedelta(minutes=10),
        )
    page.reload()
    expect(page.locator("section[aria-labelledby=linked-systems] .row--alarm")).to_have_count(0)
    expect(row(page, "学校")).to_contain_text("確認済み")
    page.goto(f"{base}/")
    expect(page.get_by_text("制限を確認していない連携システム")).to_have_count(0)
    screenshot("propagation-3-cleared")

    kinds = list(
        AuditEvent.objects.filter(measure_ref=measure.ref, kind__startswith="propagation.")
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds.count(EventKind.PROPAGATION_TASKS_CREATED) == 2  # registered, decided
    assert kinds.count(EventKind.PROPAGATION_CONFIRMED) == 10
    assert kinds.count(EventKind.PROPAGATION_FAILED) == 1
    assert kinds.count(EventKind.PROPAGATION_OVERDUE) == 1
    assert (
        not ConfirmationTask.objects.filter(change=change)
        .exclude(state=TaskState.CONFIRMED)
        .exists()
    )
