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

from supportmeasures import actions, throttle, wareki
from supportmeasures.models import ApiClient
from supportmeasures.openapi import (
    BATCH_LIMIT,
    ENTRY_FIELDS,
    ONE_OF_REQUIRED,
    PURPOSE,
    SCHEMA,
    TextField,
)
from supportmeasures.screening import Query, Screening

MAX_BODY = 8 * 1024 * 1024


class BadRequest(Exception):
    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mamori"'
    return response


def too_many(verdict: throttle.Verdict) -> JsonResponse:
    """429 with Retry-After: one of the client's limits for the window is spent."""
    what = "people screened" if verdict.rate.counts == throttle.Counts.PEOPLE else "screenings"
    response = error(
        429,
        "too_many_requests",
        f"Too many {what}: at most {verdict.rate.limit} in {verdict.rate.window_seconds} "
        f"seconds. Try again in {verdict.retry_after} seconds.",
    )
    response["Retry-After"] = str(verdict.retry_after)
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
            except throttle.ScreeningThrottled as exc:
                return too_many(exc.verdict)

        return wrapped

    return decorate


def _json_body(request: HttpRequest) -> Any:
    """The body as JSON, or a BadRequest (never a 500): the wrong content type, too large,
    not UTF-8, not JSON, nested too deep for the parser, or a number too long to read."""
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if request.content_type != "application/json" or charset not in ("utf-8", "utf8"):
        raise BadRequest("Send the body as JSON: Content-Type: application/json (UTF-8).")
    try:
        if len(request.body) > MAX_BODY:
            raise BadRequest("The body is too large (8 MB at most).")
    except RequestDataTooBig as exc:
        raise BadRequest("The body is too large (8 MB at most).") from exc
    try:
        return json.loads(request.body.decode("utf-8"))
    except RecursionError as exc:  # thousands of nested arrays
        raise BadRequest("The body is nested too deeply.") from exc
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, or an int too long
        raise BadRequest("The body is not valid JSON (UTF-8).") from exc


def _text(
    entry: dict[str, Any],
    key: str,
    field: TextField,
    errors: list[dict[str, Any]],
    index: int | None,
) -> str:
    """One optional text field, by its definition in openapi.py (the schema says the same)."""
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(_err(index, key, "must be a string"))
        return ""
    if len(value) > field.max_length:
        errors.append(_err(index, key, f"longer than {field.max_length} characters"))
        return ""
    if "\x00" in value:
        errors.append(_err(index, key, "must not contain NUL (U+0000)"))
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # "\ud800": a lone surrogate is not text
        errors.append(_err(index, key, "is not valid Unicode (a lone surrogate)"))
        return ""
    return value.strip()


def _err(index: int | None, field: str, message: str) -> dict[str, Any]:
    return {"field": field, "message": message, **({"index": index} if index is not None else {})}


def parse_entry(entry: Any, index: int | None = None) -> tuple[Query, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    if not isinstance(entry, dict):
        return Query(), [_err(index, "", "must be a JSON object")]
    # address is accepted and validated, never echoed or stored.
    given = {key: _text(entry, key, field, errors, index) for key, field in ENTRY_FIELDS.items()}
    birth_date: datetime.date | None = None
    if given["birth_date"]:
        try:
            birth_date = wareki.parse_date(given["birth_date"])
        except wareki.InvalidDate as exc:
            errors.append(_err(index, "birth_date", str(exc)))
        else:
            if birth_date > timezone.localdate():
                errors.append(_err(index, "birth_date", "is in the future"))
    if not any(given[key] for key in ONE_OF_REQUIRED) and not errors:
        errors.append(
            _err(index, ONE_OF_REQUIRED[0], " or ".join(ONE_OF_REQUIRED) + " is required")
        )
    return Query(name=given["name"], kana=given["kana"], birth_date=birth_date), errors


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
    purpose = _text(body, "purpose", PURPOSE, errors, None) if isinstance(body, dict) else ""
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
    purpose = _text(body, "purpose", PURPOSE, errors, None)
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
