"""Demo document requests, added when `seed_demo` announces the demo cast (`demo_loaded`):
X's own request at ward A's counter awaiting the 支援措置責任者's review, and the counterparty's
attorney refused."""

from __future__ import annotations

import datetime
from typing import Any

from inquiries.requests import actions
from inquiries.requests.actions import Named, Requester
from supportmeasures.models import Staff

X = Named("山﨑 美咲", "ヤマサキ ミサキ", datetime.date(1990, 5, 12))
Y = Named("山﨑 健一", "ヤマサキ ケンイチ", datetime.date(1986, 11, 3))


def seed_requests(
    sender: object, *, staff: dict[str, Staff], now: datetime.datetime, **kwargs: Any
) -> None:
    clerk = staff["a_clerk"]
    for requester, client, channel in (
        (Requester(X.name, X.kana, X.birth_date, type="self"), None, "counter"),
        (
            Requester("弁護士 甲野 太郎", type="professional", organisation="甲野法律事務所"),
            Y,
            "mail",
        ),
    ):
        actions.record_request(
            ward=clerk.ward,
            by=clerk,
            recorded_at=now,
            documents=["juminhyo"],
            channel=channel,
            requester=requester,
            client=client,
            subjects=[X],
            purpose="手続きのため",
        )
