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
