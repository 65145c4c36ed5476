"""The change feed API: GET /api/v1/changes and POST /api/v1/changes/<id>/confirm."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.models import (
    ApiClient,
    BlockChange,
    ConfirmationTask,
    ConfirmsBy,
    FeedReader,
    LinkedSystem,
    Person,
    TaskState,
)
from supportmeasures.propagation import feed

pytestmark = pytest.mark.django_db
URL = "/api/v1/changes"


def changes_of(measure) -> list[int]:
    return list(
        BlockChange.objects.filter(measure=measure, sequence__isnull=False)
        .order_by("sequence")
        .values_list("sequence", flat=True)  # type: ignore[arg-type]  # not null: filtered
    )


class TestReadingTheFeed:
    def test_serves_the_changes_in_order_with_the_next_cursor(self, x_measure, feed_token, api):
        response = api(feed_token).get(URL)

        body = response.json()
        assert response.status_code == 200
        assert [c["id"] for c in body["changes"]] == changes_of(x_measure)
        assert [c["kind"] for c in body["changes"]] == ["registered", "approved"]
        assert body["next"] == changes_of(x_measure)[-1]
        assert body["more"] is False

    def test_pages_with_the_limit_and_says_more_waits(self, x_measure, feed_token, api):
        first = api(feed_token).get(URL, {"limit": 1}).json()
        second = api(feed_token).get(URL, {"after": first["next"], "limit": 1}).json()
        third = api(feed_token).get(URL, {"after": second["next"]}).json()

        assert [c["id"] for c in first["changes"] + second["changes"]] == changes_of(x_measure)
        assert (first["more"], second["more"]) == (True, False)
        assert third == {"changes": [], "next": second["next"], "more": False}

    def test_says_who_is_restricted_which_documents_and_from_when(
        self, x_measure, x, feed_token, api, today
    ):
        approved = api(feed_token).get(URL).json()["changes"][-1]

        assert approved["measure"] == x_measure.pk
        assert approved["blocks"] is True
        assert approved["effective_from"] == today.isoformat()
        assert approved["persons"] == [
            {
                "id": str(x.public_id),
                "role": "protected",
                "name": x.name,
                "kana": x.kana,
                "birth_date": "1990-05-12",
            }
        ]
        assert approved["documents"] == ["inspection", "resident_copies", "koseki_attachment"]

    def test_an_ended_measure_releases_its_people(
        self, x_measure, x, supervisor_a, feed_token, api, now
    ):
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason="requested",
            reason="本人の申出",
            decided_at=now,
        )

        ended = api(feed_token).get(URL).json()["changes"][-1]

        assert (ended["kind"], ended["blocks"], ended["persons"]) == ("ended", False, [])
        assert [p["id"] for p in ended["released_persons"]] == [str(x.public_id)]

    def test_names_no_address_no_ward_and_no_measure_reference(self, x_measure, x, feed_token, api):
        text = api(feed_token).get(URL).content.decode()

        for secret in (x.address, x.phone, "豊岡町", "141011", "鶴見区", x_measure.ref, "owning"):
            assert secret not in text
        # The counterparty is not a person the linked systems restrict.
        assert "山﨑 健一" not in text

    def test_each_read_that_serves_changes_is_recorded_with_the_people_disclosed(
        self, x_measure, x, feed_token, api
    ):
        api(feed_token).get(URL, {"limit": 1})

        event = AuditEvent.objects.filter(kind=EventKind.FEED_READ).get()
        client = LinkedSystem.objects.get(code="tax").api_client
        assert client is not None
        assert event.actor is None
        assert event.data["client_id"] == client.pk
        assert (event.data["after"], event.data["next"], event.data["changes"]) == (
            0,
            changes_of(x_measure)[0],
            1,
        )
        assert event.data["more"] is True
        assert list(event.people.values_list("person_public_id", flat=True)) == [x.public_id]

    def test_an_empty_read_is_kept_as_the_last_read_but_records_no_event(
        self, x_measure, feed_token, api
    ):
        latest = changes_of(x_measure)[-1]

        api(feed_token).get(URL, {"after": latest})

        reader = FeedReader.objects.get()
        assert reader.last_read_at is not None
        assert reader.served_through == latest
        assert not AuditEvent.objects.filter(kind=EventKind.FEED_READ).exists()

    def test_refuses_a_client_that_is_no_linked_systems(self, x_measure, api, now):
        _, token = actions.create_api_client(
            name="screening only", acting_user=None, created_at=now
        )

        response = api(token).get(URL)

        assert response.status_code == 403
        assert response.json()["error"] == "not_a_linked_system"
        assert not AuditEvent.objects.filter(kind=EventKind.FEED_READ).exists()

    def test_refuses_the_client_of_an_inactive_system(self, x_measure, feed_token, api):
        LinkedSystem.objects.filter(code="tax").update(is_active=False)

        assert api(feed_token).get(URL).status_code == 403

    def test_a_revoked_token_is_refused(self, x_measure, make_feed_client, api, now):
        client, token = make_feed_client()
        actions.revoke_api_client(client=client, acting_user=None, revoked_at=now)

        assert api(token).get(URL).status_code == 401

    def test_no_token_is_refused(self, client):
        response = client.get(URL)

        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "query",
        [
            {"after": "-1"},
            {"after": "abc"},
            {"after": "1.5"},
            {"after": ""},
            {"after": "1" * 19},
            {"limit": "0"},
            {"limit": "1001"},
            {"limit": "ten"},
            {"cursor": "5"},
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, x_measure, feed_token, api, query):
        response = api(feed_token).get(URL, query)

        body = response.json()
        assert response.status_code == 400
        assert body["error"] == "bad_request"
        assert body["errors"][0]["field"] == next(iter(query))

    def test_a_cursor_given_twice_is_a_400(self, x_measure, feed_token, api):
        response = api(feed_token).get(URL + "?after=1&after=2")

        assert response.status_code == 400

    def test_a_cursor_beyond_the_latest_change_is_a_409(self, x_measure, feed_token, api):
        response = api(feed_token).get(URL, {"after": changes_of(x_measure)[-1] + 5})

        assert response.status_code == 409
        assert response.json()["error"] == "cursor_beyond_feed"
        assert not FeedReader.objects.filter(served_through__gt=0).exists()

    def test_only_get_is_allowed(self, feed_token, api):
        response = api(feed_token).post(URL)

        assert response.status_code == 405
        assert response["Allow"] == "GET"


class TestConfirmingAChange:
    def url(self, change_id: object) -> str:
        return f"{URL}/{change_id}/confirm"

    def test_confirms_the_block_for_the_clients_system(self, x_measure, feed_token, api):
        latest = changes_of(x_measure)[-1]

        response = api(feed_token).post(self.url(latest))

        task = ConfirmationTask.objects.get(change__sequence=latest, system__code="tax")
        assert response.status_code == 200
        assert response.json()["state"] == "confirmed"
        assert response.json()["already_confirmed"] is False
        assert (task.state, task.confirmed_via) == (TaskState.CONFIRMED, ConfirmsBy.API)
        event = AuditEvent.objects.filter(kind=EventKind.PROPAGATION_CONFIRMED).get()
        assert event.decision == "api"
        assert event.data["system"] == "tax"

    def test_confirming_twice_answers_the_first_confirmation_and_changes_nothing(
        self, x_measure, feed_token, api
    ):
        latest = changes_of(x_measure)[-1]
        first = api(feed_token).post(self.url(latest)).json()

        second = api(feed_token).post(self.url(latest))

        assert second.status_code == 200
        assert second.json()["already_confirmed"] is True
        assert second.json()["confirmed_at"] == first["confirmed_at"]
        assert AuditEvent.objects.filter(kind=EventKind.PROPAGATION_CONFIRMED).count() == 1

    def test_a_change_replaced_by_a_later_one_is_a_409_naming_the_later(
        self, x_measure, feed_token, api
    ):
        registered, approved = changes_of(x_measure)

        response = api(feed_token).post(self.url(registered))

        assert response.status_code == 409
        assert response.json()["error"] == "superseded"
        assert response.json()["latest"] == approved

    @pytest.mark.parametrize("change_id", ["999999", "0", "abc", "-1"])
    def test_an_unknown_change_is_a_404(self, x_measure, feed_token, api, change_id):
        response = api(feed_token).post(self.url(change_id))

        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    def test_a_change_of_another_clients_system_is_a_404(
        self, x_measure, make_feed_client, api, register, clerk_a
    ):
        # The welfare system joined after the measure's changes: none of them is its task.
        _, token = make_feed_client(code="welfare_new", name="新福祉システム")
        latest = changes_of(x_measure)[-1]

        response = api(token).post(self.url(latest))

        assert response.status_code == 404
        assert not ConfirmationTask.objects.filter(state=TaskState.CONFIRMED).exists()

    def test_a_client_of_no_linked_system_cannot_confirm(self, x_measure, api, now):
        _, token = actions.create_api_client(
            name="screening only", acting_user=None, created_at=now
        )

        response = api(token).post(self.url(changes_of(x_measure)[-1]))

        assert response.status_code == 403
        assert not ConfirmationTask.objects.filter(state=TaskState.CONFIRMED).exists()

    def test_only_post_is_allowed(self, x_measure, feed_token, api):
        assert api(feed_token).get(self.url(changes_of(x_measure)[-1])).status_code == 405


def test_the_person_history_shows_which_system_was_told(x_measure, x, feed_token, api):
    api(feed_token).get(URL)

    kinds = AuditEvent.objects.filter(people__person_public_id=x.public_id).values_list(
        "kind", flat=True
    )
    assert EventKind.FEED_READ in set(kinds)
    assert Person.objects.filter(public_id=x.public_id).exists()


class TestOnePageTwoWays:
    def test_the_database_builds_the_same_page_as_the_orm(
        self, x_measure, supervisor_a, now, register, clerk_a
    ):
        actions.end_measure(
            measure=x_measure,
            acting_user=supervisor_a,
            end_reason="requested",
            reason="本人の申出",
            decided_at=now,
        )
        register(clerk_a)

        for after, limit in ((0, 1000), (0, 2), (2, 2), (changes_of(x_measure)[-1], 5)):
            built, python = feed.page_of_changes(after, limit), feed.page_in_python(after, limit)

            assert json.loads(built.changes_json) == json.loads(python.changes_json)
            assert (built.count, built.last, built.more, built.persons) == (
                python.count,
                python.last,
                python.more,
                python.persons,
            )

    def test_times_are_written_alike_whatever_their_microseconds(self, clerk_a, register, now):
        for microsecond in (0, 460000, 123456):
            register(clerk_a)
            BlockChange.objects.filter(pk=BlockChange.objects.latest("pk").pk).update(
                created_at=now.replace(microsecond=microsecond)
            )

        built, python = feed.page_of_changes(0, 10), feed.page_in_python(0, 10)

        assert json.loads(built.changes_json) == json.loads(python.changes_json)
        times = [c["recorded_at"] for c in json.loads(built.changes_json)]
        assert [t[19:] for t in times] == [".000000+00:00", ".460000+00:00", ".123456+00:00"]

    def test_an_empty_page_is_an_empty_list(self, db):
        page = feed.page_of_changes(0, 10)

        assert (page.changes_json, page.count, page.last, page.more, page.persons) == (
            "[]",
            0,
            None,
            False,
            [],
        )


class TestLinkingAClient:
    def test_the_command_creates_the_client_of_a_linked_system(self, x_measure, capsys, api):
        call_command("create_api_client", "税務連携", "--linked-system", "tax", "--token-only")

        token = capsys.readouterr().out.strip()
        system = LinkedSystem.objects.get(code="tax")
        assert system.confirms_by == ConfirmsBy.API
        assert system.api_client is not None and system.api_client.name == "税務連携"
        assert api(token).get(URL).status_code == 200
        event = AuditEvent.objects.filter(kind=EventKind.ADMIN_CHANGED).get()
        assert event.data["fields"] == ["api_client", "confirms_by"]

    def test_an_unknown_system_creates_nothing(self, db):
        with pytest.raises(CommandError):
            call_command("create_api_client", "謎", "--linked-system", "nope")

        assert not ApiClient.objects.filter(name="謎").exists()

    def test_a_system_with_a_client_keeps_it(self, make_feed_client, now):
        first, _ = make_feed_client()
        second, _ = actions.create_api_client(name="二つ目", acting_user=None, created_at=now)

        with pytest.raises(actions.ActionRefused):
            feed.link_feed_client(client=second, system_code="tax", acting_user=None, linked_at=now)
        assert LinkedSystem.objects.get(code="tax").api_client == first
