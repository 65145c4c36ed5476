"""Two factors for every member of staff (issue 13): the real login, password then code, never
force_login. An unverified session reaches nothing but the second factor's pages; wrong codes
are refused, throttled, counted and recorded; recovery codes work once; the first login
enrols; nobody switches their own off; an administrator's reset of another is recorded."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.actions import second_factor
from supportmeasures.models import Role, Staff
from supportmeasures.refusals import NotPermitted
from tests.conftest import PASSWORD, authenticator, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/second-factor/"
ENROL = "/accounts/second-factor/enrol/"


@pytest.fixture(autouse=True)
def _english(in_english: None, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 1


@pytest.fixture(autouse=True)
def _roles(db: None) -> None:
    """The roles and the administrator's admin rights (migration 0002's data), which a
    browser test's flush removes."""
    migration = importlib.import_module("supportmeasures.migrations.0002_roles")
    for role in migration.ROLES:
        Group.objects.get_or_create(name=role)
    Group.objects.get(name=Role.ADMINISTRATOR).permissions.add(
        *(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in migration.ADMIN_PERMS
        )
    )


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


def password_only(staff: Staff, address: str = "10.0.0.1") -> Client:
    """The first step of the real login: the password. The session is not verified yet."""
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(LOGIN, {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    assert "_auth_user_id" in client.session
    return client


def enrolled(staff: Staff) -> Staff:
    authenticator(staff)
    return staff


def recovery_codes(staff: Staff) -> list[str]:
    """Recovery codes as enrolment would give them (through the action)."""
    device = second_factor.start_enrolment(user=staff)
    return second_factor.confirm_enrolment(
        user=staff, code=totp_code_of(device), enrolled_at=timezone.now()
    )


@pytest.fixture
def clerk(make_staff, ward_a) -> Staff:
    return make_staff(ward_a, Role.CLERK)


@pytest.fixture
def administrator(make_staff, ward_a) -> Staff:
    return make_staff(ward_a, Role.ADMINISTRATOR, username="admin")


class TestAnUnverifiedSession:
    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("get", "/"),
            ("get", "/search/"),
            ("get", "/measures/"),
            ("get", "/inquiries/"),
            ("get", "/inquiries/queue/"),
            ("get", "/audit/"),
            ("get", "/training/"),
            ("get", "/admin/"),
            ("get", "/admin/supportmeasures/staff/"),
            ("get", "/accounts/password_change/"),
            ("get", "/accounts/security/"),
            ("post", "/accounts/security/"),
            ("post", "/accounts/webauthn/registration/begin/"),
            ("post", "/accounts/webauthn/registration/complete/"),
            ("get", "/no-such-page/"),
            ("post", "/search/"),
        ],
    )
    def test_is_sent_to_the_second_factor_from_every_other_url(self, clerk, method, url):
        client = password_only(enrolled(clerk))

        response = getattr(client, method)(url)

        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)

    def test_keeps_where_it_was_going_for_after_the_code(self, clerk):
        client = password_only(enrolled(clerk))

        response = client.get("/search/?q=x")

        assert response["Location"] == VERIFY + "?next=%2Fsearch%2F%3Fq%3Dx"

    def test_without_a_device_is_sent_to_the_enrolment(self, clerk):
        client = password_only(clerk)

        assert client.get("/").headers["Location"] == ENROL
        assert client.get(VERIFY).headers["Location"] == ENROL

    def test_reaches_the_second_factor_logout_language_and_health(self, clerk):
        client = password_only(enrolled(clerk))

        assert client.get(VERIFY).status_code == 200
        assert client.get("/healthz").status_code == 200
        language = client.post("/i18n/setlang/", {"language": "ja", "next": VERIFY})
        assert language["Location"] == VERIFY
        assert client.post("/accounts/logout/").status_code == 302
        assert "_auth_user_id" not in client.session

    def test_may_read_the_manual_to_set_up_its_second_factor(self, clerk):
        client = password_only(clerk)  # the first login: no authenticator yet

        page = client.get("/help/")

        assert page.status_code == 200
        assert 'id="second-factor"' in page.content.decode()
        assert client.get("/help/clerk/").status_code == 200
        assert client.get("/search/").headers["Location"] == ENROL  # and nothing else

    def test_sees_no_menu(self, clerk):
        client = password_only(enrolled(clerk))

        page = client.get(VERIFY).content.decode()

        assert "/search/" not in page and "/accounts/logout/" in page

    def test_does_not_change_the_token_authenticated_api(self, clerk, now):
        _, token = actions.create_api_client(name="税務システム", acting_user=None, created_at=now)
        client = password_only(enrolled(clerk))

        response = client.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {token}")
        without = client.get("/api/v1/ping")

        assert response.status_code == 200
        assert without.status_code == 401


