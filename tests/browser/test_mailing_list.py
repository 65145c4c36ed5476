"""The mailing-list page in Chromium: Japanese headers, a child's name column, the results on
screen with the people to hold back first, and the file downloaded from the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_incident import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = (
    "宛名番号,氏名,フリガナ,生年月日,子の氏名,住所\n"
    "1,田中 花子,タナカ ハナコ,S55.1.1,山崎 健一,横浜市\n"
    "2,鈴木 一郎,スズキ イチロウ,,,川崎市\n"
    "3,山崎 みさき,,,,鶴見区\n"
)


def test_a_clerk_screens_a_list_and_downloads_it(
    page: Page, live_server, screenshot, x, y, clerk_b, tmp_path
) -> None:
    upload = tmp_path / "送付先.csv"
    upload.write_text(LIST, encoding="utf-8")
    log_in(page, live_server.url, clerk_b.username)

    page.goto(f"{live_server.url}/search/batch/")
    page.set_input_files("#id_file", str(upload))
    page.fill("#id_purpose", "案内状の送付")
    page.click("form.card button[type=submit]")

    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("山崎 健一")  # the child's column, a counterparty
    expect(rows.nth(1)).to_contain_text("山崎 みさき")  # a possible match
    expect(rows.nth(2)).to_contain_text("鈴木 一郎")
    screenshot("mailing-list-results")
    with page.expect_download() as download:
        page.click("a[download]")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].endswith(
        ",counterparty,相手方：係長・課長の決裁を受けるまで送付しないでください (鶴見区)"
    )
