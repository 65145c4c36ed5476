"""The incident, replayed in Chromium: the flag travels, the details wait for a promise."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from tests.conftest import PASSWORD, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    pass_second_factor(page, username)
    expect(page.locator(".site-header__user")).to_contain_text(username)


def log_out(page: Page) -> None:
    page.click(".site-header__user button")


def test_ward_b_sees_the_counterparty_and_ward_a_must_acknowledge_before_the_address(
    page: Page, live_server, screenshot, x, y, clerk_a, clerk_b
) -> None:
    base = live_server.url

    # B's clerk searches Y, written with the common 崎 instead of the registered 﨑.
    log_in(page, base, clerk_b.username)
    page.goto(f"{base}/search/")
    page.fill("#id_name", "山崎健一")
    page.click("form[role=search] button[type=submit]")
    row = page.locator("tbody tr", has_text="山﨑 健一")
    expect(row.locator(".badge--counterparty")).to_be_visible()
    screenshot("1-ward-b-search-counterparty")
    # B's clerk sees X flagged, but her address is withheld and the details URL is a 404.
    page.goto(f"{base}{x.get_absolute_url()}")
    expect(page.locator(".flag-banner--protected")).to_be_visible()
    expect(page.locator(".withheld").first).to_be_visible()
    expect(page.get_by_text("豊岡町")).to_have_count(0)
    response = page.goto(f"{base}/people/{x.public_id}/details/")
    assert response is not None and response.status == 404
    log_out(page)

    # A's clerk opens X: the acknowledgement page comes first.
    log_in(page, base, clerk_a.username)
    page.goto(f"{base}{x.get_absolute_url()}")
    page.click(f"a[href='/people/{x.public_id}/acknowledge/']")
    expect(page).to_have_url(re.compile(r"/acknowledge/$"))
    expect(page.locator(".ack-panel")).to_be_visible()
    screenshot("2-ward-a-acknowledgement")
    # Submitting without the promise is refused; nothing opens.
    page.check("input[name=purpose][value=counter]")
    page.click("button[name=acknowledge]")
    expect(page.locator("#id_confirm[aria-invalid=true]")).to_be_visible()
    page.check("#id_confirm")
    page.click("button[name=acknowledge]")
    expect(page).to_have_url(re.compile(r"/details/$"))
    expect(page.locator("[data-testid=address]")).to_contain_text("横浜市鶴見区豊岡町20-1")
    screenshot("3-ward-a-details")

    kinds = list(
        AuditEvent.objects.filter(actor=clerk_a).order_by("sequence").values_list("kind", flat=True)
    )
    assert kinds[-2:] == [EventKind.DETAILS_ACKNOWLEDGED, EventKind.DETAILS_VIEWED]
    assert not AuditEvent.objects.filter(actor=clerk_b, kind=EventKind.DETAILS_VIEWED).exists()