class TestTheCode:
    def test_the_right_code_verifies_the_session(self, clerk):
        client = password_only(enrolled(clerk))

        response = client.post(VERIFY, {"otp_token": totp_code(clerk), "next": "/search/"})

        assert response["Location"] == "/search/"
        assert client.get("/search/").status_code == 200

    def test_a_next_to_another_site_is_not_followed(self, clerk):
        client = password_only(enrolled(clerk))

        response = client.post(
            VERIFY, {"otp_token": totp_code(clerk), "next": "https://evil.example/"}
        )

        assert response["Location"] == "/"

    def test_a_wrong_code_is_refused_and_recorded_as_a_failed_login(self, clerk):
        client = password_only(enrolled(clerk))
        right = totp_code(clerk)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"

        response = client.post(VERIFY, {"otp_token": wrong})

        assert response.status_code == 400
        assert "That code is not right, or was used already" in response.content.decode()
        assert client.get("/").status_code == 302
        (event,) = events(EventKind.LOGIN_FAILED)
        assert event.reason == "second factor"
        assert event.data["username"] == clerk.username
        assert event.data["staff_id"] == clerk.pk
        assert wrong not in str(event.data)

    @pytest.mark.parametrize("typed", ["", "12345", "1234567", "abc", "１２３４５６７８９０" * 4])
    def test_nonsense_is_refused_with_a_message_never_a_500(self, clerk, typed):
        client = password_only(enrolled(clerk))

        response = client.post(VERIFY, {"otp_token": typed})

        assert response.status_code == 400
        assert client.get("/").status_code == 302

    def test_after_a_wrong_code_the_right_one_waits(self, clerk):
        client = password_only(enrolled(clerk))
        client.post(VERIFY, {"otp_token": "000000" if totp_code(clerk) != "000000" else "111111"})

        response = client.post(VERIFY, {"otp_token": totp_code(clerk)})

        assert response.status_code == 400
        assert "Too many wrong codes" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_repeated_wrong_codes_lock_the_account_and_end_the_session(self, clerk):
        client = password_only(enrolled(clerk))
        wrong = "000000" if totp_code(clerk) != "000000" else "111111"

        responses = [client.post(VERIFY, {"otp_token": wrong}) for _ in range(5)]

        assert [r.status_code for r in responses] == [400, 400, 400, 400, 429]
        assert "_auth_user_id" not in client.session
        again = Client(REMOTE_ADDR="10.0.0.2").post(
            LOGIN, {"username": clerk.username, "password": PASSWORD}
        )
        assert again.status_code == 429
        assert len(events(EventKind.LOGIN_FAILED)) >= 5
        assert len(events(EventKind.ACCOUNT_LOCKED)) == 1

    def test_logging_in_again_with_the_password_buys_no_more_guesses_at_the_code(self, clerk):
        wrong = "000000" if totp_code(clerk) != "000000" else "111111"
        first = password_only(enrolled(clerk))
        for _ in range(4):
            first.post(VERIFY, {"otp_token": wrong})

        # The password is known: a new login. The four wrong codes still count.
        second = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        second.post(LOGIN, {"username": clerk.username, "password": PASSWORD})
        fifth = second.post(VERIFY, {"otp_token": wrong})

        assert fifth.status_code == 429
        assert len(events(EventKind.ACCOUNT_LOCKED)) == 1

    def test_passing_the_second_factor_clears_the_failures(self, clerk):
        wrong = "000000" if totp_code(clerk) != "000000" else "111111"
        client = password_only(enrolled(clerk))
        for _ in range(3):
            client.post(VERIFY, {"otp_token": wrong})
        device = TOTPDevice.objects.get(user=clerk)
        device.throttle_reset()  # django-otp's own delay is not what is tested here

        client.post(VERIFY, {"otp_token": totp_code(clerk)})

        assert not AccessAttempt.objects.filter(username=clerk.username).exists()

    def test_a_code_cannot_be_used_twice(self, clerk):
        first = password_only(enrolled(clerk))
        code = totp_code(clerk)
        first.post(VERIFY, {"otp_token": code})
        second = password_only(clerk, address="10.0.0.3")

        response = second.post(VERIFY, {"otp_token": code})

        assert response.status_code == 400
        assert "wait for the next code" in response.content.decode()
        assert second.get("/").status_code == 302


