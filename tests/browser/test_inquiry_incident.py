"""The incident of the seed report, replayed in Chromium, and refused where it went wrong."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from inquiries.models import ContactPlan, Notification, PlanState
from supportmeasures.models import Role
from tests.browser.test_incident import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INCIDENT_WORDS = "Xさんが先ほどA区役所に来庁されました"


def test_the_incident_cannot_happen_again(
    page: Page,
    live_server,
    screenshot,
    x,
    y,
    clerk_a,
    supervisor_a,
    clerk_b,
    supervisor_b,
    make_staff,
    ward_b,
    auditor,
) -> None:
    base = live_server.url
    second_b = make_staff(ward_b, Role.SUPERVISOR, username="b_supervisor2")

    # A's clerk drafts an inquiry to B about X; the status is computed, not typed.
    log_in(page, base, clerk_a.username)
    page.goto(f"{base}/inquiries/new/")
    page.select_option("#id_to_ward", label=str(ward_b))
    page.fill("#id_subject_name", "山崎 美咲")
    page.fill("#id_question", "国民健康保険の加入状況を教えてください")
    page.fill("#id_reason", "福祉相談の手続きのため")
    page.check("input[name=urgency][value=urgent]")
    page.click("form.card button[type=submit]")
    expect(page.locator(".flag-banner--protected")).to_be_visible()
    inquiry_url = page.url
    log_out(page)

    # A's supervisor signs it off, the protected status first.
    log_in(page, base, supervisor_a.username)
    page.goto(inquiry_url.replace(base, base) + "sign-off/")
    expect(page.locator(".flag-banner--protected")).to_be_visible()
    page.check("#id_confirm")
    page.click("button[name=sign]")
    expect(page.locator(".messages")).to_be_visible()
    screenshot("4-inquiry-signed-off")
    log_out(page)

    # B's clerk must acknowledge the status before reading.
    log_in(page, base, clerk_b.username)
    page.goto(inquiry_url)
    expect(page).to_have_url(re.compile(r"/acknowledge/$"))
    screenshot("5-ward-b-acknowledge-inquiry")
    page.check("#id_confirm")
    page.click("form.card button[type=submit]")
    expect(page.get_by_text("国民健康保険の加入状況を教えてください")).to_be_visible()

    # B's clerk plans the call to Y with the incident's words: critical, and the guard shows why.
    page.click("a[href*='/inquiries/plans/new/']")
    page.fill("#id_target_name", "山崎 健一")
    page.fill("#id_target_kana", "やまさき けんいち")
    page.fill("#id_target_contact", "090-0000-0000")
    page.fill("#id_target_relation", "親族")
    page.check("input[name=channel][value=phone]")
    page.fill("#id_purpose", "保険加入の確認")
    page.check("input[name=categories][value=identity]")
    page.fill("#id_wording", INCIDENT_WORDS)
    page.click("button[name=check]")
    expect(page.locator("mark.finding--office")).to_have_text("A区役所")
    expect(page.locator("mark.finding--visit")).to_have_text("来庁されました")
    screenshot("6-plan-guard-findings")
    page.click("button[name=save]")
    expect(page.locator(".flag-banner--counterparty")).to_be_visible()
    plan = ContactPlan.objects.get()
    assert plan.risk == "critical"
    # The clerk is offered no approval, and a hand-made POST changes nothing.
    expect(page.get_by_role("button", name=re.compile("承認"))).to_have_count(0)
    page.request.post(
        f"{base}/inquiries/plans/{plan.public_id}/approve/",
        headers={
            "X-CSRFToken": next(
                c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"
            ),
            "Referer": base,
        },
    )
    assert not plan.approvals.exists()
    plan_url = page.url
    log_out(page)

    # One supervisor alone cannot approve it: the wording must change first.
    log_in(page, base, supervisor_b.username)
    page.goto(plan_url)
    # No approve button is offered; the page says why.
    expect(page.locator("form[action$='/approve/']")).to_have_count(0)
    expect(page.locator(".notice--error").first).to_contain_text("文言を修正するまで承認できません")
    screenshot("7-plan-refused-wording")
    log_out(page)

    # The clerk rewords; then two different supervisors approve.
    log_in(page, base, clerk_b.username)
    page.goto(plan_url + "edit/")
    page.fill("#id_wording", "保険料のお手続きについて書面をお送りします。")
    page.click("button[name=save]")
    log_out(page)
    for approver in (supervisor_b, second_b):
        log_in(page, base, approver.username)
        page.goto(plan_url)
        page.click("form[action$='/approve/'] button")
        expect(page.locator(".messages")).to_be_visible()
        log_out(page)
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED

    # The contact is logged against the approved plan.
    log_in(page, base, clerk_b.username)
    page.goto(plan_url)
    page.fill("#id_said", "保険料の手続き書類を送付する旨のみ伝えました。")
    page.fill("#id_outcome", "了承")
    page.check("form[action$='/record/'] input[name=categories][value=identity]")
    page.click("form[action$='/record/'] button")
    expect(page.get_by_text("保険料の手続き書類を送付する旨のみ伝えました。")).to_be_visible()
    screenshot("8-contact-recorded")

    plan.refresh_from_db()
    assert plan.state == PlanState.CONTACTED
    # A's support-measure desk heard of the inquiry's plan about its resident.
    assert Notification.objects.filter(recipient=clerk_a, url=plan.get_absolute_url()).exists()
    steps = [
        k
        for k in AuditEvent.objects.order_by("sequence").values_list("kind", flat=True)
        if k.startswith(("inquiry.", "plan."))
    ]
    assert steps == [
        EventKind.INQUIRY_CREATED,
        EventKind.INQUIRY_SIGNED_OFF,
        EventKind.INQUIRY_ACKNOWLEDGED,
        EventKind.PLAN_CREATED,
        EventKind.PLAN_UPDATED,
        EventKind.PLAN_APPROVED,
        EventKind.PLAN_APPROVED,
        EventKind.CONTACT_RECORDED,
    ]

    # After the incident the first question is "who learned what about X, and when?".
    log_out(page)
    log_in(page, base, auditor.username)
    page.goto(f"{base}/audit/")
    page.fill("#id_person", "山崎 美咲")  # typed without the variant 﨑, still found
    page.click("form.card button.button--primary")
    page.get_by_role("link", name=re.compile("山﨑 美咲")).click()
    expect(page.locator("h1")).to_contain_text("山﨑 美咲")
    cells = page.locator("table.data-table tbody tr td:nth-child(5)").all_inner_texts()
    with translation.override("ja"):
        story = [
            str(EventKind(k).label)
            for k in [
                EventKind.APPLICATION_REGISTERED,
                EventKind.MEASURE_APPROVED,
                *steps,
            ]
        ]
    shown = iter(cells)
    assert all(label in shown for label in story), (story, cells)  # all of them, in order
    screenshot("9-auditor-person-history")
    page.goto(f"{base}/audit/dashboard/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    screenshot("10-auditor-dashboard")
