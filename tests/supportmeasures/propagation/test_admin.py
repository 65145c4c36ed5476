"""The administrators keep the list of linked systems in the admin: every save and every
section-staff grant or withdrawal is recorded; an API system needs its client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditlog.models import AuditEvent, EventKind
from supportmeasures.models import Role
from supportmeasures.propagation import permissions as rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(make_staff, ward_a):
    return make_staff(ward_a, Role.ADMINISTRATOR, username="admin")


def form(system, **changes):
    data = {
        "code": system.code,
        "name": system.name,
        "section": system.section,
        "confirms_by": system.confirms_by,
        "api_client": "",
        "is_active": "on",
        "order": str(system.order),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def change_url(system):
    return reverse("admin:supportmeasures_linkedsystem_change", args=[system.pk])


def test_choosing_section_staff_records_the_save_and_each_grant(
    administrator, login, register_system, clerk_a
):
    response = login(administrator).post(
        change_url(register_system),
        form(register_system, section="市民課 記録係", section_staff=[str(clerk_a.pk)]),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    kinds = list(
        AuditEvent.objects.filter(kind=EventKind.ADMIN_CHANGED)
        .order_by("sequence")
        .values_list("decision", "data__fields")
    )
    assert ("changed", ["section", "section_staff"]) in kinds
    assert ("granted", ["section_staff"]) in kinds
    clerk_a.refresh_from_db()
    assert rules.is_section_staff(clerk_a, register_system)


def test_an_api_system_without_its_client_is_refused_with_a_message(
    administrator, login, tax_system
):
    response = login(administrator).post(
        change_url(tax_system), form(tax_system, confirms_by="api")
    )

    assert response.status_code == 200  # the form again, with the error
    tax_system.refresh_from_db()
    assert tax_system.confirms_by == "hand"
    assert not AuditEvent.objects.filter(kind=EventKind.ADMIN_CHANGED).exists()


def test_a_system_cannot_be_deleted(administrator, login, tax_system):
    url = reverse("admin:supportmeasures_linkedsystem_delete", args=[tax_system.pk])

    assert login(administrator).post(url, {"post": "yes"}).status_code == 403