class TestSecurityKeys:
    def test_a_refused_key_is_a_failed_login(self, clerk):
        client = password_only(enrolled(clerk))

        response = client.post(
            "/accounts/webauthn/authentication/complete/",
            '{"id": "x", "rawId": "x", "response": {}, "type": "public-key"}',
            content_type="application/json",
        )

        assert response.status_code == 400
        assert client.get("/").status_code == 302
        (event,) = events(EventKind.LOGIN_FAILED)
        assert (event.reason, event.data["staff_id"]) == ("second factor", clerk.pk)

    def test_registering_a_key_needs_a_verified_session(self, clerk):
        client = password_only(enrolled(clerk))

        response = client.post("/accounts/webauthn/registration/begin/")

        assert response.status_code == 302
        assert "otp_webauthn_register_state" not in client.session


class TestRecoveryCodes:
    def test_a_recovery_code_works_once_only(self, clerk):
        codes = recovery_codes(clerk)
        first = password_only(clerk)

        used = first.post(VERIFY, {"otp_token": codes[0].upper()})
        second = password_only(clerk, address="10.0.0.4")
        again = second.post(VERIFY, {"otp_token": codes[0]})

        assert used.status_code == 302
        assert first.get("/").status_code == 200
        assert again.status_code == 400
        assert second.get("/").status_code == 302
        assert StaticToken.objects.filter(device__user=clerk).count() == 9

    def test_new_codes_need_a_fresh_code_and_the_old_ones_stop_working(self, clerk):
        old = recovery_codes(clerk)
        client = password_only(clerk)
        client.post(VERIFY, {"otp_token": totp_code(clerk)})

        refused = client.post("/accounts/security/", {"otp_token": old[1]})
        renewed = client.post("/accounts/security/", {"otp_token": totp_code(clerk)})

        assert refused.status_code == 400
        assert renewed.status_code == 200
        new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", renewed.content.decode())
        assert len(new) == 10 and not set(new) & set(old)
        assert not StaticToken.objects.filter(token=old[1].replace("-", "")).exists()
        (renewal,) = [
            e for e in events(EventKind.SECOND_FACTOR_ENROLLED) if e.decision == "renewed"
        ]
        assert renewal.actor_id == clerk.pk
        assert not any(code.replace("-", "") in str(renewal.data) for code in new)


