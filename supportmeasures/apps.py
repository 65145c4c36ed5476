from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportMeasuresConfig(AppConfig):
    name = "supportmeasures"
    verbose_name = _("Support measures")
