"""OpenAPI 3.1 description of the screening API. docs/openapi.json is this, written out
(a test keeps the two equal: run `python manage.py export_openapi` after a change).

The request bodies are generated from the same definitions the API validates with
(`ENTRY_FIELDS`, `PURPOSE`, `ONE_OF_REQUIRED`, `BATCH_LIMIT`, used by `api.parse_entry`), so
the description and the validator cannot disagree on a type, a length, a null or a required
field. What a schema cannot say (an impossible or future date of birth) is in the
descriptions, and answered with a 400 that names the field.
"""

from dataclasses import dataclass
from typing import Any

# PostgreSQL text cannot hold NUL: such a string is refused, and the schema says so.
NO_NUL = "^[^\\u0000]*$"
# Not blank once stripped: one character that is not whitespace to Python's str.strip, and
# to ECMA and Rust regular expressions too (which do not count U+001C..U+001F as whitespace).
NOT_BLANK = "[^\\s\\x1c-\\x1f]"
BATCH_LIMIT = 10_000
# A date of birth as `wareki.parse_date` reads it: a past day, in ISO or the era calendar.
DATE_FORMAT = "date-iso-or-wareki"


@dataclass(frozen=True)
class TextField:
    """An optional string: absent, null and blank all mean "not given"; surrounding
    whitespace is ignored; at most `max_length` characters; no NUL, no lone surrogate."""

    max_length: int
    description: str
    format: str = ""

    def schema(self) -> dict[str, Any]:
        return {
            "type": ["string", "null"],
            "maxLength": self.max_length,
            "pattern": NO_NUL,
            **({"format": self.format} if self.format else {}),
            "description": self.description,
        }


ENTRY_FIELDS: dict[str, TextField] = {
    "name": TextField(100, "氏名: kanji, kana or Latin"),
    "kana": TextField(200, "フリガナ: any script/width"),
    "birth_date": TextField(
        40,
        "ISO (2025-04-01) or 和暦 (令和7年4月1日, R7.4.1, S60.11.3). An impossible date "
        "(平成2年2月30日), one outside its era or one in the future is answered with a 400.",
        format=DATE_FORMAT,
    ),
    "address": TextField(300, "Accepted for the caller's convenience; not used, stored or echoed."),
}
# At least one of these must be given (not blank).
ONE_OF_REQUIRED = ("name", "kana")
PURPOSE = TextField(200, "Why the caller screens (recorded with every hit), e.g. 納税通知書の送付")

