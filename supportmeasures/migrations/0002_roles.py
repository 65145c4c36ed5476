"""The roles are groups. Administrators also get Django admin rights on wards and staff."""

from django.db import migrations

ROLES = ["clerk", "supervisor", "auditor", "administrator", "contractor"]
ADMIN_PERMS = [
    ("supportmeasures", "view_ward"), ("supportmeasures", "add_ward"),
    ("supportmeasures", "change_ward"), ("supportmeasures", "view_staff"),
    ("supportmeasures", "change_staff"), ("supportmeasures", "view_trainingrecord"),
]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    admin = Group.objects.get(name="administrator")
    for app_label, codename in ADMIN_PERMS:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm:
            admin.permissions.add(perm)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supportmeasures", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
