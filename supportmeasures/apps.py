from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportMeasuresConfig(AppConfig):
    name = "supportmeasures"
    verbose_name = _("Support measures")

    def ready(self) -> None:
        # Failed logins and lockouts are audit events (supportmeasures/logins.py).
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from supportmeasures import logins

        user_login_failed.connect(logins.on_login_failed, dispatch_uid="mamori_login_failed")
        user_locked_out.connect(logins.on_locked_out, dispatch_uid="mamori_locked_out")
