"""Issue 15: an untrained supervisor is refused the sign-off and told where to go; takes the
training in the app, fails once (and is told which rules to read again, never the answer),
passes, and can then approve. The screenshots (manual-training-*.png) illustrate the manual."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from inquiries import actions as inquiry_actions
from inquiries.models import Channel, ContactPlan, DisclosureCategory, PlanState
from supportmeasures.models import Role, TrainingRecord
from supportmeasures.training.content import course
from tests.browser.test_incident import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page: Page, wrong: str = "") -> None:
    """Answer the served test: the right choice everywhere except `wrong`'s question."""
    for question in course().modules[Role.SUPERVISOR].questions:
        choice = (
            next(c.id for c in question.choices if c.id != question.answer)
            if question.id == wrong
            else question.answer
        )
        page.check(f"#q-{question.id}-{choice}")


def test_an_untrained_supervisor_takes_the_training_and_can_then_approve(
    page: Page, live_server, screenshot, x_measure, clerk_a, make_staff, ward_a
) -> None:
    base = live_server.url
    supervisor = make_staff(ward_a, Role.SUPERVISOR, trained=False, username="a_supervisor_new")
    plan = inquiry_actions.create_plan(
        acting_user=clerk_a,
        created_at=timezone.now(),
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
    plan_url = f"{base}{plan.get_absolute_url()}"
    module = course().modules[Role.SUPERVISOR]
    missed = module.questions[0]
    missed_page = module.page(missed.page)
    assert missed_page is not None

    # Refused, and told where the training is.
    log_in(page, base, supervisor.username)
    page.goto(plan_url)
    expect(page.locator("form[action$='/approve/']")).to_have_count(0)
    expect(page.locator(".notice--error").first).to_contain_text("年次研修の有効期限が切れています")
    screenshot("manual-training-1-refused")
    page.get_by_role("link", name="研修を受ける").first.click()

    # The module: its rules, then the test.
    expect(page.locator("h1")).to_have_text(module.title.ja)
    screenshot("manual-training-2-module")
    page.get_by_role("link", name="きまりを読む").click()
    expect(page.locator("h1")).to_have_text(module.pages[0].title.ja)
    screenshot("manual-training-3-rule")
    page.get_by_role("link", name="次のきまり").click()
    expect(page.locator("h1")).to_have_text(module.pages[1].title.ja)
    page.goto(f"{base}/training/test/")
    expect(page.locator("fieldset")).to_have_count(len(module.questions))
    screenshot("manual-training-4-test")

    # Fails once: told which rule to read again, not the answer; nothing recorded.
    _answer(page, wrong=missed.id)
    page.get_by_role("button", name="解答を送信する").click()
    expect(page.locator(".training-failed")).to_be_visible()
    reread = page.locator(".training-reread a")
    expect(reread).to_have_count(1)
    expect(reread).to_have_text(missed_page.title.ja)
    right = next(c for c in missed.choices if c.id == missed.answer)
    expect(page.get_by_text(right.text.ja)).to_have_count(0)
    screenshot("manual-training-5-failed")
    assert AuditEvent.objects.filter(kind=EventKind.TRAINING_FAILED).count() == 1
    assert not TrainingRecord.objects.filter(staff=supervisor, recorded_by=supervisor).exists()
    reread.click()
    expect(page.locator("h1")).to_have_text(missed_page.title.ja)

    # Passes: the year's training is recorded.
    page.goto(f"{base}/training/test/")
    _answer(page)
    page.get_by_role("button", name="解答を送信する").click()
    expect(page.locator(".training-passed")).to_be_visible()
    screenshot("manual-training-6-passed")
    assert TrainingRecord.objects.filter(staff=supervisor, recorded_by=supervisor).count() == 1

    # And can now decide: the approval is offered and taken.
    page.goto(plan_url)
    expect(page.get_by_role("link", name="研修を受ける")).to_have_count(0)
    page.click("form[action$='/approve/'] button")
    expect(page.locator(".messages")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(plan.get_absolute_url())))
    screenshot("manual-training-7-approved")
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    assert ContactPlan.objects.get(pk=plan.pk).approvals.get().approver == supervisor
    log_out(page)
