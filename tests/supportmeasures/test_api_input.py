"""Every malformed body gets a JSON 400 that says what is wrong, never an HTML 500, and
nothing is screened or recorded; what the schema allows (null for an optional field) works."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions

pytestmark = pytest.mark.django_db
SINGLE = "/api/v1/screenings"
BATCH = "/api/v1/screenings/batch"


@pytest.fixture
def token(now) -> str:
    _, token = actions.create_api_client(name="住民税システム", acting_user=None, created_at=now)
    return token


def send(path: str, body: str | bytes, token: str, content_type: str = "application/json"):
    return Client().post(
        path, data=body, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )


MALFORMED = {
    "invalid JSON": (SINGLE, "{not json", None),
    "not UTF-8": (SINGLE, b'{"name": "\xff"}', None),
    "a lone surrogate in the name": (SINGLE, '{"name": "\\ud800"}', "name"),
    "a lone surrogate in the purpose": (
        SINGLE,
        '{"name": "山崎", "purpose": "\\udfff"}',
        "purpose",
    ),
    "a lone surrogate in a batch entry": (BATCH, '{"entries": [{"kana": "\\ud83d"}]}', "kana"),
    "10,000 nested arrays": (SINGLE, "[" * 10_000 + "]" * 10_000, None),
    "10,000 nested objects": (SINGLE, '{"a":' * 10_000 + "1" + "}" * 10_000, None),
    "a 1 MB name": (SINGLE, json.dumps({"name": "山" * 1_000_000}), "name"),
    "a 1 MB date of birth": (
        SINGLE,
        json.dumps({"name": "a", "birth_date": "1" * 10**6}),
        "birth_date",
    ),
    "a number of 5,000 digits": (SINGLE, '{"name": "a", "n": ' + "9" * 5000 + "}", None),
    "NUL in the name": (SINGLE, json.dumps({"name": "山崎\x00健一"}), "name"),
    "a name that is a list": (SINGLE, json.dumps({"name": ["山崎"]}), "name"),
    "a purpose that is a number": (SINGLE, json.dumps({"name": "山崎", "purpose": 5}), "purpose"),
    "a date that is an object": (SINGLE, json.dumps({"name": "a", "birth_date": {}}), "birth_date"),
    "a body that is a list": (SINGLE, "[1, 2]", ""),
    "a body that is a string": (SINGLE, '"山崎"', ""),
    "a body that is null": (SINGLE, "null", ""),
    "a body that is a number": (SINGLE, "1e999", ""),
    "an empty body": (SINGLE, "", None),
    "a batch that is a list": (BATCH, json.dumps([{"name": "a"}]), None),
    "entries that is an object": (BATCH, json.dumps({"entries": {"name": "a"}}), None),
    "an entry that is a string": (BATCH, json.dumps({"entries": ["山崎"]}), ""),
    "no entries": (BATCH, json.dumps({"entries": []}), None),
    "a blank name and reading": (SINGLE, json.dumps({"name": " ", "kana": "\u3000"}), "name"),
}


class TestMalformedBodies:
    @pytest.mark.parametrize(("path", "body", "field"), MALFORMED.values(), ids=MALFORMED.keys())
    def test_is_a_json_400_and_nothing_is_screened(self, token, y, path, body, field):
        response = send(path, body, token)

        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        payload = response.json()
        assert payload["error"] == "bad_request"
        if field is not None:
            assert payload["errors"][0]["field"] == field
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    @pytest.mark.parametrize(
        "content_type",
        [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin-1",
        ],
    )
    def test_another_content_type_is_a_json_400(self, token, y, content_type):
        response = send(SINGLE, json.dumps({"name": "山崎 健一"}), token, content_type)

        assert response.status_code == 400
        assert "application/json" in response.json()["message"]
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_the_message_never_echoes_the_value(self, token):
        response = send(SINGLE, json.dumps({"name": "秘密" * 100}), token)

        assert "秘密" not in response.content.decode()


class TestWhatTheSchemaAllows:
    def test_null_for_every_optional_field_is_not_given(self, token, y):
        body = {"name": "山崎 健一", "kana": None, "birth_date": None, "address": None}

        response = send(SINGLE, json.dumps({**body, "purpose": None}), token)

        assert response.status_code == 200
        assert response.json()["result"] == "counterparty"
        assert AuditEvent.objects.get(kind=EventKind.SCREENING_HIT).reason == ""

    def test_a_charset_utf_8_parameter_is_fine(self, token, y):
        response = send(
            SINGLE,
            json.dumps({"kana": "ヤマサキ ケンイチ"}),
            token,
            "application/json; charset=UTF-8",
        )

        assert response.status_code == 200


class TestUnknownPaths:
    @pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/screenings", "/api/"])
    def test_an_unknown_api_path_is_a_json_404(self, token, client, path):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"] == "not_found"

    def test_an_unknown_page_is_still_the_html_404(self, client):
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
