"""The ten default linked systems, as migration 0012 seeds them. A transactional test
(`django_db(transaction=True)`: the browser tests) runs after another one has flushed the
database, migration data included: it seeds them again with this."""

from __future__ import annotations

import importlib

from supportmeasures.models import LinkedSystem

_SEED = importlib.import_module("supportmeasures.migrations.0012_propagation_default_systems")


def ensure_default_systems() -> None:
    if LinkedSystem.objects.exists():
        return
    for order, (code, name, section) in enumerate(_SEED.DEFAULT_SYSTEMS, start=1):
        LinkedSystem.objects.get_or_create(
            code=code, defaults={"name": name, "section": section, "order": order * 10}
        )
