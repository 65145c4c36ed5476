"""Trigram indexes for the search page's "name contains" list (PostgreSQL only).

The screening engine uses exact B-tree look-ups on the match keys; the search page also lists
people whose keys merely contain what was typed (LIKE '%…%'), which only a trigram index can
serve. pg_trgm needs a UTF-8 database (C.UTF-8 here) to see Japanese characters.
"""

from django.db import migrations

INDEXES = [
    ("person_name_key_trgm", "supportmeasures_person", "name_key"),
    ("person_kana_key_trgm", "supportmeasures_person", "kana_key"),
    ("alias_name_key_trgm", "supportmeasures_personalias", "name_key"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)",
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("supportmeasures", "0005_alter_supportmeasure_options_and_more")]

    operations = [migrations.RunPython(create, drop)]
