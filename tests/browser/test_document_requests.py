"""Document requests in Chromium (issue 11): the counter clerk records each kind of request and
sees the decision first; the counterparty's attorney is refused; a blank 依頼者 goes to review;
the victim's own request at the counter goes to review, is released by the 支援措置責任者 for
15 minutes, issued, and locked again, while a second request for her and the same request by
コンビニ交付 are not issued; every step is in the audit log."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from inquiries.requests.models import DocumentRequest, RequestStatus
from supportmeasures import actions as registry
from supportmeasures.models import Role, Staff, Ward
from tests.browser.test_incident import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

X = ("山﨑 美咲", "ヤマサキ ミサキ", "1990-05-12")
Y = ("山﨑 健一", "ヤマサキ ケンイチ", "1986-11-03")
STRANGER = ("鈴木 一郎", "スズキ イチロウ", "1970-01-01")


@pytest.fixture
def officer(make_staff, ward_a: Ward) -> Staff:
    staff = make_staff(ward_a, Role.SUPERVISOR, username="a_officer")
    registry.appoint_responsible_officer(
        acting_user=None, staff=staff, ward=ward_a, appointed_at=timezone.now()
    )
    return staff


def record(
    page: Page,
    base: str,
    *,
    requester_type: str,
    requester: tuple[str, str, str],
    subject: tuple[str, str, str] = X,
    channel: str = "counter",
    organisation: str = "",
    client: tuple[str, str, str] | None = None,
) -> str:
    """Fill the counter form and return the decision shown first on the result page."""
    page.goto(f"{base}/requests/new/")
    page.check("input[name=documents][value=juminhyo]")
    page.check(f"input[name=channel][value={channel}]")
    page.check(f"input[name=requester_type][value={requester_type}]")
    page.fill("#id_requester_name", requester[0])
    page.fill("#id_requester_kana", requester[1])
    page.fill("#id_requester_birth_date", requester[2])
    page.fill("#id_requester_organisation", organisation)
    if client:
        page.fill("#id_client_name", client[0])
        page.fill("#id_client_kana", client[1])
    page.fill("#id_purpose", "手続きのため")
    page.fill("#id_subject_1_name", subject[0])
    page.fill("#id_subject_1_kana", subject[1])
    page.fill("#id_subject_1_birth_date", subject[2])
    page.click("form.card button[type=submit]")
    banner = page.locator("#decision")
    expect(banner).to_be_visible()
    return banner.get_attribute("data-decision") or ""


def test_the_counter_records_and_the_officer_releases_one_request(
    page: Page, live_server, screenshot, x_measure, clerk_b, officer, auditor
) -> None:
    base = live_server.url
    log_in(page, base, clerk_b.username)

    # Each kind of request.
    assert record(page, base, requester_type="self", requester=STRANGER, subject=STRANGER) == (
        "issue"
    )
    assert record(page, base, requester_type="agent", requester=("代理 花子", "", "")) == "refuse"
    assert record(page, base, requester_type="third_party", requester=("債権 太郎", "", "")) == (
        "review"
    )
    assert record(
        page, base, requester_type="official", requester=("担当 一郎", "", ""), organisation="○○市"
    ) == "review"  # fmt: skip
    # The counterparty's attorney: refused, with what may be offered instead, and no ward.
    attorney = ("弁護士 甲野", "", "")
    assert record(
        page, base, requester_type="professional", requester=attorney,
        organisation="甲野法律事務所", client=Y,
    ) == "refuse"  # fmt: skip
    expect(page.locator("#alternatives")).to_contain_text("調査嘱託")
    expect(page.locator("main")).not_to_contain_text(x_measure.owning_ward.name)
    expect(page.locator("main")).not_to_contain_text("豊岡町")
    screenshot("request-refused-attorney")
    # A 職務上請求 with the 依頼者 left blank: review.
    assert record(
        page, base, requester_type="professional", requester=attorney,
        organisation="甲野法律事務所",
    ) == "review"  # fmt: skip
    # The victim herself at the counter: review.
    assert record(page, base, requester_type="self", requester=X) == "review"
    own_url = page.url
    screenshot("request-review")
    own = DocumentRequest.objects.get(public_id=own_url.rstrip("/").split("/")[-1])
    log_out(page)

    # The 支援措置責任者 reviews it from the queue: issue, a release of 15 minutes.
    log_in(page, base, officer.username)
    page.goto(f"{base}/requests/review/")
    page.click(f"a[href='{own.get_absolute_url()}']")
    expect(page.locator("#measures")).to_be_visible()
    page.check("input[name=outcome][value=issue]")
    page.click("form[action$='/review/'] button[type=submit]")
    expect(page.locator("#decision")).to_have_attribute("data-decision", "issue")
    release = own.releases.get()
    assert (release.valid_until - release.granted_at).total_seconds() == 15 * 60
    log_out(page)

    # Meanwhile: another request for her, or the same one by コンビニ交付, is not issued.
    log_in(page, base, clerk_b.username)
    assert record(page, base, requester_type="self", requester=X) == "review"
    assert record(page, base, requester_type="self", requester=X, channel="convenience_store") == (
        "refuse"
    )

    # The clerk issues the released request; it locks again at once.
    page.goto(own_url)
    expect(page.locator("#decision")).to_have_attribute("data-decision", "issue")
    page.fill("#id_issue_number", "R8-000123")
    page.fill("#id_pages", "1")
    page.fill("#id_place", "鶴見区役所 戸籍課")
    page.click("form[action$='/issue/'] button[type=submit]")
    expect(page.locator("#decision")).to_have_attribute("data-decision", "refuse")
    screenshot("request-issued-locked-again")
    own.refresh_from_db()
    assert own.status == RequestStatus.ISSUED
    assert own.releases.get().relock_reason == "issued"
    log_out(page)

    # Every step is in the audit log, and the auditors see it.
    kinds = list(AuditEvent.objects.order_by("sequence").values_list("kind", flat=True))
    assert kinds.count(EventKind.REQUEST_RECORDED) == 9
    for kind in (
        EventKind.REQUEST_REVIEWED,
        EventKind.RELEASE_GRANTED,
        EventKind.REQUEST_ISSUED,
        EventKind.RELEASE_RELOCKED,
    ):
        assert kinds.count(kind) == 1, kind
    log_in(page, base, auditor.username)
    page.goto(f"{base}/audit/requests/")
    row = page.locator(f"#request-{own.public_id}")
    expect(row).to_contain_text("R8-000123")
    expect(row).to_contain_text(officer.username)
