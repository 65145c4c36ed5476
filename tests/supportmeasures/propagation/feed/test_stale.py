"""The stale-reader alarm: a linked system's client that has not read the feed within 10
minutes while a change older than that waits for it (job `watch-change-feed`)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from auditlog.jobs import job_named
from auditlog.models import AuditEvent, EventKind
from inquiries.models import Notification
from supportmeasures import actions
from supportmeasures.models import FeedReader, Role
from supportmeasures.propagation import feed

pytestmark = pytest.mark.django_db
MINUTES = datetime.timedelta(minutes=1)


@pytest.fixture
def administrator(make_staff, ward_a):
    return make_staff(ward_a, Role.ADMINISTRATOR, username="admin1")


def stale_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.FEED_STALE).order_by("sequence"))


class TestWatchChangeFeed:
    def test_a_client_that_has_not_read_while_a_change_waits_is_stale_once(
        self, x_measure, make_feed_client, administrator, auditor, now
    ):
        client, _ = make_feed_client()

        first = feed.watch_change_feed(now=now + 11 * MINUTES)
        second = feed.watch_change_feed(now=now + 16 * MINUTES)

        assert (first.stale, first.still_stale) == ([client.name], 0)
        assert (second.stale, second.still_stale) == ([], 1)
        (event,) = stale_events()
        assert event.data["client_id"] == client.pk
        assert event.data["system"] == "tax"
        assert event.data["last_read_at"] is None
        told = Notification.objects.filter(critical=True, subject__contains=client.name)
        assert sorted(told.values_list("recipient__username", flat=True)) == [
            "admin1",
            "auditor",
        ]
        assert FeedReader.objects.get(client=client).stale_since == now + 11 * MINUTES

    def test_reading_ends_the_episode_and_a_later_one_is_recorded_again(
        self, x_measure, make_feed_client, api, administrator, auditor, supervisor_a, now
    ):
        client, token = make_feed_client()
        feed.watch_change_feed(now=now + 11 * MINUTES)

        api(token).get("/api/v1/changes")

        reader = FeedReader.objects.get(client=client)
        assert reader.stale_since is None
        read = AuditEvent.objects.filter(kind=EventKind.FEED_READ).get()
        assert read.data["stale_cleared"] is True
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason="requested",
            reason="本人の申出",
            decided_at=now + MINUTES,
        )
        later = feed.watch_change_feed(now=now + 40 * MINUTES)
        assert later.stale == [client.name]
        assert len(stale_events()) == 2

    def test_a_client_that_read_within_ten_minutes_is_not_stale(
        self, x_measure, make_feed_client, api, supervisor_a, now
    ):
        client, token = make_feed_client()
        api(token).get("/api/v1/changes")
        FeedReader.objects.filter(client=client).update(
            last_read_at=now + 5 * MINUTES, served_through=0
        )

        result = feed.watch_change_feed(now=now + 12 * MINUTES)

        assert (result.stale, result.still_stale) == ([], 0)
        assert stale_events() == []

    def test_changes_waiting_less_than_ten_minutes_are_no_alarm(
        self, x_measure, make_feed_client, now
    ):
        make_feed_client()

        assert feed.watch_change_feed(now=now + 9 * MINUTES).stale == []
        assert stale_events() == []

    def test_a_client_served_everything_is_not_stale_however_long_it_waits(
        self, x_measure, make_feed_client, api, now
    ):
        _, token = make_feed_client()
        api(token).get("/api/v1/changes")

        assert feed.watch_change_feed(now=now + datetime.timedelta(days=3)).stale == []

    def test_a_client_of_no_linked_system_is_not_watched(self, x_measure, now):
        actions.create_api_client(name="screening only", acting_user=None, created_at=now)

        assert feed.watch_change_feed(now=now + datetime.timedelta(days=1)).stale == []
        assert not FeedReader.objects.exists()

    def test_the_job_is_registered_to_run_every_five_minutes(self):
        assert str(job_named("watch-change-feed").cadence) == "5min"


class TestTheReadersInTheAdmin:
    def test_administrators_read_each_clients_state_and_change_nothing(
        self, x_measure, make_feed_client, administrator, login, now
    ):
        client, _ = make_feed_client()
        feed.watch_change_feed(now=now + 11 * MINUTES)
        admin = login(administrator)
        url = reverse("admin:supportmeasures_feedreader_changelist")

        listing = admin.get(url)

        assert listing.status_code == 200
        assert client.name in listing.content.decode()
        reader = FeedReader.objects.get(client=client)
        change = reverse("admin:supportmeasures_feedreader_change", args=[reader.pk])
        assert admin.post(change, {"served_through": 999}).status_code == 403
        assert admin.get(reverse("admin:supportmeasures_feedreader_add")).status_code == 403
        reader.refresh_from_db()
        assert reader.served_through == 0

    def test_other_roles_do_not_see_them(self, auditor, login):
        url = reverse("admin:supportmeasures_feedreader_changelist")

        assert login(auditor).get(url).status_code in {302, 403}
