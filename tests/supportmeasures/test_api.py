from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.models import ApiClient
from supportmeasures.openapi import SCHEMA

pytestmark = pytest.mark.django_db
URL = "/api/v1/screenings"


@pytest.fixture
def token(now) -> str:
    _, token = actions.create_api_client(name="住民税システム", acting_user=None, created_at=now)
    return token


def post(path: str, body: Any, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(path, data=data, content_type="application/json", headers=headers)


class TestScreeningsEndpoint:
    def test_finds_the_counterparty_and_says_why(self, token, y, x):
        response = post(
            URL,
            {"name": "山崎 健一", "birth_date": "S61.11.3", "purpose": "納税通知書の送付"},
            token,
        )

        body = response.json()
        assert response.status_code == 200
        assert body["result"] == "counterparty"
        assert body["matches"] == [
            {
                "role": "counterparty",
                "measure_ref": body["matches"][0]["measure_ref"],
                "owning_ward": {"code": "141011", "name": "鶴見区"},
                "result": "counterparty",
                "reasons": ["name_match", "birth_date_match"],
            }
        ]
        assert len(body["screening_id"]) == 36

    def test_never_returns_where_a_protected_person_is(self, token, x):
        response = post(URL, {"name": "山﨑 美咲", "kana": "やまさき みさき"}, token)

        text = response.content.decode()
        assert response.json()["result"] == "protected"
        for secret in (x.address, x.phone, "豊岡町", "045"):
            assert secret not in text

    def test_a_clear_answer(self, token, x):
        body = post(URL, {"kana": "やまだ たろう"}, token).json()

        assert (body["result"], body["matches"]) == ("clear", [])
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_a_hit_is_audited_with_client_purpose_and_result_for_the_owning_ward(self, token, y):
        body = post(URL, {"name": "山﨑 健一", "purpose": "納税通知書の送付"}, token).json()

        event = AuditEvent.objects.get(kind=EventKind.SCREENING_HIT)
        assert (event.actor, event.ward_code, event.reason, event.decision) == (
            None,
            "141011",
            "納税通知書の送付",
            "counterparty",
        )
        assert event.data["client"] == "住民税システム"
        assert event.data["screening_id"] == body["screening_id"]

    @pytest.mark.parametrize(
        "body, field",
        [
            ("{not json", None),
            (b"\xff\xfe", None),
            ([1, 2], ""),
            ({}, "name"),
            ({"name": "", "kana": " "}, "name"),
            ({"name": "高橋", "birth_date": "平成2年2月30日"}, "birth_date"),
            ({"name": "高橋", "birth_date": "R99.1.1"}, "birth_date"),
            ({"name": 5}, "name"),
            ({"name": "x" * 101}, "name"),
        ],
    )
    def test_bad_input_is_a_400_with_a_json_error(self, token, body, field):
        response = post(URL, body, token)

        assert response.status_code == 400
        payload = response.json()
        assert payload["error"] == "bad_request"
        if field is not None:
            assert payload["errors"][0]["field"] == field

    @pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
    def test_without_a_valid_token_is_a_401(self, header, x):
        headers = {"HTTP_AUTHORIZATION": header} if header else {}
        response = Client().post(URL, data="{}", content_type="application/json", **headers)

        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"] == "unauthorized"

    def test_a_revoked_client_is_a_401(self, token, now):
        client = ApiClient.objects.get()
        actions.revoke_api_client(client=client, acting_user=None, revoked_at=now)

        assert post(URL, {"name": "高橋"}, token).status_code == 401
        assert AuditEvent.objects.filter(kind=EventKind.API_CLIENT_REVOKED).count() == 1

    def test_get_is_a_405_not_a_login_page(self, token):
        response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")

        assert response.status_code == 405
        assert response["Allow"] == "POST"


class TestBatchEndpoint:
    def test_one_result_per_entry_in_order(self, token, x, y):
        entries = [
            {"name": "山田 太郎"},
            {"name": "山崎健一"},
            {"kana": "ヤマサキ ミサキ", "birth_date": "H2.5.12"},
        ]

        response = post(URL + "/batch", {"purpose": "案内状", "entries": entries}, token)

        assert response.status_code == 200
        assert [r["result"] for r in response.json()["results"]] == [
            "clear",
            "counterparty",
            "protected",
        ]
        for secret in (x.address, x.phone, y.address):
            assert secret not in response.content.decode()
        assert AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).count() == 2

    def test_more_than_ten_thousand_entries_are_refused(self, token):
        response = post(URL + "/batch", {"entries": [{"name": "a"}] * 10_001}, token)

        assert response.status_code == 400

    def test_a_bad_entry_refuses_the_batch_and_names_it(self, token, y):
        response = post(URL + "/batch", {"entries": [{"name": "a"}, {"birth_date": "x"}]}, token)

        assert response.status_code == 400
        assert {e["index"] for e in response.json()["errors"]} == {1}
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()


class TestSchemaAndClients:
    def test_the_schema_is_served_and_kept_in_docs(self):
        response = Client().get("/api/v1/schema")

        assert response.status_code == 200
        assert response.json() == SCHEMA
        docs = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
        assert json.loads(docs.read_text(encoding="utf-8")) == SCHEMA

    def test_create_api_client_prints_the_token_last_and_stores_only_its_hash(self, capsys):
        call_command("create_api_client", "福祉システム")

        token = capsys.readouterr().out.strip().splitlines()[-1]
        client = ApiClient.objects.get(name="福祉システム")
        assert token.startswith("mmr_") and client.token_hash == actions.hash_token(token)
        assert token not in json.dumps(list(ApiClient.objects.values()), default=str)
        ping = Client().get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert ping.json() == {"client": "福祉システム"}


class TestLargeBodies:
    def test_ten_thousand_entries_with_addresses_fit(self, token, y):
        entries = [
            {
                "name": "山田 太郎",
                "kana": "ヤマダ タロウ",
                "birth_date": "1980-01-01",
                "address": "横浜市鶴見区鶴見中央1-2-3 グリーンハイツ305号室",
            }
        ] * 10_000

        response = post(URL + "/batch", {"purpose": "案内", "entries": entries}, token)

        assert response.status_code == 200
        assert len(response.json()["results"]) == 10_000

    def test_a_body_over_the_limit_is_a_json_400(self, token):
        response = post(URL, {"name": "x" * 100, "pad": "y" * (9 * 1024 * 1024)}, token)

        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"
