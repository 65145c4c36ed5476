"""The screening API for other city systems: bearer token, JSON in, JSON out.

Never returns an address, a phone number or any other location of a protected person: only
the role, the measure reference, the owning ward and the reasons for the match.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from supportmeasures import actions, wareki
from supportmeasures.models import ApiClient
from supportmeasures.openapi import SCHEMA
from supportmeasures.screening import Query, Screening

BATCH_LIMIT = 10_000
MAX_BODY = 8 * 1024 * 1024
TEXT_LIMITS = {"name": 100, "kana": 200, "address": 300, "purpose": 200}


class BadRequest(Exception):
    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mamori"'
    return response


def client_for(request: HttpRequest) -> ApiClient | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return ApiClient.objects.filter(
        token_hash=actions.hash_token(token.strip()), revoked_at__isnull=True
    ).first()


View = Callable[..., HttpResponse]


def api_view(method: str) -> Callable[[View], View]:
    """Token auth, one method, JSON errors: nothing here answers with a login page or a 500."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @login_not_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != method:
                response = error(405, "method_not_allowed", f"Use {method}.")
                response["Allow"] = method
                return response
            client = client_for(request)
            if client is None:
                return error(401, "unauthorized", "A valid bearer token is required.")
            try:
                return view(request, client, *args, **kwargs)
            except BadRequest as exc:
                return error(400, "bad_request", str(exc), errors=exc.errors)

        return wrapped

    return decorate


def _json_body(request: HttpRequest) -> Any:
    try:
        if len(request.body) > MAX_BODY:
            raise BadRequest("The body is too large.")
    except RequestDataTooBig as exc:
        raise BadRequest("The body is too large (8 MB at most).") from exc
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("The body is not valid JSON (UTF-8).") from exc


def _text(entry: dict[str, Any], key: str, errors: list[dict[str, Any]], index: int | None) -> str:
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(_err(index, key, "must be a string"))
        return ""
    if len(value) > TEXT_LIMITS[key]:
        errors.append(_err(index, key, f"longer than {TEXT_LIMITS[key]} characters"))
        return ""
    return value.strip()


def _err(index: int | None, field: str, message: str) -> dict[str, Any]:
    return {"field": field, "message": message, **({"index": index} if index is not None else {})}


def parse_entry(entry: Any, index: int | None = None) -> tuple[Query, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    if not isinstance(entry, dict):
        return Query(), [_err(index, "", "must be a JSON object")]
    name = _text(entry, "name", errors, index)
    kana = _text(entry, "kana", errors, index)
    _text(entry, "address", errors, index)  # accepted, validated, never echoed or stored
    birth_date: datetime.date | None = None
    raw_date = entry.get("birth_date")
    if raw_date not in (None, ""):
        if not isinstance(raw_date, str):
            errors.append(_err(index, "birth_date", "must be a string"))
        else:
            try:
                birth_date = wareki.parse_date(raw_date)
            except wareki.InvalidDate as exc:
                errors.append(_err(index, "birth_date", str(exc)))
            else:
                if birth_date > timezone.localdate():
                    errors.append(_err(index, "birth_date", "is in the future"))
    if not (name or kana) and not errors:
        errors.append(_err(index, "name", "name or kana is required"))
    return Query(name=name, kana=kana, birth_date=birth_date), errors


def render(screening_id: str, screening: Screening) -> dict[str, Any]:
    return {
        "screening_id": screening_id,
        "result": screening.result,
        "matches": [
            {
                "role": m.role,
                "measure_ref": m.measure_ref,
                "owning_ward": {"code": m.owning_ward_code, "name": m.owning_ward_name},
                "result": m.result,
                "reasons": list(m.reasons),
            }
            for m in screening.matches
        ],
    }


@api_view("POST")
def screenings(request: HttpRequest, client: ApiClient) -> HttpResponse:
    body = _json_body(request)
    query, errors = parse_entry(body)
    purpose = _text(body, "purpose", errors, None) if isinstance(body, dict) else ""
    if errors:
        raise BadRequest("The request is not valid.", errors)
    ((screening_id, screening),) = actions.screen_people(
        queries=[query], purpose=purpose, screened_at=timezone.now(), client=client
    )
    return JsonResponse(render(screening_id, screening))


@api_view("POST")
def screenings_batch(request: HttpRequest, client: ApiClient) -> HttpResponse:
    body = _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise BadRequest('The body must be an object with a list "entries".')
    entries = body["entries"]
    if not 1 <= len(entries) <= BATCH_LIMIT:
        raise BadRequest(f"Send between 1 and {BATCH_LIMIT} entries.")
    errors: list[dict[str, Any]] = []
    purpose = _text(body, "purpose", errors, None)
    queries = []
    for index, entry in enumerate(entries):
        query, entry_errors = parse_entry(entry, index)
        queries.append(query)
        errors.extend(entry_errors)
    if errors:
        raise BadRequest("Some entries are not valid; nothing was screened.", errors[:100])
    results = actions.screen_people(
        queries=queries, purpose=purpose, screened_at=timezone.now(), client=client
    )
    return JsonResponse({"results": [render(sid, s) for sid, s in results]})


@api_view("GET")
def ping(request: HttpRequest, client: ApiClient) -> HttpResponse:
    """The smallest authenticated answer: lets a client check its token (and is the
    benchmark's floor)."""
    return JsonResponse({"client": client.name})


@csrf_exempt
@login_not_required
def schema(request: HttpRequest) -> HttpResponse:
    return JsonResponse(SCHEMA, json_dumps_params={"ensure_ascii": False, "indent": 2})
