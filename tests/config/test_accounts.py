"""Logging in and staff accounts (issue 13): lockout and its audit events, the administrators'
unlock, passwords (length, breached lists, changing one's own), the idle session, and what
the Django admin may change (recorded) or not (refused)."""

from __future__ import annotations

import datetime
import importlib
import json
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from config.middleware import LAST_ACTIVITY
from supportmeasures.actions import accounts
from supportmeasures.models import Role, Staff, Ward
from supportmeasures.passwords import BreachedPasswordValidator, is_breached
from supportmeasures.refusals import ActionRefused, NotPermitted
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "not-the-password-at-all"
NEW_PASSWORD = "kV9#mq2!Lp0zTw-river"


@pytest.fixture(autouse=True)
def _roles(db: None) -> None:
    """The roles and the administrator's admin rights come from a data migration; a browser
    test (transaction=True) flushes them. Put them back as migration 0002 made them."""
    migration = importlib.import_module("supportmeasures.migrations.0002_roles")
    for role in migration.ROLES:
        Group.objects.get_or_create(name=role)
    Group.objects.get(name=Role.ADMINISTRATOR).permissions.add(
        *(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in migration.ADMIN_PERMS
        )
    )


@pytest.fixture(autouse=True)
def _english(in_english: None, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 1  # hour


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


def attempt(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en").post(
        LOGIN, {"username": username, "password": password}
    )


def logged_in(response: Any) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.fixture
def administrator(make_staff, ward_a) -> Staff:
    return make_staff(ward_a, Role.ADMINISTRATOR, username="admin")


class TestFailedLogins:
    def test_each_failure_is_an_event_with_the_name_and_address_never_the_password(self, clerk_a):
        response = attempt("a_clerk", WRONG)

        assert response.status_code == 200
        [event] = events(EventKind.LOGIN_FAILED)
        assert event.data == {"username": "a_clerk", "address": "10.0.0.1", "staff_id": clerk_a.pk}
        assert event.actor_id is None
        assert WRONG not in json.dumps(event.content(), ensure_ascii=False)

    def test_an_unknown_name_is_recorded_with_no_account(self, db):
        attempt("nobody-here", WRONG)

        [event] = events(EventKind.LOGIN_FAILED)
        assert event.data["username"] == "nobody-here"
        assert event.data["staff_id"] is None

    def test_a_successful_login_is_not_a_failure(self, clerk_a):
        assert logged_in(attempt("a_clerk", PASSWORD))
        assert events(EventKind.LOGIN_FAILED) == []


class TestLockout:
    def test_the_fifth_failure_locks_the_account_with_our_page_and_one_event(self, clerk_a):
        for _ in range(4):
            assert attempt("a_clerk", WRONG).status_code == 200

        fifth = attempt("a_clerk", WRONG)

        assert fifth.status_code == 429
        page = fifth.content.decode()
        assert "Login locked" in page and "5 failed attempts" in page and "60 minutes" in page
        assert "django-axes" not in page.lower()
        [locked] = events(EventKind.ACCOUNT_LOCKED)
        assert locked.data["username"] == "a_clerk"
        assert locked.data["failures"] == {"username": 5, "address": 5}
        assert len(events(EventKind.LOGIN_FAILED)) == 5

    def test_the_right_password_is_refused_while_locked_and_not_a_second_lockout(self, clerk_a):
        for _ in range(5):
            attempt("a_clerk", WRONG)

        right = attempt("a_clerk", PASSWORD, address="10.0.0.2")  # another counter PC

        assert right.status_code == 429 and not logged_in(right)
        assert len(events(EventKind.ACCOUNT_LOCKED)) == 1
        assert len(events(EventKind.LOGIN_FAILED)) == 6

    def test_an_address_trying_many_names_is_locked_for_every_name(self, clerk_a, clerk_b):
        for n in range(20):
            attempt(f"guess{n}", WRONG, address="10.9.9.9")

        assert attempt("b_clerk", PASSWORD, address="10.9.9.9").status_code == 429
        assert logged_in(attempt("b_clerk", PASSWORD, address="10.0.0.3"))
        [locked] = events(EventKind.ACCOUNT_LOCKED)
        assert locked.data["failures"] == {"username": 1, "address": 20}

    def test_a_few_mistakes_across_an_office_sharing_an_address_lock_nobody_else(
        self, clerk_a, clerk_b
    ):
        for n in range(19):
            attempt(f"typo{n % 6}", WRONG, address="10.1.1.1")  # the office's one address

        assert logged_in(attempt("b_clerk", PASSWORD, address="10.1.1.1"))
        assert events(EventKind.ACCOUNT_LOCKED) == []

    def test_a_forged_forwarded_for_header_does_not_make_a_new_address(self, clerk_b):
        for n in range(20):
            Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
                LOGIN, {"username": f"guess{n}", "password": WRONG}
            )

        assert attempt("b_clerk", PASSWORD, address="10.9.9.9").status_code == 429
        assert {e.data["address"] for e in events(EventKind.LOGIN_FAILED)} == {"10.9.9.9"}

    def test_the_address_limit_comes_from_the_settings(self, clerk_b, settings):
        settings.MAMORI_LOGIN_ADDRESS_FAILURE_LIMIT = 8
        for n in range(8):
            attempt(f"guess{n}", WRONG, address="10.9.9.9")

        assert attempt("b_clerk", PASSWORD, address="10.9.9.9").status_code == 429

    def test_the_lock_ends_after_the_cool_off(self, clerk_a):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            for _ in range(5):
                attempt("a_clerk", WRONG)
            assert attempt("a_clerk", PASSWORD).status_code == 429
        with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
            assert logged_in(attempt("a_clerk", PASSWORD))


