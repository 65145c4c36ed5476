from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = _("Inquiries")

    def ready(self) -> None:
        """Hear what the floors below announce (docs/architecture.md): the registry's changes
        (re-screen open inquiries) and its notices, and the audit log's job alarms (this app
        owns the notices)."""
        from auditlog.signals import job_alarmed
        from inquiries import actions, tasks
        from inquiries.requests import demo
        from supportmeasures.signals import demo_loaded, notice_requested, registry_changed

        registry_changed.connect(
            tasks.reevaluate_after_registry_change, dispatch_uid="inquiries.reevaluate"
        )
        notice_requested.connect(actions.write_requested_notice, dispatch_uid="inquiries.notice")
        job_alarmed.connect(actions.write_alarm_notices, dispatch_uid="inquiries.job_alarm")
        demo_loaded.connect(demo.seed_requests, dispatch_uid="inquiries.demo_requests")
        # The issuance checks join the API's OpenAPI document (the registry never imports us).
        from inquiries.requests import api as request_api

        request_api.describe()
