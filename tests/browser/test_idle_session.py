"""The idle session's warning in Chromium: it appears before the limit, in Japanese, and its
button keeps the session (a ping the server counts as activity)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_warns_before_the_idle_limit_and_the_button_keeps_the_session(
    page: Page, live_server, settings, screenshot, clerk_a
) -> None:
    settings.MAMORI_IDLE_MINUTES = 1
    settings.MAMORI_IDLE_WARNING_SECONDS = 57  # shown 3 seconds after the page loads
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", clerk_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    pass_second_factor(page, clerk_a.username)

    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=8000)
    expect(warning).to_contain_text("1分間操作がないと、自動的にログアウトします")
    screenshot("idle-warning")
    with page.expect_response("**/accounts/stay_signed_in/") as ping:
        warning.get_by_role("button", name="ログインを続ける").click()

    assert ping.value.status == 200
    expect(warning).to_be_hidden()
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []  # no CSP violation, no script error


def test_working_in_another_tab_keeps_this_tab_from_warning_or_reloading(
    page: Page, live_server, settings, clerk_a
) -> None:
    """One session, two tabs: a page opened in the second counts for the first, whose warning
    goes away (it would otherwise reload at the limit, losing what was typed in it)."""
    settings.MAMORI_IDLE_MINUTES = 1
    settings.MAMORI_IDLE_WARNING_SECONDS = 57  # shown 3 seconds after a page loads
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", clerk_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    pass_second_factor(page, clerk_a.username)
    page.goto(f"{live_server.url}/inquiries/new/")
    page.fill("#id_question", "国民健康保険の加入状況を教えてください")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_visible(timeout=8000)

    other = page.context.new_page()
    other.goto(f"{live_server.url}/search/")

    expect(warning).to_be_hidden(timeout=10000)  # the other tab loads first
    assert page.input_value("#id_question") == "国民健康保険の加入状況を教えてください"
    other.close()
