"""Forms of the forwarding pages: they validate input, they never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from supportmeasures.fields import JapaneseDateField
from supportmeasures.forms import ApplicationForm
from supportmeasures.propagation.forwarding_models import MUNICIPALITY_CODE, ForwardingRelation


def _name_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=100, help_text=_("For example 札幌市, 千代田区.")
    )


def _code_field() -> forms.CharField:
    return forms.CharField(
        label=_("Local government code"),
        max_length=6,
        validators=[MUNICIPALITY_CODE],
        help_text=_("全国地方公共団体コード: 6 digits (or 5 without the check digit)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ForwardForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("The municipality is the resident's"),
        choices=ForwardingRelation.choices,
        widget=forms.RadioSelect,
    )
    municipality_name = _name_field(_("Municipality forwarded to"))
    municipality_code = _code_field()
    forwarded_on = JapaneseDateField(label=_("Date forwarded"))


class ReplyForm(forms.Form):
    replied_on = JapaneseDateField(label=_("Date of the reply"))
    note = forms.CharField(
        label=_("The reply"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: 支援措置を実施した旨の回答 (文書番号). No address."),
    )
    confirm = forms.BooleanField(
        label=_("The receiving municipality replied that it applies the measure.")
    )


class MoveOutForm(forms.Form):
    moved_out_on = JapaneseDateField(label=_("Date moved out (転出日)"))
    municipality_name = _name_field(_("Municipality moved to (転出先)"))
    municipality_code = _code_field()
    confirm = forms.BooleanField(
        label=_(
            "The protected resident has moved out of the city. The measure continues as the "
            "former address's protection, provisionally, and is forwarded to the new "
            "municipality."
        )
    )


class ReceiveForm(ApplicationForm):
    """A forwarded application (転送受付): the application's fields, where it came from, and
    the period the origin decided (or the date the applicant was told the need was not
    confirmed)."""

    origin_name = _name_field(_("Municipality that forwarded it"))
    origin_code = _code_field()
    origin_forwarded_on = JapaneseDateField(label=_("Date it was forwarded"))
    received_on = JapaneseDateField(label=_("Date received"))
    need_confirmed = forms.TypedChoiceField(
        label=_("Did the forwarding municipality confirm the need for support?"),
        choices=[
            ("yes", _("Yes: enter the period it decided")),
            ("no", _("No: enter the date the applicant was told (spec 1.1.16)")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    starts_on = JapaneseDateField(label=_("Start of the period decided"), required=False)
    ends_on = JapaneseDateField(label=_("End of the period decided"), required=False)
    applicant_notified_on = JapaneseDateField(
        label=_("Date the applicant was told the need was not confirmed"), required=False
    )

    field_order = [
        "origin_name",
        "origin_code",
        "origin_forwarded_on",
        "received_on",
        "need_confirmed",
        "starts_on",
        "ends_on",
        "applicant_notified_on",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The application's own date is the date received; the origin's documents are its.
        for name in ("applied_on", "basis_opinion_on", "basis_document"):
            del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("need_confirmed") is True:
            for name in ("starts_on", "ends_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Enter the period the forwarding municipality decided."))
        elif (
            data.get("need_confirmed") is False
            and not data.get("applicant_notified_on")
            and "applicant_notified_on" not in self.errors
        ):
            self.add_error(
                "applicant_notified_on",
                _("Enter the date the applicant was told the need was not confirmed."),
            )
        return data
