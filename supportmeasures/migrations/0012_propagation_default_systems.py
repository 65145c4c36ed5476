"""The city's linked systems, a sensible default list. Administrators keep it in the admin
(docs/propagation.md): rename, reorder, switch to the API, deactivate, add."""

from django.db import migrations

DEFAULT_SYSTEMS = [
    ("resident_register", "住民記録", "市民課"),
    ("koseki_attachment", "戸籍附票", "戸籍課"),
    ("tax", "税務", "市民税課"),
    ("nhi_pension", "国保・年金", "保険年金課"),
    ("long_term_care", "介護", "介護保険課"),
    ("child_support", "児童手当・子育て", "子育て支援課"),
    ("welfare", "福祉・生活保護", "生活福祉課"),
    ("elections", "選挙", "選挙管理委員会事務局"),
    ("schools", "学校", "教育委員会学務課"),
    ("convenience_issuance", "コンビニ交付", "市民課"),
]


def add_defaults(apps, schema_editor):
    LinkedSystem = apps.get_model("supportmeasures", "LinkedSystem")
    for order, (code, name, section) in enumerate(DEFAULT_SYSTEMS, start=1):
        LinkedSystem.objects.get_or_create(
            code=code,
            defaults={"name": name, "section": section, "order": order * 10},
        )


def remove_defaults(apps, schema_editor):
    LinkedSystem = apps.get_model("supportmeasures", "LinkedSystem")
    LinkedSystem.objects.filter(
        code__in=[code for code, _, _ in DEFAULT_SYSTEMS], tasks__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("supportmeasures", "0011_propagation_sequence_at_commit")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
