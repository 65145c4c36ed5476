"""Screening rate limits: per API client and per member of staff, on every way in (single
and batch API, the search page, the mailing-list upload); a clear 429; one audit event per
screener per window however many requests are refused; the next window starts afresh."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.openapi import SCHEMA

pytestmark = pytest.mark.django_db
SINGLE = "/api/v1/screenings"
BATCH = "/api/v1/screenings/batch"
LIMIT = 3
PEOPLE = 100  # people screened per hour: out of the way of the tests of LIMIT
# The middle of a window, so that a test's requests all fall in the same one.
START = datetime.datetime(2026, 4, 1, 1, 0, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.MAMORI_SCREENING_LIMIT_CLIENT = LIMIT
    settings.MAMORI_SCREENING_LIMIT_STAFF = LIMIT
    settings.MAMORI_SCREENING_WINDOW_SECONDS = 60
    settings.MAMORI_SCREENING_PEOPLE_CLIENT = PEOPLE
    settings.MAMORI_SCREENING_PEOPLE_STAFF = PEOPLE
    settings.MAMORI_SCREENING_PEOPLE_WINDOW_SECONDS = 3600


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def new_client(name: str) -> str:
    _, token = actions.create_api_client(name=name, acting_user=None, created_at=timezone.now())
    return token


def screen(token: str, path: str = SINGLE, body: object | None = None):
    body = body if body is not None else {"name": "山崎 健一", "purpose": "納税通知書"}
    return Client().post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def throttle_events():
    return AuditEvent.objects.filter(kind=EventKind.SCREENING_THROTTLED)


class TestApiClients:
    def test_over_the_limit_is_a_429_with_retry_after_and_one_event(self, clock, y):
        token = new_client("住民税システム")
        allowed = [screen(token).status_code for _ in range(LIMIT)]

        refused = [screen(token) for _ in range(20)]

        assert allowed == [200] * LIMIT
        assert {r.status_code for r in refused} == {429}
        assert refused[0]["Content-Type"] == "application/json"
        assert refused[0].json()["error"] == "too_many_requests"
        assert refused[0]["Retry-After"] == "30"  # the window ends 30 s after START
        event = throttle_events().get()  # one, not twenty
        assert (event.actor, event.decision) == (None, "refused")
        assert event.data["client"] == "住民税システム"
        assert (event.data["limit"], event.data["window_seconds"]) == (LIMIT, 60)
        # The refused requests screened nobody: three hits, from the three allowed.
        assert AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).count() == LIMIT

    def test_the_batch_endpoint_counts_against_the_same_limit(self, clock, y):
        token = new_client("福祉システム")
        for _ in range(LIMIT):
            screen(token)

        response = screen(token, BATCH, {"entries": [{"name": "山崎 健一"}]})

        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1

    def test_another_client_is_not_affected(self, clock, y):
        greedy, other = new_client("大量送付システム"), new_client("国保システム")
        for _ in range(LIMIT + 5):
            screen(greedy)

        assert screen(other).status_code == 200
        assert screen(greedy).status_code == 429

    def test_the_next_window_starts_afresh_and_is_recorded_again(self, clock, y):
        token = new_client("住民税システム")
        for _ in range(LIMIT + 2):
            screen(token)

        clock.shift(datetime.timedelta(seconds=30))  # the next window begins
        again = [screen(token).status_code for _ in range(LIMIT + 2)]

        assert again == [200] * LIMIT + [429, 429]
        assert throttle_events().count() == 2  # one per window

    def test_the_429_is_in_the_openapi_description(self):
        for path in ("/screenings", "/screenings/batch"):
            response = SCHEMA["paths"][path]["post"]["responses"]["429"]
            assert response["headers"]["Retry-After"]["required"] is True


class TestPeopleScreened:
    """The second limit counts people, not calls: nobody screens the city in batches."""

    def entries(self, n: int) -> dict[str, object]:
        return {"purpose": "案内", "entries": [{"name": f"山田 太郎{i}"} for i in range(n)]}

    def test_batches_over_the_people_limit_are_refused_with_one_event(self, clock, settings, y):
        settings.MAMORI_SCREENING_PEOPLE_CLIENT = 8
        token = new_client("住民税システム")
        first = screen(token, BATCH, self.entries(5))

        refused = [screen(token, BATCH, self.entries(5)), screen(token)]

        assert first.status_code == 200
        assert [r.status_code for r in refused] == [429, 429]
        assert refused[0].json()["message"].startswith("Too many people screened: at most 8 in")
        assert refused[0]["Retry-After"] == "3570"  # the hour's window ends 59.5 minutes on
        event = throttle_events().get()
        assert (event.data["counts"], event.data["limit"]) == ("people", 8)

    def test_the_people_window_starts_afresh(self, clock, settings, y):
        settings.MAMORI_SCREENING_PEOPLE_CLIENT = 8
        token = new_client("住民税システム")
        screen(token, BATCH, self.entries(9))

        clock.shift(datetime.timedelta(hours=1))

        assert screen(token, BATCH, self.entries(8)).status_code == 200

    def test_a_mailing_list_counts_every_person_on_it(self, clock, settings, login, clerk_b, y):
        settings.MAMORI_SCREENING_PEOPLE_STAFF = 5
        rows = "".join(f"山田 太郎{i},山田 花子{i}\n" for i in range(3))  # six people

        upload = login(clerk_b).post(
            reverse("supportmeasures:batch_screening"),
            {
                "file": SimpleUploadedFile(
                    "list.csv", ("氏名,子の氏名\n" + rows).encode(), "text/csv"
                ),
                "encoding": "utf-8",
                "purpose": "案内状の送付",
            },
        )

        assert upload.status_code == 429
        assert "照合した人数が上限を超えました（3600秒間に5人まで）" in upload.content.decode()
        assert throttle_events().get().actor == clerk_b


class TestStaff:
    def search(self, client):
        return client.get(reverse("supportmeasures:search"), {"name": "山崎 健一"})

    def test_the_search_page_over_the_limit_is_a_translated_429(self, clock, login, clerk_b, y):
        client = login(clerk_b)
        allowed = [self.search(client).status_code for _ in range(LIMIT)]

        refused = [self.search(client) for _ in range(10)]

        assert allowed == [200] * LIMIT
        assert {r.status_code for r in refused} == {429}
        page = refused[0].content.decode()
        assert (
            "照合の回数が上限を超えました（60秒間に3回まで）。30秒後にもう一度お試しください。"
            in page
        )
        assert refused[0]["Retry-After"] == "30"
        event = throttle_events().get()
        assert (event.actor, event.ward_code) == (clerk_b, clerk_b.ward.code)

    def test_the_mailing_list_counts_for_its_clerk_and_not_for_a_colleague(
        self, clock, login, clerk_b, supervisor_b, y
    ):
        client = login(clerk_b)
        for _ in range(LIMIT):
            self.search(client)

        upload = client.post(
            reverse("supportmeasures:batch_screening"),
            {
                "file": SimpleUploadedFile("list.csv", "氏名\n山崎 健一\n".encode(), "text/csv"),
                "encoding": "utf-8",
                "purpose": "案内状の送付",
            },
        )

        assert upload.status_code == 429
        assert "照合の回数が上限を超えました" in upload.content.decode()
        assert self.search(login(supervisor_b)).status_code == 200
        assert throttle_events().count() == 1

    def test_a_search_without_a_name_screens_nobody_and_is_not_counted(
        self, clock, login, clerk_b, y
    ):
        client = login(clerk_b)
        pages = [
            client.get(reverse("supportmeasures:search"), {"birth_date": "1986-11-03"})
            for _ in range(LIMIT + 2)
        ]

        assert {p.status_code for p in pages} == {200}
        assert self.search(client).status_code == 200


class TestWhereTheCountIsKept:
    def test_the_demo_s_local_memory_cache_counts_the_same_way(self, clock, settings, y):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        token = new_client("住民税システム")

        statuses = [screen(token).status_code for _ in range(LIMIT + 3)]

        assert statuses == [200] * LIMIT + [429] * 3
        assert throttle_events().count() == 1

    def test_an_unreachable_cache_lets_screening_go_on_and_says_so_in_the_log(
        self, clock, settings, caplog, y
    ):
        # Nothing listens on port 1: the connection is refused at once.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            }
        }
        token = new_client("住民税システム")

        statuses = [screen(token).status_code for _ in range(LIMIT + 2)]

        assert statuses == [200] * (LIMIT + 2)
        assert not throttle_events().exists()
        assert "Screening rate limit not checked" in caplog.text
