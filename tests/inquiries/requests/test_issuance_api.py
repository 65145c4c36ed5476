"""The issuance-check API's contract: POST /api/v1/issuance-checks, GET .../<check_id>."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from auditlog.models import AuditEvent, EventKind
from inquiries.requests import actions as request_actions
from inquiries.requests.models import DocumentRequest, RequestSource
from supportmeasures import actions
from supportmeasures.openapi import SCHEMA

pytestmark = pytest.mark.django_db
URL = "/api/v1/issuance-checks"
X_SUBJECT = {"name": "山﨑 美咲", "kana": "ヤマサキ ミサキ", "birth_date": "H2.5.12"}
Y_PERSON = {"name": "山崎 健一", "kana": "やまさき けんいち", "birth_date": "1986-11-03"}
STRANGER = {"name": "佐藤 花子", "kana": "サトウ ハナコ", "birth_date": "1970-01-01"}


@pytest.fixture
def token(now) -> str:
    _, token = actions.create_api_client(
        name="コンビニ交付システム", acting_user=None, created_at=now
    )
    return token


@pytest.fixture
def other_token(now) -> str:
    _, token = actions.create_api_client(name="税務システム", acting_user=None, created_at=now)
    return token


def post(body: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(URL, data=data, content_type="application/json", headers=headers)


def get(check_id: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(f"{URL}/{check_id}", headers=headers)


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "documents": ["juminhyo"],
        "channel": "counter",
        "requester": {"type": "self", **X_SUBJECT},
        "subjects": [X_SUBJECT],
        "purpose": "手続きのため",
    }
    data.update(overrides)
    return data


class TestPostDecisions:
    def test_a_stranger_asking_about_a_stranger_may_be_issued(self, token, x):
        response = post(body(requester={"type": "self", **STRANGER}, subjects=[STRANGER]), token)

        answer = response.json()
        assert response.status_code == 200
        assert answer["decision"] == "issue"
        assert answer["reasons"] == []
        assert answer["subjects"] == [{"index": 0, "result": "clear"}]
        assert uuid.UUID(answer["check_id"])
        assert set(answer) == {"check_id", "decision", "reasons", "subjects"}

    def test_a_counterpartys_attorney_is_refused_and_nothing_says_where(self, token, x, y):
        response = post(
            body(
                channel="mail",
                requester={"type": "professional", "name": "弁護士 田中 一郎",
                           "organisation": "田中法律事務所"},
                client=Y_PERSON,
            ),
            token,
        )  # fmt: skip

        answer = response.json()
        assert answer["decision"] == "refuse"
        assert "client_counterparty" in answer["reasons"]
        assert answer["subjects"] == [{"index": 0, "result": "protected"}]
        text = response.content.decode()
        for secret in (x.address, x.phone, "豊岡町", "141011", "鶴見", "measure"):
            assert secret not in text

    def test_a_professional_request_without_a_client_goes_to_review(self, token, x):
        clients: list[dict[str, str] | None] = [{}, None]
        for client in clients:
            response = post(
                body(requester={"type": "professional", "name": "司法書士 鈴木"}, client=client),
                token,
            )

            answer = response.json()
            assert answer["decision"] == "review"
            assert "professional_without_client" in answer["reasons"]

    def test_the_protected_person_by_convenience_store_is_refused(self, token, x):
        answer = post(body(channel="convenience_store"), token).json()

        assert answer["decision"] == "refuse"
        assert "channel_not_counter" in answer["reasons"]

    def test_reads_era_dates_and_one_result_per_subject_in_order(self, token, x):
        subjects = [STRANGER, {"name": "山﨑 美咲", "birth_date": "平成2年5月12日"}]

        answer = post(body(requester={"type": "third_party", **STRANGER}, subjects=subjects),
                      token).json()  # fmt: skip

        assert [s["result"] for s in answer["subjects"]] == ["clear", "protected"]
        assert answer["decision"] == "review"

    def test_is_recorded_for_the_client_with_its_event(self, token, x):
        answer = post(body(), token).json()

        request = DocumentRequest.objects.get(public_id=answer["check_id"])
        assert request.source == RequestSource.API
        assert request.api_client is not None
        assert request.api_client.name == "コンビニ交付システム"
        event = AuditEvent.objects.get(kind=EventKind.REQUEST_RECORDED)
        assert event.data["source"] == "api" and event.data["api_client"] == request.api_client_id


class TestPostBadInput:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"documents": []}, "documents"),
            ({"documents": ["passport"]}, "documents"),
            ({"documents": "juminhyo"}, "documents"),
            ({"channel": "fax"}, "channel"),
            ({"channel": None}, "channel"),
            ({"requester": {"name": "誰か"}}, "requester.type"),
            ({"requester": {"type": "self"}}, "requester.name"),
            ({"requester": "本人"}, "requester"),
            ({"requester": {"type": "self", "name": "x", "organisation": "o" * 201}},
             "requester.organisation"),
            ({"client": {"kana": 5}}, "client.kana"),
            ({"client": {"birth_date": "1990-01-01"}}, "client.name"),
            ({"subjects": []}, "subjects"),
            ({"subjects": [STRANGER] * 21}, "subjects"),
            ({"subjects": [{"name": "x", "birth_date": "平成2年2月30日"}]}, "subjects.birth_date"),
            ({"subjects": [{"name": "x", "birth_date": "2999-01-01"}]}, "subjects.birth_date"),
            ({"subjects": [{"kana": ""}]}, "subjects.name"),
            ({"purpose": 3}, "purpose"),
        ],
    )  # fmt: skip
    def test_is_a_400_naming_the_field_and_records_nothing(self, token, x, change, field):
        response = post(body(**change), token)

        assert response.status_code == 400
        answer = response.json()
        assert answer["error"] == "bad_request"
        assert field in [e["field"] for e in answer["errors"]]
        assert not DocumentRequest.objects.exists()

    @pytest.mark.parametrize("raw", ["[]", "null", "{", b"\xff"])
    def test_a_body_that_is_not_an_object_is_a_400(self, token, raw):
        response = post(raw, token)

        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"

    def test_without_a_token_is_a_401(self, x):
        response = post(body(), None)

        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_get_on_the_collection_is_a_405(self, token):
        response = Client().get(URL, headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 405

    def test_over_the_clients_limit_is_a_429_and_nothing_is_recorded(self, token, x, settings):
        settings.MAMORI_SCREENING_LIMIT_CLIENT = 1

        first = post(body(), token)
        second = post(body(), token)

        assert (first.status_code, second.status_code) == (200, 429)
        assert int(second["Retry-After"]) >= 1
        assert DocumentRequest.objects.count() == 1


class TestGetCheck:
    def test_answers_the_decision_recorded(self, token, x):
        posted = post(body(channel="convenience_store"), token).json()

        response = get(posted["check_id"], token)

        assert response.status_code == 200
        assert response.json() == posted

    def test_a_review_answers_review_then_issue_while_the_release_is_valid(
        self, token, x, officer_a
    ):
        check_id = post(body(), token).json()["check_id"]
        assert get(check_id, token).json()["decision"] == "review"
        request = DocumentRequest.objects.get(public_id=check_id)

        request_actions.review_request(
            request=request,
            by=officer_a,
            reviewed_at=datetime.datetime.now(datetime.UTC),
            outcome="issue",
            reason="本人確認済み",
        )

        answer = get(check_id, token).json()
        assert answer["decision"] == "issue" and "release_valid" in answer["reasons"]

    def test_a_release_run_out_answers_refuse(self, token, x, officer_a):
        check_id = post(body(), token).json()["check_id"]
        request = DocumentRequest.objects.get(public_id=check_id)

        request_actions.review_request(
            request=request,
            by=officer_a,
            reviewed_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=20),
            outcome="issue",
            reason="本人確認済み",
        )

        answer = get(check_id, token).json()
        assert answer["decision"] == "refuse" and "release_ended" in answer["reasons"]

    def test_another_clients_check_is_not_found(self, token, other_token, x):
        check_id = post(body(), token).json()["check_id"]

        response = get(check_id, other_token)

        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    @pytest.mark.parametrize("check_id", ["not-a-uuid", str(uuid.uuid4())])
    def test_an_unknown_id_is_a_json_404(self, token, check_id):
        response = get(check_id, token)

        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    def test_a_counter_request_is_never_an_api_check(self, token, x, record):
        request = record()

        assert get(str(request.public_id), token).status_code == 404

    def test_without_a_token_is_a_401(self, token, x):
        check_id = post(body(), token).json()["check_id"]

        assert get(check_id, None).status_code == 401


class TestOpenApi:
    def test_describes_both_operations(self):
        paths = SCHEMA["paths"]

        assert set(paths["/issuance-checks"]) == {"post"}
        assert set(paths["/issuance-checks/{check_id}"]) == {"get"}
        request = SCHEMA["components"]["schemas"]["IssuanceCheckRequest"]
        assert request["required"] == ["documents", "channel", "requester", "subjects"]
        assert request["properties"]["subjects"]["maxItems"] == 20