class TestEnrolment:
    def test_the_first_login_enrols_an_authenticator_then_shows_the_recovery_codes(self, clerk):
        client = password_only(clerk)
        page = client.get(ENROL)
        device = TOTPDevice.objects.get(user=clerk, confirmed=False)
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.content.decode())

        wrong = client.post(ENROL, {"otp_token": "12"})
        done = client.post(ENROL, {"otp_token": totp_code_of(device)})

        assert page.status_code == 200 and "<svg" in page.content.decode()
        assert secret and secret.group(1).replace(" ", "") in device.config_url
        assert wrong.status_code == 400
        assert done.status_code == 200
        codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.content.decode())
        assert len(codes) == 10
        assert TOTPDevice.objects.get(user=clerk).confirmed
        assert StaticDevice.objects.get(user=clerk).token_set.count() == 10
        (event,) = events(EventKind.SECOND_FACTOR_ENROLLED)
        assert (event.actor_id, event.data["device"]) == (clerk.pk, "totp")
        assert client.get("/").status_code == 200

    def test_the_secret_stays_the_same_on_reload_and_is_gone_once_enrolled(self, clerk):
        client = password_only(clerk)

        first = client.get(ENROL).content
        second = client.get(ENROL).content
        client.post(ENROL, {"otp_token": totp_code_of(TOTPDevice.objects.get(user=clerk))})

        assert first == second or TOTPDevice.objects.filter(user=clerk).count() == 1
        assert client.get(ENROL)["Location"] == "/accounts/security/"

    def test_an_enrolled_member_cannot_enrol_a_second_app_over_the_first(self, clerk):
        client = password_only(enrolled(clerk))

        response = client.get(ENROL)

        assert response["Location"] == VERIFY
        assert TOTPDevice.objects.filter(user=clerk).count() == 1


def totp_code_of(device: TOTPDevice) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def verified(staff: Staff) -> Client:
    client = password_only(staff)
    response = client.post(VERIFY, {"otp_token": totp_code(staff)})
    assert response.status_code == 302
    return client


class TestNoSwitchOff:
    def test_an_administrator_cannot_reset_their_own(self, administrator, now):
        enrolled(administrator)

        with pytest.raises(NotPermitted):
            second_factor.reset_second_factor(
                acting_user=administrator, staff=administrator, reset_at=now
            )

        assert TOTPDevice.objects.filter(user=administrator).exists()
        assert not events(EventKind.SECOND_FACTOR_RESET)

    def test_the_admin_action_on_oneself_changes_nothing(self, administrator):
        client = verified(enrolled(administrator))

        response = client.post(
            "/admin/supportmeasures/staff/",
            {"action": "reset_second_factor_selected", "_selected_action": [administrator.pk]},
            follow=True,
        )

        assert "Nobody can reset their own second factor." in response.content.decode()
        assert TOTPDevice.objects.filter(user=administrator).exists()
        assert not events(EventKind.SECOND_FACTOR_RESET)

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/otp_totp/totpdevice/",
            "/admin/otp_static/staticdevice/",
            "/admin/django_otp_webauthn/webauthncredential/",
        ],
    )
    def test_the_devices_have_no_admin_pages(self, administrator, url):
        client = verified(enrolled(administrator))

        assert client.get(url).status_code == 404

    def test_the_security_page_offers_no_removal(self, clerk):
        client = verified(enrolled(clerk))

        page = client.get("/accounts/security/").content.decode()

        assert "delete" not in page.lower() and "remove" not in page.lower()


class TestAnAdministratorsReset:
    def test_is_recorded_and_the_member_enrols_again_at_the_next_login(self, administrator, clerk):
        recovery_codes(clerk)
        clerk_session = verified(clerk)
        client = verified(enrolled(administrator))

        response = client.post(
            "/admin/supportmeasures/staff/",
            {"action": "reset_second_factor_selected", "_selected_action": [clerk.pk]},
            follow=True,
        )

        assert "Second factor reset: 1." in response.content.decode()
        assert not TOTPDevice.objects.filter(user=clerk).exists()
        assert not StaticDevice.objects.filter(user=clerk).exists()
        (event,) = events(EventKind.SECOND_FACTOR_RESET)
        assert (event.actor_id, event.data["staff_id"]) == (administrator.pk, clerk.pk)
        assert event.data["devices_removed"] == 2
        assert clerk_session.get("/").status_code == 302  # the device of its session is gone
        assert password_only(clerk, address="10.0.0.9").get("/")["Location"] == ENROL

    def test_is_refused_to_anyone_but_an_administrator(self, make_staff, ward_a, clerk, now):
        supervisor = make_staff(ward_a, Role.SUPERVISOR)
        enrolled(clerk)

        with pytest.raises(NotPermitted):
            second_factor.reset_second_factor(acting_user=supervisor, staff=clerk, reset_at=now)

        assert TOTPDevice.objects.filter(user=clerk).exists()
