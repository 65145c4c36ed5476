"""Two factors in Chromium (issue 13): the first login sets up an authenticator app from the
QR page's key and shows the recovery codes; a security key is registered on the security
page and then replaces the code at login (a virtual authenticator through the DevTools
protocol, under the app's CSP: no inline script)."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from tests.conftest import PASSWORD, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")


def watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return problems


def test_the_first_login_sets_up_an_authenticator_and_the_next_one_asks_for_its_code(
    page: Page, live_server, screenshot, clerk_a
) -> None:
    problems = watch(page)
    base = live_server.url

    password(page, base, clerk_a.username)
    expect(page.get_by_role("heading", name="二要素認証の設定")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    screenshot("second-factor-enrol")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_otp_token", f"{TOTP(key).token():06d}")
    page.click("form.card button[type=submit]")

    expect(page.get_by_role("heading", name="予備コード")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="書き留めました").click()
    expect(page.locator(".site-header__user")).to_contain_text(clerk_a.username)
    page.click(".site-header__user button")

    password(page, base, clerk_a.username)
    expect(page.get_by_role("heading", name="二要素認証")).to_be_visible()
    page.goto(f"{base}/search/")  # typed by hand: back to the second factor
    expect(page).to_have_url(f"{base}/accounts/second-factor/?next=%2Fsearch%2F")
    pass_second_factor(page, clerk_a.username)
    expect(page).to_have_url(f"{base}/search/")
    expect(page.locator(".site-header__user")).to_contain_text(clerk_a.username)
    assert TOTPDevice.objects.get(user=clerk_a).confirmed
    assert AuditEvent.objects.filter(kind=EventKind.SECOND_FACTOR_ENROLLED).count() == 1
    assert not problems, problems


def test_a_security_key_is_registered_and_then_replaces_the_code(
    page: Page, live_server, settings, screenshot, clerk_a
) -> None:
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    problems = watch(page)
    base = live_server.url
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    password(page, base, clerk_a.username)
    pass_second_factor(page, clerk_a.username)
    expect(page.locator(".site-header__user")).to_contain_text(clerk_a.username)

    page.goto(f"{base}/accounts/security/")
    page.get_by_role("button", name="セキュリティキーを登録する").click()
    expect(page.locator("#security-keys")).not_to_contain_text("なし", timeout=10000)
    screenshot("security-key-registered")
    page.click(".site-header__user button")
    password(page, base, clerk_a.username)
    page.wait_for_url("**/accounts/second-factor/**")
    page.wait_for_load_state("load")  # the key's script is attached before the click
    page.get_by_role("button", name="セキュリティキーを使う").click()

    # The ceremony is three requests and the authenticator: a loaded machine needs time.
    expect(page.locator(".site-header__user")).to_contain_text(clerk_a.username, timeout=15000)
    (key,) = WebAuthnCredential.objects.filter(user=clerk_a)
    assert key.confirmed
    registered = AuditEvent.objects.get(kind=EventKind.SECOND_FACTOR_ENROLLED)
    assert (registered.actor_id, registered.data["device"]) == (clerk_a.pk, "webauthn")
    assert not [p for p in problems if "Content Security Policy" in p or "500" in p], problems
