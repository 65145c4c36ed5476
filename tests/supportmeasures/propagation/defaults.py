"""What migrations seed and a flush removes: the ten default linked systems (0012) and the
administrators' admin rights (0002, 0014). A transactional test (`django_db(transaction=True)`:
the browser tests, real Celery workers) ends with a flush; the next test seeds them again."""

from __future__ import annotations

import importlib

from django.contrib.auth.models import Group, Permission

from supportmeasures.models import LinkedSystem

_SEED = importlib.import_module("supportmeasures.migrations.0012_propagation_default_systems")
_ROLES = importlib.import_module("supportmeasures.migrations.0002_roles")
_ADMIN = importlib.import_module("supportmeasures.migrations.0014_propagation_admin_rights")


def ensure_default_systems() -> None:
    if LinkedSystem.objects.exists():
        return
    for order, (code, name, section) in enumerate(_SEED.DEFAULT_SYSTEMS, start=1):
        LinkedSystem.objects.get_or_create(
            code=code, defaults={"name": name, "section": section, "order": order * 10}
        )
    for role in _ROLES.ROLES:
        Group.objects.get_or_create(name=role)
    codenames = [c for _, c in _ROLES.ADMIN_PERMS] + list(_ADMIN.ADMIN_PERMS)
    Group.objects.get(name="administrator").permissions.add(
        *Permission.objects.filter(
            content_type__app_label="supportmeasures", codename__in=codenames
        )
    )
