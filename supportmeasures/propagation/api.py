"""The change feed's API for linked systems: `GET /api/v1/changes`, `POST
/api/v1/changes/<id>/confirm` (bearer token, JSON errors: supportmeasures.api.api_view).

Nothing here names an address, a ward or a measure reference (docs/propagation.md)."""

from __future__ import annotations

import json
import re

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from supportmeasures.api import BadRequest, api_view, error
from supportmeasures.models import ApiClient
from supportmeasures.propagation import feed
from supportmeasures.refusals import ActionRefused, NotPermitted

# A cursor is the sequence of the last change served: 0 (the start) or a positive integer.
_CURSOR = re.compile(r"[0-9]{1,18}")


def _integer(request: HttpRequest, name: str, default: int) -> int:
    values = request.GET.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise BadRequest(f"Give {name} once.", [{"field": name, "message": "given twice"}])
    if not _CURSOR.fullmatch(values[0]):
        raise BadRequest(
            f"{name} must be a whole number (0 or more, at most 18 digits).",
            [{"field": name, "message": "not a whole number"}],
        )
    return int(values[0])


def _json(payload: dict[str, object], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json",
    )


@api_view("GET")
def changes(request: HttpRequest, client: ApiClient) -> HttpResponse:
    unknown = sorted(set(request.GET) - {"after", "limit"})
    if unknown:
        raise BadRequest(
            "Unknown query parameter: only after and limit are read.",
            [{"field": name[:100], "message": "unknown parameter"} for name in unknown[:10]],
        )
    after = _integer(request, "after", 0)
    limit = _integer(request, "limit", feed.PAGE_LIMIT)
    if not 1 <= limit <= feed.PAGE_LIMIT:
        raise BadRequest(
            f"limit must be between 1 and {feed.PAGE_LIMIT}.",
            [{"field": "limit", "message": f"between 1 and {feed.PAGE_LIMIT}"}],
        )
    try:
        page = feed.read_changes(client=client, after=after, limit=limit, read_at=timezone.now())
    except feed.CursorBeyondFeed as exc:
        # Well formed, but not a cursor this feed gave (another installation, a restore):
        # a conflict with the feed's state, not bad input.
        return error(409, "cursor_beyond_feed", str(exc))
    except NotPermitted as exc:
        return error(403, "not_a_linked_system", str(exc))
    return HttpResponse(page.as_json(), content_type="application/json")


@api_view("POST")
def confirm(request: HttpRequest, client: ApiClient, change_id: str) -> HttpResponse:
    if not _CURSOR.fullmatch(change_id) or int(change_id) < 1:
        return error(404, "not_found", "No such change for this client.")
    try:
        result = feed.confirm_change(client=client, sequence=int(change_id), at=timezone.now())
    except feed.NoTaskForClient:
        return error(404, "not_found", "No such change for this client.")
    except feed.Superseded as exc:
        return error(409, "superseded", str(exc), latest=exc.latest)
    except NotPermitted as exc:
        return error(403, "not_a_linked_system", str(exc))
    except ActionRefused as exc:
        return error(409, "conflict", str(exc))
    return _json(result)