class TestUnlock:
    @pytest.fixture
    def locked(self, clerk_a) -> Staff:
        for _ in range(5):
            attempt("a_clerk", WRONG)
        return clerk_a

    def test_an_administrator_unlocks_in_the_admin_and_it_is_recorded(
        self, locked, administrator, login
    ):
        ids = list(AccessAttempt.objects.values_list("pk", flat=True))
        admin = login(administrator)

        response = admin.post(
            reverse("admin:axes_accessattempt_changelist"),
            {"action": "unlock_selected", "_selected_action": ids},
        )

        assert response.status_code == 302
        assert not AccessAttempt.objects.exists()
        [event] = events(EventKind.ACCOUNT_UNLOCKED)
        assert event.actor_id == administrator.pk
        assert event.data["username"] == "a_clerk" and event.data["address"] == ""
        assert event.data["staff_id"] == locked.pk
        assert logged_in(attempt("a_clerk", PASSWORD))

    def test_unlocking_one_name_keeps_the_others_failures_from_the_same_address(
        self, locked, clerk_b, administrator, login
    ):
        for _ in range(2):
            attempt("b_clerk", WRONG)  # the same office address, 10.0.0.1
        mine = list(AccessAttempt.objects.filter(username="a_clerk").values_list("pk", flat=True))

        login(administrator).post(
            reverse("admin:axes_accessattempt_changelist"),
            {"action": "unlock_selected", "_selected_action": mine},
        )

        assert not AccessAttempt.objects.filter(username="a_clerk").exists()
        assert AccessAttempt.objects.get(username="b_clerk").failures_since_start == 2
        [event] = events(EventKind.ACCOUNT_UNLOCKED)
        assert event.data["attempts_removed"] == 1

    def test_an_address_is_unlocked_with_its_own_action(self, clerk_b, administrator, login):
        for n in range(20):
            attempt(f"guess{n}", WRONG, address="10.9.9.9")
        assert attempt("b_clerk", PASSWORD, address="10.9.9.9").status_code == 429
        ids = list(AccessAttempt.objects.values_list("pk", flat=True)[:1])

        login(administrator).post(
            reverse("admin:axes_accessattempt_changelist"),
            {"action": "unlock_selected_addresses", "_selected_action": ids},
        )

        assert not AccessAttempt.objects.filter(ip_address="10.9.9.9").exists()
        [event] = events(EventKind.ACCOUNT_UNLOCKED)
        assert event.data["username"] == "" and event.data["address"] == "10.9.9.9"
        assert logged_in(attempt("b_clerk", PASSWORD, address="10.9.9.9"))

    def test_the_lockout_list_is_shown_to_administrators_only(
        self, locked, administrator, clerk_b, login
    ):
        url = reverse("admin:axes_accessattempt_changelist")

        assert login(administrator).get(url).status_code == 200
        assert login(clerk_b).get(url).status_code == 302  # not staff: the admin's login
        assert AccessAttempt.objects.exists()

    def test_nobody_but_an_administrator_may_unlock(self, locked, supervisor_a, now):
        with pytest.raises(NotPermitted):
            accounts.unlock(
                acting_user=supervisor_a, username="a_clerk", address="", unlocked_at=now
            )

        assert AccessAttempt.objects.exists()
        assert events(EventKind.ACCOUNT_UNLOCKED) == []

    def test_unlocking_what_is_not_locked_is_refused_and_not_recorded(self, administrator, now):
        with pytest.raises(ActionRefused, match="not locked"):
            accounts.unlock(
                acting_user=administrator, username="a_clerk", address="", unlocked_at=now
            )

        assert events(EventKind.ACCOUNT_UNLOCKED) == []

    def test_axes_own_admin_which_would_unlock_unrecorded_is_absent(self, administrator, login):
        admin = login(administrator)

        assert admin.get("/admin/axes/accessattempt/1/delete/").status_code in {403, 302}
        assert admin.get("/admin/axes/accesslog/").status_code == 404


