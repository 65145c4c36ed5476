"""The header offers a section only where its page would open (issue 14: no role compared in a
template)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECTIONS = {
    "measures": "supportmeasures:measures",
    "register": "supportmeasures:register",
    "inquiries": "inquiries:list",
    "audit": "auditlog:events",
}


@pytest.mark.parametrize("who", ["clerk_a", "supervisor_a", "auditor", "contractor_a"])
def test_each_link_in_the_header_opens_its_page(who, request, login):
    client = login(request.getfixturevalue(who))
    home = client.get(reverse("supportmeasures:home")).content.decode()

    for name in SECTIONS.values():
        url = reverse(name)
        offered = f'href="{url}"' in home
        opens = client.get(url).status_code == 200

        assert offered == opens, (who, name, offered, opens)


def test_only_case_staff_are_warned_of_lapsed_training(make_staff, ward_a, login):
    from supportmeasures.models import Role

    untrained_clerk = make_staff(ward_a, Role.CLERK, trained=False)
    untrained_auditor = make_staff(ward_a, Role.AUDITOR, trained=False)

    warned = login(untrained_clerk).get(reverse("supportmeasures:home")).content.decode()
    spared = login(untrained_auditor).get(reverse("supportmeasures:home")).content.decode()

    assert "年次研修の有効期限が切れています" in warned or "training has expired" in warned
    assert "training has expired" not in spared and "年次研修の有効期限が切れています" not in spared


def test_an_urgent_inquiry_waits_on_the_receiving_clerks_home_page(
    clerk_a, supervisor_a, clerk_b, ward_b, x, login, now
):
    from inquiries import actions

    inquiry = actions.create_inquiry(
        acting_user=clerk_a,
        to_ward=ward_b,
        to_department="",
        subject_name="山崎 美咲",
        subject_kana="",
        subject_birth_date=None,
        question="加入状況",
        reason="手続き",
        urgency="urgent",
        created_at=now,
    )
    actions.sign_off_inquiry(
        inquiry=inquiry, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
    )

    home = login(clerk_b).get(reverse("supportmeasures:home")).content.decode()

    assert reverse("inquiries:detail", args=[inquiry.public_id]) in home
    assert "山崎" not in home  # the person is read only after the acknowledgement


def test_a_supervisor_with_nothing_to_sign_is_told_so(supervisor_b, login):
    home = login(supervisor_b).get(reverse("supportmeasures:home")).content.decode()

    assert "決裁待ちはありません" in home
    assert "0件" not in home
