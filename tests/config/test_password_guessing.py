"""The password-change form is no way round the lockout (review of issue 13): a wrong old
password is a failed login, counted and recorded, and a locked account changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from auditlog.models import AuditEvent, EventKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/accounts/password_change/"
WRONG = "not-the-password-at-all"
NEW_PASSWORD = "kV9#mq2!Lp0zTw-river"


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 1  # hour


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("kind", flat=True))


def change(client: Client, old: str) -> Any:
    return client.post(
        URL, {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def test_each_wrong_old_password_is_a_failed_login_and_the_fifth_locks(clerk_a, login):
    client = login(clerk_a)
    before = len(kinds())

    answers = [change(client, WRONG).status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    new = kinds()[before:]
    assert new.count(EventKind.LOGIN_FAILED) == 5
    assert new.count(EventKind.ACCOUNT_LOCKED) == 1
    failed = AuditEvent.objects.filter(kind=EventKind.LOGIN_FAILED).last()
    assert failed is not None and failed.data["username"] == clerk_a.username
    assert WRONG not in str(failed.content())
    # The session that guessed is over, and the right password now changes nothing.
    assert client.get("/").status_code == 302
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(PASSWORD)


def test_a_locked_account_cannot_change_its_password_from_an_open_session(clerk_a, login):
    open_session = login(clerk_a)
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.9").post(
            "/accounts/login/", {"username": clerk_a.username, "password": WRONG}
        )

    response = change(open_session, PASSWORD)

    assert response.status_code == 429
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(PASSWORD) and not clerk_a.check_password(NEW_PASSWORD)
    assert not AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).exists()
    assert open_session.get("/").status_code == 302  # logged out


def test_a_right_old_password_still_changes_it(clerk_a, login):
    response = change(login(clerk_a), PASSWORD)

    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(NEW_PASSWORD)
    assert EventKind.LOGIN_FAILED not in kinds()


def test_a_colleagues_login_from_the_same_address_does_not_reset_anothers_count(clerk_a, clerk_b):
    """From one office address: four guesses at b_clerk, then a_clerk logs in, again and
    again. Only b_clerk's own successful login may clear b_clerk's failures."""
    office = "10.1.1.1"

    def attempt(username: str, password: str) -> Any:
        return Client(REMOTE_ADDR=office).post(
            "/accounts/login/", {"username": username, "password": password}
        )

    for _ in range(4):
        attempt(clerk_b.username, WRONG)
    attempt(clerk_a.username, PASSWORD)
    locked = attempt(clerk_b.username, WRONG)

    assert locked.status_code == 429
    assert AuditEvent.objects.filter(
        kind=EventKind.ACCOUNT_LOCKED, data__username=clerk_b.username
    ).exists()
    assert attempt(clerk_b.username, PASSWORD).status_code == 429
