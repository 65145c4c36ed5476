"""Issue 11 in Chromium: a bulk release prepared in advance skips the person who applied again.

X's measure of 2024 lapsed. She applies again at the counter: the clerk's page finds her in the
registry and the clerk links the application to her record. The supervisor then runs the list
prepared for the lapsed measures: X's line is skipped with the reason, Z's is released, and the
audit log holds the application, the release and the run."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from auditlog.models import AuditEvent, EventKind
from supportmeasures import actions
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import BasisKind, MeasureKind, MeasureStatus, SupportMeasure
from tests.browser.test_accessibility import violations
from tests.browser.test_incident import log_in
from tests.conftest import X, Y

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Z = PersonData(name="佐藤 葵", kana="サトウ アオイ", birth_date=datetime.date(1988, 2, 3))
DECIDED_AT = datetime.datetime(2024, 4, 1, 1, 0, tzinfo=datetime.UTC)


def lapsed_measure(clerk, supervisor, protected: PersonData) -> SupportMeasure:
    """A measure decided in April 2024: its year ended on 2025-03-31 without extension."""
    actions.record_training(
        staff=supervisor,
        acting_user=None,
        completed_on=datetime.date(2024, 3, 1),
        course="研修",
        recorded_at=timezone.now(),
    )
    measure = actions.register_application(
        acting_user=clerk,
        ward=clerk.ward,
        kind=MeasureKind.DV,
        basis_kind=BasisKind.CONSULTING_BODY,
        basis_body="神奈川県警察",
        basis_opinion_on=None,
        basis_document="",
        applied_on=DECIDED_AT.date(),
        restricts_inspection=True,
        restricts_resident_copies=True,
        restricts_koseki_attachment=True,
        protected=protected,
        joint=[],
        counterparties=[PartyData(person=Y)],
        registered_at=DECIDED_AT,
    )
    return actions.decide_measure(
        measure=measure,
        acting_user=supervisor,
        approve=True,
        starts_on=DECIDED_AT.date(),
        decided_at=DECIDED_AT,
    )


def test_a_bulk_release_skips_the_person_who_applied_again(
    page: Page, live_server, screenshot, clerk_a, supervisor_a
) -> None:
    base = live_server.url
    x_2024 = lapsed_measure(clerk_a, supervisor_a, X)
    z_2024 = lapsed_measure(clerk_a, supervisor_a, Z)
    today = timezone.localdate()

    # X applies again. The clerk types her name with the common 崎: the page finds her.
    log_in(page, base, clerk_a.username)
    page.goto(f"{base}/measures/new/")
    page.check("#id_m-kind_0")
    page.fill("#id_m-applied_on", today.isoformat())
    page.check("#id_m-basis_kind_0")
    page.fill("#id_m-basis_body", "鶴見警察署")
    page.fill("#id_p-name", "山崎 美咲")
    page.fill("#id_p-kana", "ヤマサキ ミサキ")
    page.fill("#id_c-0-name", "石田 誠")
    page.click("form button.button--primary")
    expect(page.get_by_text("この方はすでに台帳に登録されているかもしれません")).to_be_visible()
    screenshot("bulk-1-register-finds-the-person")
    assert violations(page) == []  # axe-core: the candidates, their radios and the confirmation
    page.get_by_label("同一人物です：", exact=False).first.check()
    page.click("form button.button--primary")
    expect(page).to_have_url(re.compile(r"/measures/141011-"))
    again = SupportMeasure.objects.exclude(pk__in=[x_2024.pk, z_2024.pk]).get()
    assert again.parties.get(role="protected").person_id == (
        x_2024.parties.get(role="protected").person_id
    )

    # The supervisor runs the list prepared for the lapsed measures.
    page.click(".site-header__user button")
    log_in(page, base, supervisor_a.username)
    page.goto(f"{base}/measures/")
    page.get_by_role("link", name="作成済みのリストで一括処理（終了・解除）").click()
    assert violations(page) == []
    page.fill(
        "#id_text",
        "管理番号,処理,終了日,作成日\n"
        f"{x_2024.ref},解除,2025-03-31,{today}\n"
        f"{z_2024.ref},解除,R7.3.31,{today}\n",
    )
    page.fill("#id_reason", "期間満了後、本人の意向を確認済み")
    page.click("form button.button--danger")

    expect(page.locator("h1")).to_contain_text("一括処理の結果")
    skipped = page.locator("section[aria-labelledby=skipped] tbody tr")
    expect(skipped).to_have_count(1)
    expect(skipped.first).to_contain_text(x_2024.ref)
    expect(skipped.first).to_contain_text("新しい申出")
    done = page.locator("section[aria-labelledby=done] tbody tr")
    expect(done).to_have_count(1)
    expect(done.first).to_contain_text(z_2024.ref)
    screenshot("bulk-2-result")
    assert violations(page) == []

    x_2024.refresh_from_db()
    z_2024.refresh_from_db()
    assert x_2024.status != MeasureStatus.ENDED
    assert z_2024.status == MeasureStatus.ENDED
    # Every step is in the audit log.
    kinds = list(
        AuditEvent.objects.filter(occurred_at__date__gte=today)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert EventKind.APPLICATION_REGISTERED in kinds
    released = AuditEvent.objects.get(kind=EventKind.MEASURE_RELEASED)
    assert released.measure_ref == z_2024.ref
    run = AuditEvent.objects.get(kind=EventKind.BULK_RUN)
    assert run.data["skipped"] == [
        {"ref": x_2024.ref, "action": "release", "reason": "other_measure_in_force"}
    ]
    assert kinds.index(EventKind.MEASURE_RELEASED) < kinds.index(EventKind.BULK_RUN)


def test_a_clerk_prepares_an_inspection_list_without_the_protected(
    page: Page, live_server, x, clerk_a, tmp_path
) -> None:
    upload = tmp_path / "閲覧.csv"
    upload.write_text(
        "氏名,フリガナ,生年月日,住所\n"
        "山﨑 美咲,ヤマサキ ミサキ,1990-05-12,横浜市鶴見区豊岡町20-1\n"
        "山﨑 陽太,ヤマサキ ヨウタ,,横浜市鶴見区豊岡町20番1号\n"
        "山崎 みさき,,,横浜市港北区日吉1-1-1\n"
        "鈴木 一郎,スズキ イチロウ,1970-01-01,横浜市西区1-2-3\n",
        encoding="cp932",
    )
    log_in(page, live_server.url, clerk_a.username)

    page.goto(f"{live_server.url}/search/")
    page.get_by_role("link", name="閲覧リストの作成").click()
    assert violations(page) == []
    page.set_input_files("#id_file", str(upload))
    page.check("input[name=encoding][value=cp932]")
    page.fill("#id_purpose", "閲覧申出 第1号")
    page.click("form.card button[type=submit]")

    expect(page.get_by_text("閲覧に供する前に確認してください")).to_be_visible()
    to_check = page.locator("table.data-table tbody tr")
    expect(to_check).to_have_count(1)
    expect(to_check.first).to_contain_text("山崎 みさき")
    assert violations(page) == []
    with page.expect_download() as download:
        page.click("a[download]")
    lines = download.value.path().read_text(encoding="cp932").splitlines()
    assert lines == [
        "氏名,フリガナ,生年月日,住所",
        "鈴木 一郎,スズキ イチロウ,1970-01-01,横浜市西区1-2-3",
    ]
    assert AuditEvent.objects.filter(kind=EventKind.INSPECTION_FILTERED).count() == 1
