"""record_request: screens everyone named, decides, stores, tells the officers, records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditlog.models import AuditEvent, EventKind
from inquiries.models import Notification
from inquiries.requests.actions import Named, Requester
from inquiries.requests.models import RequestStatus, RequestSubject
from supportmeasures import actions
from supportmeasures.actions import ActionRefused, NotPermitted
from tests.inquiries.requests.conftest import STRANGER, X_NAME, Y_NAME


@pytest.mark.django_db
class TestRecordRequest:
    def test_a_stranger_is_issued_and_recorded_without_names(self, record, clerk_a, ward_a):
        request = record(
            subjects=[STRANGER],
            requester=Requester(STRANGER.name, STRANGER.kana, type="self"),
        )

        assert (request.decision, request.status) == ("issue", RequestStatus.DECIDED)
        assert request.subjects.get().result == "clear"
        event = AuditEvent.objects.get(kind=EventKind.REQUEST_RECORDED)
        assert event.decision == "issue"
        assert event.data["request"] == str(request.public_id)
        assert STRANGER.name not in str(event.data) and "佐藤" not in event.reason

    def test_the_victims_own_request_goes_to_review_and_tells_the_officer(
        self, record, x_measure, officer_a, clerk_a
    ):
        request = record()

        assert request.decision == "review"
        assert request.status == RequestStatus.AWAITING_REVIEW
        assert request.reasons == ["subject_protected", "self_request"]
        assert request.measure_refs == [x_measure.ref]
        assert request.responsible_ward_codes == [x_measure.owning_ward.code]
        notice = Notification.objects.get(recipient=officer_a)
        assert notice.critical and notice.url == request.get_absolute_url()
        assert X_NAME.name not in notice.body + notice.subject
        assert not Notification.objects.filter(recipient=clerk_a).exists()
        event = AuditEvent.objects.get(kind=EventKind.REQUEST_RECORDED)
        assert event.data["measures"] == [x_measure.ref]
        assert len(event.data["subject_results"]) == 1

    def test_the_counterpartys_attorney_is_refused(self, record, x_measure):
        request = record(
            requester=Requester("弁護士 太郎", type="professional", organisation="太郎法律事務所"),
            client=Y_NAME,
        )

        assert request.decision == "refuse"
        assert "client_counterparty" in request.reasons
        assert request.client_result == "counterparty"

    def test_a_counterpartys_request_is_told_to_the_owning_ward(self, record, x_measure, officer_a):
        record(requester=Requester("弁護士 太郎", type="professional"), client=Y_NAME)

        notice = Notification.objects.get(recipient=officer_a)
        assert notice.critical
        assert Y_NAME.name not in notice.body + notice.subject

    def test_a_refusal_for_the_channel_alone_tells_nobody(self, record, x_measure, officer_a):
        record(channel="mail")

        assert not Notification.objects.filter(recipient=officer_a).exists()

    def test_a_blank_client_goes_to_review(self, record, x_measure):
        request = record(requester=Requester("弁護士 太郎", type="professional"))

        assert request.decision == "review"
        assert "professional_without_client" in request.reasons

    def test_without_an_officer_the_supervisors_are_told_to_appoint_one(
        self, record, x_measure, supervisor_a, in_english
    ):
        record()

        notice = Notification.objects.get(recipient=supervisor_a)
        assert notice.critical and notice.url == ""
        assert "No support-measure officer" in notice.subject

    def test_with_an_officer_the_other_supervisors_are_not_told(
        self, record, x_measure, officer_a, supervisor_a
    ):
        record()

        assert not Notification.objects.filter(recipient=supervisor_a).exists()

    def test_an_officer_who_records_is_not_told_and_the_supervisors_are(
        self, record, x_measure, officer_a, supervisor_a, in_english
    ):
        # The officer may not review their own request: for it, the ward has none.
        record(by=officer_a)

        assert not Notification.objects.filter(recipient=officer_a).exists()
        notice = Notification.objects.get(recipient=supervisor_a)
        assert "No support-measure officer" in notice.subject

    def test_an_officer_of_another_ward_is_neither_told_nor_covers_this_one(
        self, record, x_measure, supervisor_a, supervisor_b, ward_b, now
    ):
        actions.appoint_responsible_officer(
            acting_user=None, staff=supervisor_b, ward=ward_b, appointed_at=now
        )

        record()

        assert not Notification.objects.filter(recipient=supervisor_b).exists()
        assert Notification.objects.get(recipient=supervisor_a).url == ""

    def test_the_subjects_come_back_saved_with_the_request_in_one_statement(
        self, record, x_measure
    ):
        with CaptureQueriesContext(connection) as queries:
            request = record(subjects=[X_NAME, STRANGER])
        with CaptureQueriesContext(connection) as reread:
            handed_back = list(request.subjects.all())

        assert not reread.captured_queries  # from the prefetch cache
        stored = list(RequestSubject.objects.filter(request=request).order_by("position"))
        assert [(s.pk, s.request_id, s.position, s.result) for s in handed_back] == [
            (s.pk, request.pk, s.position, s.result) for s in stored
        ]
        assert [s.result for s in stored] == ["protected", "clear"]
        inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
        assert sum('"inquiries_requestsubject"' in sql for sql in inserts) == 1
        assert any(
            '"inquiries_documentrequest"' in sql and '"inquiries_requestsubject"' in sql
            for sql in inserts
        )

    def test_a_clerk_of_no_ward_may_not_record(self, record, auditor):
        with pytest.raises(NotPermitted):
            record(by=auditor)

    @pytest.mark.parametrize(
        "bad",
        [
            {"documents": ["passport"]},
            {"channel": "fax"},
            {"subjects": [Named("", "")]},
            {"requester": Requester("誰か", type="friend")},
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_stored(self, record, bad):
        with pytest.raises(ActionRefused):
            record(**bad)

        assert not AuditEvent.objects.filter(kind=EventKind.REQUEST_RECORDED).exists()


@pytest.mark.django_db
class TestFromAnotherSystem:
    @pytest.fixture
    def api_client(self, now):
        from supportmeasures import actions as registry

        client, _token = registry.create_api_client(
            name="コンビニ交付システム", acting_user=None, created_at=now
        )
        return client

    def test_a_check_is_recorded_for_the_client_and_reviewed_by_the_owning_ward(
        self, api_client, x_measure, officer_a, now
    ):
        from inquiries.requests.actions import record_request
        from inquiries.requests.permissions import current_decision

        request = record_request(
            ward=None,
            by=None,
            api_client=api_client,
            recorded_at=now,
            documents=["juminhyo"],
            channel="counter",
            requester=Requester("第三者 一郎", type="third_party"),
            client=None,
            subjects=[X_NAME],
            purpose="",
        )

        assert (request.source, request.ward, request.recorded_by) == ("api", None, None)
        assert request.responsible_ward_codes == [x_measure.owning_ward.code]
        assert current_decision(request, now) == (
            "review",
            ["subject_protected", "third_party_request", "awaiting_review"],
        )
        assert Notification.objects.filter(recipient=officer_a).exists()

    def test_a_professional_without_client_restricting_nothing_goes_to_every_ward(
        self, api_client, ward_a, ward_b, now
    ):
        from inquiries.requests.actions import record_request

        request = record_request(
            ward=None,
            by=None,
            api_client=api_client,
            recorded_at=now,
            documents=["fuhyo"],
            channel="mail",
            requester=Requester("弁護士 太郎", type="professional"),
            client=None,
            subjects=[STRANGER],
            purpose="",
        )

        assert request.decision == "review"
        assert request.responsible_ward_codes == sorted([ward_a.code, ward_b.code])

    def test_a_check_names_its_client_not_a_clerk(self, api_client, clerk_a, now):
        from inquiries.requests.actions import record_request

        with pytest.raises(ActionRefused):
            record_request(
                ward=None,
                by=clerk_a,
                api_client=api_client,
                recorded_at=now,
                documents=["juminhyo"],
                channel="counter",
                requester=Requester("誰か", type="self"),
                client=None,
                subjects=[STRANGER],
                purpose="",
            )
