"""The mailing-list upload: the file that comes back runs no formula, and what is too large
or not text is refused with a clear message, nothing screened and nothing recorded."""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db
URL = reverse("supportmeasures:batch_screening")


def upload(client, content: bytes, **extra):
    return client.post(
        URL,
        {
            "file": SimpleUploadedFile("list.csv", content, "text/csv"),
            "encoding": "utf-8",
            "purpose": "案内状の送付",
            **extra,
        },
    )


def downloaded_rows(response) -> list[list[str]]:
    found = re.search(
        r'href="data:text/csv;charset=[^;]+;base64,([^"]+)"', response.content.decode()
    )
    assert found, "no download link"
    text = base64.b64decode(found[1]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


class TestTheDownloadRunsNoFormula:
    def test_every_cell_that_would_start_a_formula_comes_back_quoted(self, login, clerk_b, y):
        rows = [
            ['=HYPERLINK("http://x","click")', "+1+1", "@SUM(A1)"],
            ["-2+3", "\tx", "\rx"],
            ["山崎 健一", "-2", "+81-90-1234-5678"],
        ]
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["氏名", "備考", "=見出し"])
        writer.writerows(rows)

        response = upload(login(clerk_b), out.getvalue().encode("utf-8"))

        assert response.status_code == 200
        header, *body = downloaded_rows(response)
        assert header == ["氏名", "備考", "'=見出し", "screening_result", "screening_note"]
        assert [row[:3] for row in body] == [
            ['\'=HYPERLINK("http://x","click")', "'+1+1", "'@SUM(A1)"],
            ["'-2+3", "'\tx", "'\rx"],
            ["山崎 健一", "-2", "'+81-90-1234-5678"],  # a plain number stays a number
        ]
        assert body[2][3] == "counterparty"


class TestOversizedOrNotText:
    def test_a_name_longer_than_the_api_allows_is_refused_and_named(self, login, clerk_b, y):
        response = upload(login(clerk_b), ("氏名\n" + "山" * 101 + "\n").encode())

        assert response.status_code == 400
        assert "100文字までです" in response.content.decode()
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_a_cell_over_the_csv_field_limit_is_refused_not_a_500(self, login, clerk_b, y):
        response = upload(login(clerk_b), ("氏名,備考\n山崎 健一," + "x" * 200_000 + "\n").encode())

        assert response.status_code == 400
        assert "CSVとして読めません（大きすぎる欄があります）" in response.content.decode()
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_a_file_with_nul_characters_is_refused(self, login, clerk_b, y):
        response = upload(login(clerk_b), "氏名\n山崎\x00健一\n".encode())

        assert response.status_code == 400
        assert "NUL文字が含まれています" in response.content.decode()
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_a_form_field_over_the_upload_limit_is_a_translated_400_page(
        self, login, clerk_b, y, settings
    ):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

        response = upload(
            login(clerk_b), "氏名\n山崎 健一\n".encode(), note="x" * (2 * 1024 * 1024)
        )

        assert response.status_code == 400
        text = response.content.decode()
        assert "送信された内容が大きすぎます" in text
        assert "Bad Request" not in text
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()

    def test_a_file_over_16_mb_is_refused_with_the_limit(self, login, clerk_b, y):
        big = ("氏名,備考\n" + ("山田 太郎," + "x" * 1000 + "\n") * 17_000).encode()

        response = upload(login(clerk_b), big)

        assert response.status_code == 400
        assert "ファイルサイズが大きすぎます（上限16MB）。" in response.content.decode()
        assert not AuditEvent.objects.filter(kind=EventKind.SCREENING_HIT).exists()