class TestPasswords:
    @pytest.mark.parametrize(
        "password",
        ["Password2026!", "yokohama12345", "p@ssw0rdp@ssw0rd", "Qwertyuiop123", "2026Tsurumi!!"],
    )
    def test_a_breached_password_is_refused_however_decorated(self, password):
        assert is_breached(password)
        with pytest.raises(Exception, match="leaked passwords"):
            BreachedPasswordValidator().validate(password)

    @pytest.mark.parametrize("password", [NEW_PASSWORD, PASSWORD, "mamori-demo-2026"])
    def test_a_password_of_ones_own_passes(self, password):
        assert not is_breached(password)

    def test_the_demo_and_test_passwords_pass_every_validator(self):
        from django.contrib.auth.password_validation import validate_password

        validate_password("mamori-demo-2026")
        validate_password(PASSWORD)


class TestChangingOnesOwnPassword:
    URL = "/accounts/password_change/"

    def test_the_page_exists_and_the_header_links_to_it(self, clerk_a, login):
        client = login(clerk_a)

        assert client.get(self.URL).status_code == 200
        assert f'href="{self.URL}"' in client.get("/").content.decode()

    def test_a_change_is_recorded_and_keeps_this_session(self, clerk_a, login):
        client = login(clerk_a)

        response = client.post(
            self.URL,
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        clerk_a.refresh_from_db()
        assert clerk_a.check_password(NEW_PASSWORD) and not clerk_a.check_password(PASSWORD)
        assert client.get("/").status_code == 200  # still logged in here
        [event] = events(EventKind.PASSWORD_CHANGED)
        assert event.actor_id == clerk_a.pk and event.data == {"staff_id": clerk_a.pk, "by": "self"}
        assert NEW_PASSWORD not in json.dumps(event.content())

    @pytest.mark.parametrize(
        ("old", "new", "message"),
        [
            (PASSWORD, "Short-1a!", "at least 12 characters"),
            (PASSWORD, "Password2026!", "leaked passwords"),
            (WRONG, NEW_PASSWORD, "old password was entered incorrectly"),
        ],
    )
    def test_a_bad_change_says_why_and_changes_nothing(self, clerk_a, login, old, new, message):
        response = login(clerk_a).post(
            self.URL, {"old_password": old, "new_password1": new, "new_password2": new}
        )

        assert response.status_code == 200
        assert message in response.content.decode()
        clerk_a.refresh_from_db()
        assert clerk_a.check_password(PASSWORD)
        assert events(EventKind.PASSWORD_CHANGED) == []


class TestIdleSession:
    def test_a_session_idle_past_the_limit_is_ended_and_sent_to_the_login(self, clerk_a, login):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client = login(clerk_a)
            assert client.get("/").status_code == 200
            key = client.session.session_key
        with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
            response = client.get("/search/")

            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
            assert not Session.objects.filter(session_key=key).exists()
            page = client.get(response["Location"])
            assert "You were logged out because there was no activity." in page.content.decode()
            assert client.get("/").status_code == 302

    def test_a_session_used_within_the_limit_stays(self, clerk_a, login):
        start = timezone.now()
        client = login(clerk_a)
        for minutes in (0, 29, 58, 87):
            with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
                assert client.get("/").status_code == 200

    def test_the_stay_signed_in_button_counts_as_activity(self, clerk_a, login):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client = login(clerk_a)
            client.get("/")
        with time_machine.travel(start + datetime.timedelta(minutes=28), tick=False):
            ping = client.post(reverse("stay_signed_in"), HTTP_ACCEPT="application/json")
            assert ping.status_code == 200 and ping.json() == {"idle_seconds": 1800}
        with time_machine.travel(start + datetime.timedelta(minutes=56), tick=False):
            assert client.get("/").status_code == 200

    def test_a_ping_after_the_limit_answers_401_for_the_page_to_reload(self, clerk_a, login):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client = login(clerk_a)
            client.get("/")
        with time_machine.travel(start + datetime.timedelta(minutes=45), tick=False):
            ping = client.post(reverse("stay_signed_in"), HTTP_ACCEPT="application/json")
        assert ping.status_code == 401 and ping.json() == {"logged_out": True}

    def test_the_limit_comes_from_the_settings(self, clerk_a, login, settings):
        settings.MAMORI_IDLE_MINUTES = 5
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client = login(clerk_a)
            page = client.get("/").content.decode()
            assert 'data-idle-seconds="300"' in page and 'data-warning-seconds="120"' in page
            assert "js/idle.js" in page
            assert client.session[LAST_ACTIVITY] == pytest.approx(start.timestamp())
        with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
            assert client.get("/").status_code == 302

    def test_the_login_page_has_no_idle_warning(self, db):
        assert "idle-warning" not in Client().get(LOGIN).content.decode()


class TestTheAdminRecordsWhatItChanges:
    def change_url(self, obj: Any) -> str:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])

    def staff_form(self, staff: Staff, **changes: Any) -> dict[str, Any]:
        form = {
            "username": staff.username,
            "full_name": staff.full_name,
            "email": staff.email,
            "is_active": "on" if staff.is_active else "",
            "training_records-TOTAL_FORMS": "0",
            "training_records-INITIAL_FORMS": str(staff.training_records.count()),
            "training_records-MIN_NUM_FORMS": "0",
            "training_records-MAX_NUM_FORMS": "1000",
        }
        form.update(changes)
        return {k: v for k, v in form.items() if v != ""}

    def test_a_staff_change_is_an_admin_changed_event_with_its_fields(
        self, administrator, clerk_a, login
    ):
        response = login(administrator).post(
            self.change_url(clerk_a), self.staff_form(clerk_a, full_name="鶴見 花子", is_active="")
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        clerk_a.refresh_from_db()
        assert clerk_a.full_name == "鶴見 花子" and not clerk_a.is_active
        [event] = events(EventKind.ADMIN_CHANGED)
        assert event.actor_id == administrator.pk and event.decision == "changed"
        assert event.data["model"] == "supportmeasures.staff"
        assert event.data["object_id"] == clerk_a.pk
        assert event.data["fields"] == ["full_name", "is_active"]

    def test_a_ward_added_or_changed_is_recorded(self, administrator, login):
        admin = login(administrator)

        admin.post(
            reverse("admin:supportmeasures_ward_add"),
            {"code": "141038", "name": "西区", "name_en": "Nishi", "notice_mode": "immediate"},
        )
        ward = Ward.objects.get(code="141038")
        admin.post(
            self.change_url(ward),
            {"code": "141038", "name": "西区", "name_en": "Nishi Ward", "notice_mode": "immediate"},
        )

        created, changed = events(EventKind.ADMIN_CHANGED)
        assert created.decision == "created" and created.ward_id == ward.pk
        assert changed.decision == "changed" and changed.data["fields"] == ["name_en"]

    def test_a_password_set_by_an_administrator_is_validated_and_recorded(
        self, administrator, clerk_a, login
    ):
        url = reverse("admin:auth_user_password_change", args=[clerk_a.pk])
        admin = login(administrator)

        short = admin.post(
            url, {"password1": "short", "password2": "short", "usable_password": "true"}
        )
        good = admin.post(
            url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
        )

        assert short.status_code == 200
        assert good.status_code == 302
        clerk_a.refresh_from_db()
        assert clerk_a.check_password(NEW_PASSWORD)
        [event] = events(EventKind.PASSWORD_CHANGED)
        assert event.actor_id == administrator.pk
        assert event.data == {"staff_id": clerk_a.pk, "by": "admin"}
        assert events(EventKind.ADMIN_CHANGED) == []

    def test_roles_and_ward_scope_cannot_be_changed_on_the_staff_form(
        self, administrator, clerk_a, ward_b, login
    ):
        auditors = Group.objects.get(name=Role.AUDITOR)

        login(administrator).post(
            self.change_url(clerk_a),
            self.staff_form(clerk_a, groups=[auditors.pk], ward=ward_b.pk, full_name="x"),
        )

        clerk_a = Staff.objects.get(pk=clerk_a.pk)
        assert clerk_a.role == Role.CLERK and clerk_a.ward.code == "141011"
        assert events(EventKind.ADMIN_CHANGED)[0].data["fields"] == ["full_name"]

    def test_group_permissions_cannot_be_edited(self, administrator, login, django_user_model):
        clerks = Group.objects.get(name=Role.CLERK)
        before = set(clerks.permissions.values_list("pk", flat=True))
        superuser = django_user_model.objects.create_superuser("root", password=NEW_PASSWORD)
        root = Client()
        root.force_login(superuser)

        response = root.post(
            self.change_url(clerks),
            {"name": "clerk", "permissions": list(Permission.objects.values_list("pk", flat=True))},
        )

        assert response.status_code == 403
        assert set(clerks.permissions.values_list("pk", flat=True)) == before
        assert root.get(reverse("admin:auth_group_add")).status_code == 403

    def test_grants_and_object_permissions_have_no_admin(self, administrator, login):
        admin = login(administrator)

        for path in (
            "/admin/supportmeasures/warduserobjectpermission/",
            "/admin/supportmeasures/supportmeasureuserobjectpermission/",
            "/admin/guardian/userobjectpermission/",
            "/admin/auth/permission/",
        ):
            assert admin.get(path).status_code == 404, path

    def test_nothing_is_deleted_or_added_behind_the_actions(self, administrator, clerk_a, login):
        admin = login(administrator)
        ward = clerk_a.ward

        assert (
            admin.post(
                reverse("admin:supportmeasures_staff_delete", args=[clerk_a.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        assert (
            admin.post(
                reverse("admin:supportmeasures_ward_delete", args=[ward.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        assert admin.get(reverse("admin:supportmeasures_staff_add")).status_code == 403
        assert Staff.objects.filter(pk=clerk_a.pk).exists()

    def test_a_superuser_without_the_administrator_role_changes_nothing(
        self, clerk_a, django_user_model
    ):
        superuser = django_user_model.objects.create_superuser("root", password=NEW_PASSWORD)
        root = Client()
        root.force_login(superuser)

        response = root.post(self.change_url(clerk_a), self.staff_form(clerk_a, full_name="x"))

        assert response.status_code == 403
        assert Staff.objects.get(pk=clerk_a.pk).full_name == "a_clerk"
        assert events(EventKind.ADMIN_CHANGED) == []

    def test_a_change_outside_the_admins_transaction_is_refused(self, administrator, clerk_a, now):
        with pytest.raises(RuntimeError), _outside_atomic():
            accounts.record_admin_change(
                acting_user=administrator,
                obj=clerk_a,
                operation="changed",
                fields=["full_name"],
                changed_at=now,
            )


class _outside_atomic:
    """Pretend no transaction is open (pytest-django wraps each test in one)."""

    def __enter__(self) -> None:
        from django.db import connection

        self.saved = connection.in_atomic_block
        connection.in_atomic_block = False

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        connection.in_atomic_block = self.saved


class TestTheFailedLoginsReport:
    def test_failures_are_counted_per_name_and_day_with_addresses_and_lockouts(
        self, clerk_a, administrator, now
    ):
        from auditlog.workspace import analyses

        for n in range(5):
            attempt("a_clerk", WRONG, address=f"10.0.0.{1 + n % 2}")
        attempt("ghost", WRONG, address="10.0.0.9")
        accounts.unlock(acting_user=administrator, username="a_clerk", address="", unlocked_at=now)
        since, until = analyses.period_of(*analyses.default_period(timezone.now()))

        report = analyses.failed_logins(since=since, until=until)

        rows = {row.who: row.what for row in report}
        assert rows == {
            "a_clerk": "Failed logins: 5, from 10.0.0.1, 10.0.0.2 — locked out"
            " — unlocked by an administrator",
            "ghost": "Failed logins: 1, from 10.0.0.9 — no such account",
        }

    def test_the_report_is_an_auditors_page_and_in_every_list_of_reports(
        self, clerk_a, auditor, login
    ):
        from auditlog.workspace import analyses

        attempt("a_clerk", WRONG)
        page = login(auditor).get(reverse("auditlog:report", args=[analyses.FAILED_LOGINS]))

        assert page.status_code == 200
        assert (
            "a_clerk" in page.content.decode() and "Failed logins: 1, from" in page.content.decode()
        )
        assert analyses.FAILED_LOGINS in analyses.REPORT_CODES
        assert (
            login(clerk_a).get(reverse("auditlog:report", args=["failed-logins"])).status_code
            == 404
        )


class TestInJapanese:
    """What the counter staff read: the lockout page and the idle notice, in Japanese."""

    def test_the_lockout_page(self, clerk_a, settings):
        settings.LANGUAGE_CODE = "ja"
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="ja")
        for _ in range(5):
            response = client.post(LOGIN, {"username": "a_clerk", "password": WRONG})

        page = response.content.decode()
        assert response.status_code == 429
        assert "ログインがロックされました" in page
        assert "5回続けて失敗したため、ログインを受け付けません。" in page
        assert "60分後に再度お試しいただくか、管理者にロックの解除を依頼してください。" in page

    def test_the_idle_notice(self, clerk_a, login, settings):
        settings.LANGUAGE_CODE = "ja"
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client = login(clerk_a)
            page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
            assert "30分間操作がないと、自動的にログアウトします" in page
            assert "パスワード変更" in page
        with time_machine.travel(start + datetime.timedelta(minutes=40), tick=False):
            response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja", follow=True)

        assert "操作がなかったため、ログアウトしました。" in response.content.decode()

    def test_the_password_page_is_for_logged_in_staff_only(self, db):
        response = Client().get("/accounts/password_change/")

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
