"""The registry import refuses a file that is not text or has a cell too large for csv with
a line-numbered error, and imports nothing (before: a traceback, or a database error)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from supportmeasures.models import Person, SupportMeasure
from tests.supportmeasures.test_import import ROWS, write

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ([ROWS[0].replace("横浜市鶴見区1-1", "横浜市\x00鶴見区"), *ROWS[1:]], "2行目: NUL文字"),
        (
            [ROWS[0].replace("横浜市鶴見区1-1", "x" * 200_000), *ROWS[1:]],
            "2行目: CSVとして読めません",
        ),
    ],
    ids=["NUL", "a 200,000-character cell"],
)
def test_is_refused_by_line_and_nothing_is_imported(tmp_path, ward_a, ward_b, capsys, rows, said):
    with pytest.raises(CommandError):
        call_command("import_registry", write(tmp_path, rows))

    assert said in capsys.readouterr().err
    assert (SupportMeasure.objects.count(), Person.objects.count()) == (0, 0)
