"""seed_demo appoints ward A's 支援措置責任者 and adds a request awaiting their review."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inquiries.requests import selectors
from inquiries.requests.models import DocumentRequest
from supportmeasures.models import Staff


@pytest.mark.django_db
def test_the_demo_has_an_officer_and_a_request_awaiting_review():
    call_command("seed_demo")

    officer = Staff.objects.get(username="a_supervisor2")
    queue = selectors.review_queue(user=officer)
    assert [r.requester_type for r in queue] == ["self"]
    assert sorted(DocumentRequest.objects.values_list("decision", flat=True)) == [
        "refuse",
        "review",
    ]
