"""Administrators keep the list of linked systems in the admin (view, add, change; never
delete: a system no longer used is made inactive)."""

from django.db import migrations

ADMIN_PERMS = ["view_linkedsystem", "add_linkedsystem", "change_linkedsystem"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="administrator")
    admin.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="supportmeasures", codename__in=ADMIN_PERMS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="administrator").first()
    if admin is not None:
        admin.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="supportmeasures", codename__in=ADMIN_PERMS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("supportmeasures", "0013_forwarding_feed_models")]

    operations = [migrations.RunPython(grant, revoke)]
