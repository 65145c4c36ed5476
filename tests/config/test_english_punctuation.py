"""English punctuation in English (issue 15): with the English locale, the main screens carry no
Japanese punctuation (、。「」（）：) outside data values (names, wards, the words of a plan are
data, shown as written), and the English catalog leaves no Japanese in its translations.

Data values are taken out generically: every text column of the apps' own tables that holds
Japanese punctuation is removed from the page before it is read, so what remains is ours
(templates, messages, dates)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from supportmeasures.actions import PersonData
from supportmeasures.models import AliasKind, Person, Role

pytestmark = pytest.mark.django_db

JAPANESE_PUNCTUATION = re.compile(r"[、。「」（）：]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
LOCALE = Path(__file__).resolve().parents[2] / "locale"
APPS = ("supportmeasures", "inquiries", "auditlog")


def data_values() -> list[str]:
    """Every stored text value with Japanese punctuation in it, longest first."""
    found: set[str] = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField):
                    for value in model._default_manager.values_list(field.name, flat=True):
                        if value and JAPANESE_PUNCTUATION.search(value):
                            found.add(value)
                            found.update(line for line in value.splitlines() if line)
    return sorted(found, key=len, reverse=True)


def ours(html: str) -> str:
    for value in data_values():
        html = html.replace(value, "").replace(value.replace("\n", "<br>"), "")
    return html


def offending(html: str) -> list[str]:
    text = ours(html)
    return [
        text[max(0, m.start() - 60) : m.end() + 20] for m in JAPANESE_PUNCTUATION.finditer(text)
    ]


@pytest.fixture
def incident(x, y, clerk_a, register, acknowledged_plan):
    # A second protected person with aliases: the person page lists them with a separator.
    register(
        clerk_a,
        protected=PersonData(
            name="佐藤 花",
            kana="サトウ ハナ",
            aliases=[(AliasKind.ALIAS, "佐藤 はな"), (AliasKind.FORMER, "鈴木 花")],
        ),
    )
    return acknowledged_plan(wording="Xさんが先ほどA区役所に来庁されました")


def test_the_main_screens_in_english_have_no_japanese_punctuation(
    incident,
    x,
    y,
    x_measure,
    clerk_a,
    supervisor_a,
    clerk_b,
    supervisor_b,
    make_staff,
    ward_a,
    login,
):
    inquiry, plan = incident
    auditor = make_staff(ward_a, Role.AUDITOR, username="a_auditor")
    pages = {
        clerk_a: [
            reverse("supportmeasures:home"),
            reverse("supportmeasures:search") + "?name=山崎+みさき",
            reverse("supportmeasures:search") + "?name=やまざき+けんいち",
            x.get_absolute_url(),
            y.get_absolute_url(),
            Person.objects.get(name="佐藤 花").get_absolute_url(),
            reverse("supportmeasures:acknowledge", args=[x.public_id]),
            x_measure.get_absolute_url(),
            reverse("supportmeasures:measures"),
            reverse("inquiries:list"),
            inquiry.get_absolute_url(),
        ],
        supervisor_a: [
            # A decided measure: the decision page sends back to the measure saying why.
            reverse("supportmeasures:decide", args=[x_measure.ref]),
            reverse("supportmeasures:extend", args=[x_measure.ref]),
            reverse("supportmeasures:register"),
            reverse("supportmeasures:batch_screening"),
            reverse("inquiries:new"),
            reverse("inquiries:notifications"),
        ],
        clerk_b: [inquiry.get_absolute_url(), plan.get_absolute_url(), reverse("inquiries:list")],
        supervisor_b: [reverse("inquiries:queue"), plan.get_absolute_url()],
        auditor: [
            reverse("auditlog:events"),
            reverse("auditlog:events") + "?person=山崎",
            reverse("auditlog:person", args=[x.public_id]),
        ],
    }
    found: dict[str, list[str]] = {}

    for user, urls in pages.items():
        client = login(user)
        client.cookies["django_language"] = "en"
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert '<html lang="en">' in html, url
            found[f"{user.username} {url}"] = offending(html)
    client = login(clerk_a)
    client.cookies["django_language"] = "en"
    client.post(
        reverse("supportmeasures:acknowledge", args=[x.public_id]),
        {"purpose": "counter", "confirm": "on"},
    )
    details = client.get(reverse("supportmeasures:details", args=[x.public_id])).content.decode()
    found["details"] = offending(details)
    found["printed details"] = offending(
        client.post(reverse("supportmeasures:print_details", args=[x.public_id])).content.decode()
    )

    assert {page: lines for page, lines in found.items() if lines} == {}
    assert len(found) == 27


def test_the_check_sees_japanese_punctuation_outside_data(x_measure):
    html = "<p>Owning ward: 鶴見区（Tsurumi）</p><p>山﨑 美咲</p>"

    found = offending(html)

    assert len(found) == 2
    assert all(snippet.startswith("<p>Owning ward: 鶴見区（") for snippet in found)


def test_a_refusal_in_english_names_dates_without_japanese_brackets(
    x_measure, make_staff, ward_a, in_english
):
    from supportmeasures import permissions

    other = make_staff(ward_a, Role.SUPERVISOR)

    message = str(permissions.decide_refusal(other, x_measure, timezone.localdate()))

    assert not JAPANESE_PUNCTUATION.search(message), message
    assert f"{x_measure.ends_on.isoformat()} (令和" in message


def test_the_english_catalog_has_no_japanese_translation_and_no_japanese_punctuation():
    catalog = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))

    japanese = [e.msgid for e in catalog if e.translated() and JAPANESE.search(e.msgstr)]
    punctuated = [
        e.msgid
        for e in catalog
        if JAPANESE_PUNCTUATION.search(e.msgid + (e.msgid_plural or "") + e.msgstr)
    ]

    assert japanese == []
    assert punctuated == []
