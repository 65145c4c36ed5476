"""Linked-system fixtures: section staff of the resident-register system (住民記録)."""

from __future__ import annotations

import pytest

from supportmeasures.models import LinkedSystem, Role
from supportmeasures.propagation import actions as propagation


@pytest.fixture
def register_system(db):
    return LinkedSystem.objects.get(code="resident_register")


@pytest.fixture
def tax_system(db):
    return LinkedSystem.objects.get(code="tax")


@pytest.fixture
def section_clerk(make_staff, ward_b, register_system, now):
    """A clerk of another ward who keeps the resident-register system's blocks."""
    staff = make_staff(ward_b, Role.CLERK, username="section_clerk")
    propagation.grant_section_staff(
        acting_user=None, staff=staff, system=register_system, granted_at=now
    )
    return staff
