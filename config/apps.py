from django.apps import AppConfig


class MamoriConfig(AppConfig):
    """The top floor: it wires the apps together (docs/architecture.md). Listed last in
    INSTALLED_APPS, so every app is ready before the jobs are registered."""

    name = "config"
    verbose_name = "Mamori"

    def ready(self) -> None:
        # The scheduled jobs (beat, the worker and `manage.py run_job` find them by name),
        # and the records each verification checks against their events.
        from config import audit_witnesses, jobs  # noqa: F401
