"""The incident replayed the hurried way (issue 10): names typed half in kana, with a confused
kanji or in romaji. Every step must still stop it: the status flagged, the acknowledgement
asked, the plan critical, no approval until reworded, two approvers after, no contact
recorded without them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from inquiries.models import ContactPlan, PlanState, ProtectedStatus, Risk
from supportmeasures.models import Role
from tests.browser.test_incident import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csrf(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


@pytest.mark.parametrize(
    ("subject", "target", "words"),
    [
        # A kanji surname with a kana given name: how people type a name whose kanji they
        # do not know.
        ("山崎 みさき", "山崎 けんいち", "山崎みさきさんが先ほど鶴見区役所に来庁されました"),
        # Given name first in romaji, and the ward written in kana.
        ("Misaki Yamazaki", "Kenichi Yamasaki", "みさきさんは つるみくやくしょ に来られました"),
        # A look-alike kanji (埼 for 崎: another surname, so only ever a possible match).
        ("山埼 美咲", "山埼 健一", "奥様は今日こちらで手続きされました"),
    ],
    ids=["kana-given-name", "romaji-given-name-first", "look-alike-kanji"],
)
def test_the_hurried_incident_is_stopped_at_every_step(
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
    subject,
    target,
    words,
    request,
) -> None:
    base = live_server.url
    second_b = make_staff(ward_b, Role.SUPERVISOR, username="b_supervisor2")
    shot = request.node.callspec.id

    # A's clerk types the subject the hurried way: the status is still flagged.
    log_in(page, base, clerk_a.username)
    page.goto(f"{base}/inquiries/new/")
    page.select_option("#id_to_ward", label=str(ward_b))
    page.fill("#id_subject_name", subject)
    page.fill("#id_question", "国民健康保険の加入状況を教えてください")
    page.fill("#id_reason", "福祉相談の手続きのため")
    page.check("input[name=urgency][value=urgent]")
    page.click("form.card button[type=submit]")
    expect(page.locator(".flag-banner").first).to_be_visible()
    expect(page.locator(".notice--info")).to_have_count(0)  # never "not in the registry"
    inquiry_url = page.url
    log_out(page)
    log_in(page, base, supervisor_a.username)
    page.goto(inquiry_url + "sign-off/")
    page.check("#id_confirm")
    page.click("button[name=sign]")
    log_out(page)

    # B's clerk must acknowledge before reading, and again before planning.
    log_in(page, base, clerk_b.username)
    page.goto(inquiry_url)
    expect(page).to_have_url(re.compile(r"/acknowledge/$"))
    screenshot(f"hurried-{shot}-1-acknowledge")
    page.check("#id_confirm")
    page.click("form.card button[type=submit]")

    # The plan to phone Y, his name typed the hurried way, with the incident's words.
    page.click("a[href*='/inquiries/plans/new/']")
    page.fill("#id_target_name", target)
    page.fill("#id_target_contact", "090-0000-0000")
    page.fill("#id_target_relation", "親族")
    page.check("input[name=channel][value=phone]")
    page.fill("#id_purpose", "保険加入の確認")
    page.check("input[name=categories][value=identity]")
    page.fill("#id_wording", words)
    page.click("button[name=save]")
    expect(page.locator(".flag-banner--counterparty")).to_be_visible()
    expect(page.locator(".risk-reasons")).to_contain_text("相手方（山﨑 健一）")
    screenshot(f"hurried-{shot}-2-plan-critical")
    plan = ContactPlan.objects.get()
    assert (plan.risk, plan.needs_rewording, plan.state) == (
        Risk.CRITICAL,
        True,
        PlanState.AWAITING_APPROVAL,
    )
    assert plan.target_status in (ProtectedStatus.POSSIBLE_MATCH, ProtectedStatus.COUNTERPARTY)
    plan_url = page.url
    # No contact can be recorded: no form, and a hand-made POST is refused and audited.
    expect(page.locator("form[action$='/record/']")).to_have_count(0)
    page.request.post(
        f"{plan_url}record/",
        form={"said": "伝えました", "outcome": "了承", "categories": "identity"},
        headers={"X-CSRFToken": _csrf(page), "Referer": base},
    )
    assert AuditEvent.objects.filter(kind=EventKind.CONTACT_REFUSED).count() == 1
    log_out(page)

    # A supervisor is offered no approval and told why; a hand-made POST changes nothing.
    log_in(page, base, supervisor_b.username)
    page.goto(plan_url)
    expect(page.locator("form[action$='/approve/']")).to_have_count(0)
    expect(page.locator(".notice--error").first).to_be_visible()
    page.request.post(f"{plan_url}approve/", headers={"X-CSRFToken": _csrf(page), "Referer": base})
    assert not plan.approvals.exists()
    log_out(page)

    # Reworded, it is still critical: two different supervisors, then the contact.
    log_in(page, base, clerk_b.username)
    page.goto(plan_url + "edit/")
    page.fill("#id_wording", "保険料のお手続きについて書面をお送りします。")
    page.click("button[name=save]")
    log_out(page)
    plan.refresh_from_db()
    assert (plan.risk, plan.needs_rewording, plan.approvals_needed) == (Risk.CRITICAL, False, 2)
    for n, approver in enumerate((supervisor_b, second_b)):
        log_in(page, base, approver.username)
        page.goto(plan_url)
        page.click("form[action$='/approve/'] button")
        expect(page.locator(".messages")).to_be_visible()
        plan.refresh_from_db()
        assert plan.state == (PlanState.AWAITING_APPROVAL if n == 0 else PlanState.APPROVED)
        log_out(page)
    log_in(page, base, clerk_b.username)
    page.goto(plan_url)
    page.fill("#id_said", "保険料の手続き書類を送付する旨のみ伝えました。")
    page.fill("#id_outcome", "了承")
    page.check("form[action$='/record/'] input[name=categories][value=identity]")
    page.click("form[action$='/record/'] button")
    expect(page.get_by_text("保険料の手続き書類を送付する旨のみ伝えました。")).to_be_visible()
    screenshot(f"hurried-{shot}-3-recorded")
    plan.refresh_from_db()
    assert plan.state == PlanState.CONTACTED
