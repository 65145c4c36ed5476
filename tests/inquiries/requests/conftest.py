"""Fixtures for document requests: an appointed 支援措置責任者 and a request recorder."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from inquiries.requests import actions as request_actions
from inquiries.requests.actions import Named, Requester
from inquiries.requests.models import DocumentRequest
from supportmeasures import actions
from supportmeasures.models import Role, Staff, Ward

X_NAME = Named("山﨑 美咲", "ヤマサキ ミサキ", datetime.date(1990, 5, 12))
Y_NAME = Named("山﨑 健一", "ヤマサキ ケンイチ", datetime.date(1986, 11, 3))
STRANGER = Named("佐藤 花子", "サトウ ハナコ", datetime.date(1970, 1, 1))


@pytest.fixture
def officer_a(make_staff: Callable[..., Staff], ward_a: Ward, now: datetime.datetime) -> Staff:
    """Ward A's 支援措置責任者 (a trained supervisor holding the grant)."""
    staff = make_staff(ward_a, Role.SUPERVISOR, username="a_officer")
    actions.appoint_responsible_officer(
        acting_user=None, staff=staff, ward=ward_a, appointed_at=now
    )
    return staff


@pytest.fixture
def record(clerk_a: Staff, ward_a: Ward, now: datetime.datetime) -> Callable[..., DocumentRequest]:
    """Record a request at ward A's counter: X asks for her own 住民票 by default."""

    def record(
        *,
        subjects: list[Named] | None = None,
        requester: Requester | None = None,
        client: Named | None = None,
        channel: str = "counter",
        documents: list[str] | None = None,
        by: Staff | None = None,
        at: datetime.datetime | None = None,
        **kwargs: Any,
    ) -> DocumentRequest:
        clerk = by or clerk_a
        return request_actions.record_request(
            ward=clerk.ward,
            by=clerk,
            recorded_at=at or now,
            documents=documents or ["juminhyo"],
            channel=channel,
            requester=requester
            or Requester(X_NAME.name, X_NAME.kana, X_NAME.birth_date, type="self"),
            client=client,
            subjects=subjects or [X_NAME],
            purpose="手続きのため",
            **kwargs,
        )

    return record
