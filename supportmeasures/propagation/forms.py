"""The section staff's answers: a note when confirming, a reason when the block could not
be set."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class FailForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the block could not be set"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The support-measure officer and the auditors are told at once. Do not write "
            "an address."
        ),
    )
