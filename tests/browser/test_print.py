"""The print log in Chromium (spec 10.2): the browser's own print of the details page shows no
protected detail, only where to print from; the Print button records the print and the printed
page carries who printed it and when."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from supportmeasures.models import Person, Staff
from tests.browser.test_incident import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_prints_the_details_and_the_print_says_who_and_when(
    page: Page, live_server, screenshot, x: Person, clerk_a: Staff
) -> None:
    base = live_server.url
    log_in(page, base, clerk_a.username)
    page.goto(f"{base}/people/{x.public_id}/acknowledge/")
    page.check("input[name=purpose][value=counter]")
    page.check("#id_confirm")
    page.click("button[name=acknowledge]")
    expect(page.get_by_test_id("address")).to_contain_text("豊岡町")

    # Ctrl+P on the details page prints no detail, only where to print from.
    page.emulate_media(media="print")
    expect(page.get_by_test_id("address")).to_be_hidden()
    expect(page.get_by_text("印刷は「印刷」ボタンから行ってください")).to_be_visible()
    page.emulate_media(media="screen")
    assert not AuditEvent.objects.filter(kind=EventKind.DETAILS_PRINTED).exists()

    page.get_by_role("button", name="印刷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/details/print/$"))
    page.emulate_media(media="print")
    stamp = page.get_by_test_id("print-stamp").first
    expect(stamp).to_be_visible()
    expect(stamp).to_contain_text(
        f"印刷者: {clerk_a.full_name}（{clerk_a.username}） 印刷日時: 令和"
    )
    expect(page.get_by_test_id("address")).to_contain_text("豊岡町")
    expect(page.locator(".site-header__nav")).to_be_hidden()
    screenshot("print-details")

    printed = list(AuditEvent.objects.filter(kind=EventKind.DETAILS_PRINTED))
    assert [(e.actor_id, e.person_public_id) for e in printed] == [(clerk_a.pk, x.public_id)]
