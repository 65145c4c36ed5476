"""The issuance-check API (issue 11): another system asks whether a certificate may be issued.

`POST /api/v1/issuance-checks` records the request (`record_request`, the same rules as the
counter) and answers its decision; `GET /api/v1/issuance-checks/<check_id>` answers its decision
now (`current_decision`: `issue` only while a temporary release for it is valid). Bearer token,
JSON errors and rate limits as the screening API (`supportmeasures.api`); names and dates read
by its `parse_entry` (和暦 included).

Never answered: an address, an owning ward, a measure reference, a person id; only the
decision, its reason codes and one result per subject. A client sees only its own checks: any
other id is a 404, exactly like one that does not exist.

The OpenAPI description below is built from the same definitions the validator uses and added
to the registry's document by `describe()` (called from `inquiries/apps.py`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from inquiries.requests.actions import MAX_SUBJECTS, Named, Requester, record_request
from inquiries.requests.models import (
    Document,
    DocumentRequest,
    RequestChannel,
    RequestDecision,
    RequesterType,
)
from inquiries.requests.permissions import current_decision
from inquiries.requests.rules import Reason
from supportmeasures import actions as registry_actions
from supportmeasures import openapi
from supportmeasures.api import BadRequest, _err, _json_body, _text, api_view, error, parse_entry
from supportmeasures.models import ApiClient
from supportmeasures.openapi import PURPOSE, TextField
from supportmeasures.refusals import ActionRefused
from supportmeasures.screening import Result

ORGANISATION = TextField(
    200, "事務所・機関名 (the firm, office or body acting): screened as a name like the people"
)
SUBJECT_RESULTS = [Result.CLEAR, Result.POSSIBLE_MATCH, Result.PROTECTED, Result.COUNTERPARTY]


def _choice(
    body: dict[str, Any], key: str, allowed: list[str], errors: list[dict[str, Any]]
) -> str:
    value = body.get(key)
    if not isinstance(value, str) or value not in allowed:
        errors.append(_err(None, key, "must be one of " + ", ".join(allowed)))
        return ""
    return value


def _documents(body: dict[str, Any], errors: list[dict[str, Any]]) -> list[str]:
    value = body.get("documents")
    if not isinstance(value, list) or not value or len(value) > len(Document.values) * 4:
        errors.append(_err(None, "documents", "must be a non-empty list of document codes"))
        return []
    bad = [i for i, d in enumerate(value) if not isinstance(d, str) or d not in Document.values]
    for index in bad[:10]:
        errors.append(_err(index, "documents", "must be one of " + ", ".join(Document.values)))
    return [] if bad else list(value)


def _named(entry: dict[str, Any], index: int | None, errors: list[dict[str, Any]]) -> Named:
    query, entry_errors = parse_entry(entry, index)
    errors.extend(entry_errors)
    return Named(query.name, query.kana, query.birth_date)


def _prefixed(errors: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [{**e, "field": f"{prefix}.{e['field']}" if e["field"] else prefix} for e in errors]


def _requester(body: dict[str, Any], errors: list[dict[str, Any]]) -> Requester:
    value = body.get("requester")
    if not isinstance(value, dict):
        errors.append(_err(None, "requester", "must be a JSON object"))
        return Requester()
    own: list[dict[str, Any]] = []
    kind = _choice(value, "type", RequesterType.values, own)
    named = _named(value, None, own)
    organisation = _text(value, "organisation", ORGANISATION, own, None)
    errors.extend(_prefixed(own, "requester"))
    return Requester(named.name, named.kana, named.birth_date, type=kind, organisation=organisation)


def _client(body: dict[str, Any], errors: list[dict[str, Any]]) -> Named | None:
    """The 依頼者: absent, null or an object with nothing in it means none was named."""
    value = body.get("client")
    if value is None or value == {}:
        return None
    own: list[dict[str, Any]] = []
    named = _named(value, None, own)
    errors.extend(_prefixed(own, "client"))
    return named


def _subjects(body: dict[str, Any], errors: list[dict[str, Any]]) -> list[Named]:
    value = body.get("subjects")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SUBJECTS:
        errors.append(_err(None, "subjects", f"must be a list of 1 to {MAX_SUBJECTS} people"))
        return []
    own: list[dict[str, Any]] = []
    subjects = [_named(entry, i, own) for i, entry in enumerate(value)]
    errors.extend(_prefixed(own, "subjects"))
    return subjects


def render(request: DocumentRequest, decision: str, reasons: list[str]) -> dict[str, Any]:
    return {
        "check_id": str(request.public_id),
        "decision": decision,
        "reasons": list(reasons),
        "subjects": [
            {"index": s.position - 1, "result": s.result}
            for s in sorted(request.subjects.all(), key=lambda s: s.position)
        ],
    }


@api_view("POST")
def issuance_checks(request: HttpRequest, client: ApiClient) -> HttpResponse:
    body = _json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    errors: list[dict[str, Any]] = []
    documents = _documents(body, errors)
    channel = _choice(body, "channel", RequestChannel.values, errors)
    requester = _requester(body, errors)
    named_client = _client(body, errors)
    subjects = _subjects(body, errors)
    purpose = _text(body, "purpose", PURPOSE, errors, None)
    if errors:
        raise BadRequest("The request is not valid; nothing was recorded.", errors[:100])
    now = timezone.now()
    people = len(subjects) + 1 + (named_client is not None) + bool(requester.organisation)
    registry_actions.count_client_screening(client=client, people=people, screened_at=now)
    try:
        recorded = record_request(
            ward=None,
            by=None,
            api_client=client,
            recorded_at=now,
            documents=documents,
            channel=channel,
            requester=requester,
            client=named_client,
            subjects=subjects,
            purpose=purpose,
        )
    except ActionRefused as exc:
        raise BadRequest(str(exc)) from exc
    decision, reasons = current_decision(recorded, now, just_recorded=True)
    return JsonResponse(render(recorded, decision, reasons))


@api_view("GET")
def issuance_check(request: HttpRequest, client: ApiClient, check_id: str) -> HttpResponse:
    try:
        public_id = uuid.UUID(check_id)
    except ValueError:
        return error(404, "not_found", "No issuance check with this id for this client.")
    found = (
        DocumentRequest.objects.filter(public_id=public_id, api_client=client)
        .prefetch_related("subjects")
        .first()
    )
    if found is None:
        return error(404, "not_found", "No issuance check with this id for this client.")
    decision, reasons = current_decision(found, timezone.now())
    return JsonResponse(render(found, decision, reasons))


# --- OpenAPI -------------------------------------------------------------------------------

_PERSON = {"$ref": "#/components/schemas/Entry"}
_REQUEST = {
    "type": "object",
    "required": ["documents", "channel", "requester", "subjects"],
    "properties": {
        "documents": {
            "type": "array",
            "minItems": 1,
            "maxItems": len(Document.values) * 4,
            "items": {"type": "string", "enum": Document.values},
            "description": "The certificates asked for (repeats are read once).",
        },
        "channel": {"type": "string", "enum": RequestChannel.values},
        "requester": {
            "allOf": [
                _PERSON,
                {
                    "type": "object",
                    "required": ["type"],
                    "properties": {
                        "type": {"type": "string", "enum": RequesterType.values},
                        "organisation": ORGANISATION.schema(),
                    },
                },
            ],
            "description": "Who asks. An attorney or agent acting for a counterparty is the "
            "counterparty: the requester, the organisation and the client are all screened.",
        },
        "client": {
            "oneOf": [{"type": "null"}, {"type": "object", "maxProperties": 0}, _PERSON],
            "description": "依頼者 of a 職務上請求. Optional; a professional request without it "
            "is always `review`.",
        },
        "subjects": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_SUBJECTS,
            "items": _PERSON,
            "description": "The people the certificates are about.",
        },
        "purpose": PURPOSE.schema(),
    },
}
_CHECK = {
    "type": "object",
    "required": ["check_id", "decision", "reasons", "subjects"],
    "properties": {
        "check_id": {"type": "string", "format": "uuid"},
        "decision": {
            "type": "string",
            "enum": RequestDecision.values,
            "description": "issue: may be issued; refuse: must not be; review: a 支援措置責任者 "
            "decides in Mamori (GET the check again). A reviewed check answers `issue` only "
            "while its temporary release is valid.",
        },
        "reasons": {"type": "array", "items": {"type": "string", "enum": Reason.values}},
        "subjects": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "result"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "result": {"type": "string", "enum": SUBJECT_RESULTS},
                },
            },
            "description": "One per subject, in the order sent. Never an address or a ward.",
        },
    },
}
_ERRORS = {
    400: "Not JSON, a field missing, of the wrong type or unknown code, too long, a person "
    "without name or kana, more than 20 subjects, or an impossible date",
    401: "No valid bearer token",
    404: "No check with this id for this client (another client's check is not found either)",
    429: "Too many screenings by this client in the window (each check counts one, and its "
    "people: subjects, requester, client, organisation)",
}


def _responses(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": _ERRORS[code],
            **(
                {
                    "headers": {
                        "Retry-After": {
                            "required": True,
                            "description": "Seconds until the window ends",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    }
                }
                if code == 429
                else {}
            ),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


_ANSWER = {"application/json": {"schema": {"$ref": "#/components/schemas/IssuanceCheck"}}}
PATHS: dict[str, Any] = {
    "/issuance-checks": {
        "post": {
            "summary": "Check whether certificates may be issued (交付・閲覧の請求)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssuanceCheckRequest"}
                    }
                },
            },
            "responses": {
                "200": {"description": "The decision", "content": _ANSWER},
                **_responses(400, 401, 429),
            },
        }
    },
    "/issuance-checks/{check_id}": {
        "get": {
            "summary": "The check's decision now (after a review, a temporary release)",
            "parameters": [
                {
                    "name": "check_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                }
            ],
            "responses": {
                "200": {"description": "The decision now", "content": _ANSWER},
                **_responses(401, 404),
            },
        }
    },
}


def describe() -> None:
    """Add the issuance checks to the API's OpenAPI document (inquiries/apps.py, at start)."""
    openapi.add_paths(PATHS, {"IssuanceCheckRequest": _REQUEST, "IssuanceCheck": _CHECK})