_ENTRY = {
    "type": "object",
    "properties": {key: field.schema() for key, field in ENTRY_FIELDS.items()},
    "anyOf": [
        {"required": [key], "properties": {key: {"type": "string", "pattern": NOT_BLANK}}}
        for key in ONE_OF_REQUIRED
    ],
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
        400: (
            "Not JSON (or not sent as application/json), too large (8 MB), nested too deep, "
            "a field of the wrong type or too long, no name or kana, or an impossible date"
        ),
        401: "No valid bearer token",
        429: (
            "Too many screenings by this client in the window (MAMORI_SCREENING_LIMIT_CLIENT "
            "per MAMORI_SCREENING_WINDOW_SECONDS, a batch counting one), or too many people "
            "screened (MAMORI_SCREENING_PEOPLE_CLIENT per "
            "MAMORI_SCREENING_PEOPLE_WINDOW_SECONDS)"
        ),
    }
    headers = {
        429: {
            "Retry-After": {
                "required": True,
                "description": "Seconds until the window ends",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
    return {
        str(code): {
            "description": text[code],
            **({"headers": headers[code]} if code in headers else {}),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


# The change feed (supportmeasures/propagation/api.py, docs/propagation.md).
FEED_PAGE_LIMIT = 1000
_FEED_PERSON = {
    "type": "object",
    "required": ["id", "role", "name", "kana", "birth_date"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "The person's id in Mamori"},
        "role": {"type": "string", "enum": ["protected", "joint"]},
        "name": {"type": "string"},
        "kana": {"type": "string"},
        "birth_date": {"type": ["string", "null"], "format": "date"},
    },
    "description": "Who to find in your records: never an address, a phone or a ward.",
}
_CHANGE = {
    "type": "object",
    "required": [
        "id",
        "measure",
        "kind",
        "effective_from",
        "ends_on",
        "blocks",
        "persons",
        "released_persons",
        "documents",
        "recorded_at",
    ],
    "properties": {
        "id": {
            "type": "integer",
            "minimum": 1,
            "description": "The change's place in the feed (commit order); the cursor",
        },
        "measure": {
            "type": "integer",
            "description": (
                "An opaque number for the measure (not its reference): a person stays "
                "restricted while any measure's latest change lists them in persons"
            ),
        },
        "kind": {
            "type": "string",
            "enum": [
                "registered",
                "approved",
                "refused",
                "extended",
                "period_corrected",
                "ended",
                "released",
                "coverage_changed",
                "imported",
                "forward_received",
                "moved_out",
            ],
        },
        "effective_from": {"type": "string", "format": "date"},
        "ends_on": {
            "type": ["string", "null"],
            "format": "date",
            "description": (
                "The end of the period decided, if any. Informational: never lift the block "
                "on this date. A measure past its end still protects (lapsed) until a change "
                "with blocks false says otherwise."
            ),
        },
        "blocks": {
            "type": "boolean",
            "description": "Whether the measure still blocks (false: lift it)",
        },
        "persons": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/FeedPerson"},
            "description": "Everyone restricted now (the whole state, not a diff)",
        },
        "released_persons": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/FeedPerson"},
            "description": "Who is no longer restricted by this measure",
        },
        "documents": {
            "type": "array",
            "items": {
                "type": "string",
                "enum": ["inspection", "resident_copies", "koseki_attachment"],
            },
        },
        "recorded_at": {"type": "string", "format": "date-time"},
    },
}
_FEED_ERRORS = {
    "400": "A cursor or limit that is not a whole number, out of range, or given twice; "
    "a query parameter other than after and limit",
    "401": "No valid bearer token",
    "403": "The client is not the API client of an active linked system",
    "404": "No such change, or none your system was asked to confirm",
    "409": "Reading: the cursor is beyond the latest change (not one this feed gave). "
    "Confirming: a later change of the same measure replaced this one (confirm `latest`)",
}


def _feed_errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": _FEED_ERRORS[str(code)],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


_FEED_PATHS = {
    "/changes": {
        "get": {
            "summary": "The block changes since a cursor, in commit order",
            "description": (
                "For the API client of a linked system. Page with `next` until `more` is "
                "false; keep `next` and ask from it next time. The cursor never skips nor "
                "repeats a change, even while changes commit. Every read that serves a "
                "change is recorded with the people it named."
            ),
            "parameters": [
                {
                    "name": "after",
                    "in": "query",
                    "required": False,
                    "description": "The `next` of the previous page (0 or absent: from the start)",
                    "schema": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": f"At most this many changes (default {FEED_PAGE_LIMIT})",
                    "schema": {"type": "integer", "minimum": 1, "maximum": FEED_PAGE_LIMIT},
                },
            ],
            "responses": {
                "200": {
                    "description": "A page of changes",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["changes", "next", "more"],
                                "properties": {
                                    "changes": {
                                        "type": "array",
                                        "maxItems": FEED_PAGE_LIMIT,
                                        "items": {"$ref": "#/components/schemas/Change"},
                                    },
                                    "next": {"type": "integer", "minimum": 0},
                                    "more": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                **_feed_errors(400, 401, 403, 409),
            },
        }
    },
    "/changes/{change_id}/confirm": {
        "post": {
            "summary": "Confirm that your system has applied a change",
            "description": (
                "Idempotent: confirming again answers with the first confirmation "
                "(`already_confirmed`: true) and changes nothing."
            ),
            "parameters": [
                {
                    "name": "change_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            ],
            "responses": {
                "200": {
                    "description": "Confirmed",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["id", "state", "confirmed_at", "already_confirmed"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "state": {"type": "string", "enum": ["confirmed"]},
                                    "confirmed_at": {"type": "string", "format": "date-time"},
                                    "already_confirmed": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                **_feed_errors(401, 403, 404, 409),
            },
        }
    },
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
                            {"type": "object", "properties": {"purpose": PURPOSE.schema()}},
                        ]
                    }}},
                },
                "responses": {
                    "200": {"description": "The result", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Screening"}}}},
                    **_errors(400, 401, 429),
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
                            "purpose": PURPOSE.schema(),
                            "entries": {
                                "type": "array", "minItems": 1, "maxItems": BATCH_LIMIT,
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
                    **_errors(400, 401, 429),
                },
            }
        },
        "/ping": {
            "get": {
                "summary": "Check the token",
                "responses": {"200": {"description": "The client's name"}, **_errors(401)},
            }
        },
        **_FEED_PATHS,
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Entry": _ENTRY, "Match": _MATCH, "Screening": _SCREENING, "Error": _ERROR,
            "Change": _CHANGE, "FeedPerson": _FEED_PERSON,
        },
    },
}  # fmt: skip


def add_paths(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> None:
    """Endpoints of an upper floor (the issuance checks, inquiries/requests/api.py), described
    beside their validators and added to SCHEMA when that app is ready: the registry never
    imports them, and the served schema, docs/openapi.json and the fuzz test see one document."""
    SCHEMA["paths"].update(paths)
    SCHEMA["components"]["schemas"].update(schemas or {})
