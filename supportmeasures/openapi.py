"""OpenAPI 3.1 description of the screening API. docs/openapi.json is this, written out
(a test keeps the two equal: run `python manage.py export_openapi` after a change)."""

from typing import Any

_ENTRY = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 100, "description": "氏名: kanji, kana or Latin"},
        "kana": {"type": "string", "maxLength": 200, "description": "フリガナ: any script/width"},
        "birth_date": {
            "type": "string",
            "description": "ISO (2025-04-01) or 和暦 (令和7年4月1日, R7.4.1, S60.11.3)",
        },
        "address": {
            "type": "string",
            "maxLength": 300,
            "description": "Accepted for the caller's convenience; not used, stored or echoed.",
        },
    },
    "description": "name or kana is required.",
}

_MATCH = {
    "type": "object",
    "required": ["role", "measure_ref", "owning_ward", "result", "reasons"],
    "properties": {
        "role": {"type": "string", "enum": ["protected", "joint", "counterparty"]},
        "measure_ref": {"type": "string"},
        "owning_ward": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
        },
        "result": {"type": "string", "enum": ["counterparty", "protected", "possible_match"]},
        "reasons": {
            "type": "array",
            "items": {
                "type": "string",
                "enum": [
                    "name_match",
                    "alias_match",
                    "reading_match",
                    "mixed_script_match",
                    "loose_reading_match",
                    "given_name_first",
                    "romaji_match",
                    "confusable_kanji_match",
                    "birth_date_match",
                    "birth_date_mismatch",
                    "birth_date_unknown",
                ],
            },
        },
    },
}

_SCREENING = {
    "type": "object",
    "required": ["screening_id", "result", "matches"],
    "properties": {
        "screening_id": {"type": "string", "format": "uuid"},
        "result": {
            "type": "string",
            "enum": ["counterparty", "protected", "possible_match", "clear"],
            "description": "The strongest: counterparty > protected > possible_match > clear.",
        },
        "matches": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
    },
}

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Malformed JSON, no name or kana, or an impossible date",
        401: "No valid bearer token",
    }
    return {
        str(code): {
            "description": text[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


SCHEMA: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Mamori screening API",
        "version": "1",
        "description": (
            "Check a person against the support-measure registry (支援措置) before a letter or "
            "a call. Answers never contain an address, a phone number or any other location "
            "of a protected person. Every screening that is not clear is recorded in the "
            "audit log with the client, the purpose and the result, and the owning ward can "
            "see it."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/screenings": {
            "post": {
                "summary": "Screen one person",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Entry"},
                            {"type": "object", "properties": {
                                "purpose": {"type": "string", "maxLength": 200}}},
                        ]
                    }}},
                },
                "responses": {
                    "200": {"description": "The result", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Screening"}}}},
                    **_errors(400, 401),
                },
            }
        },
        "/screenings/batch": {
            "post": {
                "summary": "Screen up to 10,000 people (a mailing list) in one call",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["entries"],
                        "properties": {
                            "purpose": {"type": "string", "maxLength": 200},
                            "entries": {
                                "type": "array", "minItems": 1, "maxItems": 10000,
                                "items": {"$ref": "#/components/schemas/Entry"},
                            },
                        },
                    }}},
                },
                "responses": {
                    "200": {"description": "One result per entry, in order", "content": {
                        "application/json": {"schema": {
                            "type": "object",
                            "properties": {"results": {"type": "array", "items": {
                                "$ref": "#/components/schemas/Screening"}}},
                        }}}},
                    **_errors(400, 401),
                },
            }
        },
        "/ping": {
            "get": {
                "summary": "Check the token",
                "responses": {"200": {"description": "The client's name"}, **_errors(401)},
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Entry": _ENTRY, "Match": _MATCH, "Screening": _SCREENING, "Error": _ERROR},
    },
}  # fmt: skip
