"""The request pages: decision first, refusal alternatives without an address or a ward, the
review and issuance forms only for whom their action would accept, 404 out of scope."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from inquiries.requests.actions import Named, Requester
from inquiries.requests.models import DocumentRequest, RequestStatus
from tests.conftest import X
from tests.inquiries.requests.conftest import X_NAME, Y_NAME


def form_data(**overrides):
    data = {
        "documents": ["juminhyo"],
        "channel": "counter",
        "requester_type": "self",
        "requester_name": X_NAME.name,
        "requester_kana": X_NAME.kana,
        "requester_birth_date": "1990-05-12",
        "purpose": "手続きのため",
        "subject_1_name": X_NAME.name,
        "subject_1_kana": X_NAME.kana,
        "subject_1_birth_date": "平成2年5月12日",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestRecordPage:
    def test_the_form_renders_with_five_subject_rows(self, login, clerk_a):
        response = login(clerk_a).get(reverse("requests:new"))

        assert response.status_code == 200
        assert b'name="subject_5_name"' in response.content

    def test_the_victims_request_shows_review_first(self, login, clerk_a, x_measure):
        response = login(clerk_a).post(reverse("requests:new"), form_data(), follow=True)

        request = DocumentRequest.objects.get()
        assert request.status == RequestStatus.AWAITING_REVIEW
        body = response.content.decode()
        assert body.index('data-decision="review"') < body.index(X_NAME.name)
        assert X.address not in body

    def test_blank_rows_are_ignored_and_one_subject_is_required(self, login, clerk_a):
        response = login(clerk_a).post(
            reverse("requests:new"), form_data(subject_1_name="", subject_1_kana="")
        )

        assert response.status_code == 400
        assert not DocumentRequest.objects.exists()

    def test_a_date_without_a_name_is_an_error(self, login, clerk_a):
        response = login(clerk_a).post(
            reverse("requests:new"), form_data(subject_2_birth_date="1990-01-01")
        )

        assert response.status_code == 400
        assert not DocumentRequest.objects.exists()

    def test_the_counterpartys_attorney_sees_the_alternatives_and_no_ward(
        self, login, clerk_b, x_measure
    ):
        response = login(clerk_b).post(
            reverse("requests:new"),
            form_data(
                requester_type="professional",
                requester_name="弁護士 太郎",
                requester_kana="",
                requester_birth_date="",
                requester_organisation="太郎法律事務所",
                client_name=Y_NAME.name,
                client_kana=Y_NAME.kana,
            ),
            follow=True,
        )

        body = response.content.decode()
        assert 'data-decision="refuse"' in body
        assert "調査嘱託" in body and "直接送付" in body
        assert x_measure.owning_ward.name not in body
        assert x_measure.ref not in body
        assert X.address not in body

    def test_an_auditor_gets_404(self, login, auditor):
        assert login(auditor).get(reverse("requests:new")).status_code == 404


@pytest.fixture
def awaiting(record, x_measure, officer_a):
    return record()


@pytest.mark.django_db
class TestReviewPages:
    def test_the_officer_sees_the_queue_the_measure_and_the_form(
        self, login, officer_a, awaiting, x_measure
    ):
        client = login(officer_a)

        queue = client.get(reverse("requests:queue"))
        page = client.get(awaiting.get_absolute_url())

        assert awaiting.get_absolute_url() in queue.content.decode()
        assert x_measure.ref in page.content.decode()
        assert reverse("requests:review", kwargs={"public_id": awaiting.public_id}) in (
            page.content.decode()
        )

    def test_the_review_page_speaks_of_requests_not_of_contacts(self, login, officer_a, awaiting):
        client = login(officer_a)

        page = client.get(awaiting.get_absolute_url()).content.decode()
        queue = client.get(reverse("requests:queue")).content.decode()

        assert "請求方法" in page and "請求方法" in queue
        assert "不可とする" in page and "審査結果を記録" in page
        for contact_words in ("連絡方法", "不承認とする", "事後確認を記録"):
            assert contact_words not in page
            assert contact_words not in queue

    def test_the_clerk_sees_no_review_form_and_no_queue(self, login, clerk_a, awaiting):
        client = login(clerk_a)

        page = client.get(awaiting.get_absolute_url())

        assert page.status_code == 200
        assert b"/review/" not in page.content
        assert client.get(reverse("requests:queue")).status_code == 404

    def test_a_clerk_posting_a_review_by_hand_is_refused(self, login, clerk_a, awaiting):
        response = login(clerk_a).post(
            reverse("requests:review", kwargs={"public_id": awaiting.public_id}),
            {"outcome": "issue"},
        )

        assert response.status_code == 403, response.content.decode()[-3000:]
        awaiting.refresh_from_db()
        assert awaiting.status == RequestStatus.AWAITING_REVIEW

    def test_another_wards_clerk_gets_404_for_every_url(self, login, clerk_b, awaiting):
        client = login(clerk_b)
        kwargs = {"public_id": awaiting.public_id}

        assert client.get(awaiting.get_absolute_url()).status_code == 404
        for name in ("review", "issue", "withdraw"):
            assert client.post(reverse(f"requests:{name}", kwargs=kwargs)).status_code == 404

    def test_the_officer_releases_and_the_clerk_issues(self, login, officer_a, clerk_a, awaiting):
        kwargs = {"public_id": awaiting.public_id}
        login(officer_a).post(reverse("requests:review", kwargs=kwargs), {"outcome": "issue"})
        clerk = login(clerk_a)

        page = clerk.get(awaiting.get_absolute_url())
        assert 'data-decision="issue"' in page.content.decode()
        response = clerk.post(
            reverse("requests:issue", kwargs=kwargs),
            {"issue_number": "R8-0001", "pages": "1", "place": "鶴見区役所"},
        )

        assert response.status_code == 302
        awaiting.refresh_from_db()
        assert awaiting.status == RequestStatus.ISSUED
        page = clerk.get(awaiting.get_absolute_url())
        assert 'data-decision="refuse"' in page.content.decode()
        assert 'id="alternatives"' not in page.content.decode()  # it was issued: nothing to offer
        kinds = set(AuditEvent.objects.values_list("kind", flat=True))
        assert {
            EventKind.REQUEST_RECORDED,
            EventKind.REQUEST_REVIEWED,
            EventKind.RELEASE_GRANTED,
            EventKind.REQUEST_ISSUED,
            EventKind.RELEASE_RELOCKED,
        } <= kinds

    def test_issuing_after_the_time_ran_out_is_refused_with_a_message(
        self, login, officer_a, clerk_a, awaiting, time_machine
    ):
        kwargs = {"public_id": awaiting.public_id}
        login(officer_a).post(reverse("requests:review", kwargs=kwargs), {"outcome": "issue"})
        time_machine.move_to(
            datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)
        )

        response = login(clerk_a).post(
            reverse("requests:issue", kwargs=kwargs),
            {"issue_number": "R8-0001", "pages": "1", "place": "鶴見区役所"},
        )

        assert response.status_code == 400
        assert "一時解除は終了しました" in response.content.decode()
        awaiting.refresh_from_db()
        assert awaiting.status == RequestStatus.RELEASED
        assert not awaiting.issuances.exists()


@pytest.mark.django_db
class TestList:
    def test_lists_only_the_wards_requests(self, login, record, clerk_b, make_staff, ward_b):
        own = record(subjects=[Named("佐藤 花子")], requester=Requester("佐藤 花子", type="self"))

        response = login(clerk_b).get(reverse("requests:list"))

        assert own.get_absolute_url() not in response.content.decode()


@pytest.mark.django_db
class TestListQueries:
    def _count(self, client, url) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def test_the_list_and_the_queue_cost_the_same_for_more_requests(
        self, login, record, x_measure, officer_a
    ):
        client = login(officer_a)
        for _ in range(2):
            record()
        [self._count(client, reverse(n)) for n in ("requests:list", "requests:queue")]
        few = [self._count(client, reverse(n)) for n in ("requests:list", "requests:queue")]
        for _ in range(4):
            record()

        many = [self._count(client, reverse(n)) for n in ("requests:list", "requests:queue")]

        assert many == few


@pytest.mark.django_db
class TestHomePage:
    def test_the_officer_sees_how_many_requests_await_review(
        self, login, record, x_measure, officer_a
    ):
        record()
        record()

        body = login(officer_a).get("/").content.decode()

        assert "審査待ちの証明書請求：2 件" in body

    def test_a_clerk_sees_no_line(self, login, record, x_measure, clerk_a):
        record()

        body = login(clerk_a).get("/").content.decode()

        assert "審査待ちの証明書請求" not in body


@pytest.mark.django_db
class TestTheReviewingWardsFilter:
    """SQLite (the demo of `make run`) has no JSON containment lookup: the officer's queue and
    home page were a 500 there."""

    def test_the_officer_sees_the_queue_and_the_count_of_their_wards_requests_only(
        self, login, record, x_measure, officer_a, ward_a, ward_b
    ):
        mine = record()
        other = record()
        DocumentRequest.objects.filter(pk=other.pk).update(
            responsible_ward_codes=[ward_b.code, ward_a.code + "9"]
        )
        client = login(officer_a)

        queue = client.get(reverse("requests:queue"))
        home = client.get("/")

        assert queue.status_code == 200
        assert mine.get_absolute_url() in queue.content.decode()
        assert other.get_absolute_url() not in queue.content.decode()
        assert "審査待ちの証明書請求：1 件" in home.content.decode()

    def test_it_compiles_for_sqlite(self):
        from django.db.backends.sqlite3.base import DatabaseWrapper

        from inquiries.requests.selectors import _for_wards

        sqlite = DatabaseWrapper({**settings.DATABASES["default"], "NAME": ":memory:"})
        queryset = _for_wards(DocumentRequest.objects.awaiting_review(), ["141011"])

        _sql, params = queryset.query.get_compiler(connection=sqlite).as_sql()

        assert '"141011"' in str(params)
