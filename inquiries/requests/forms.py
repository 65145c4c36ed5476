"""Forms for document requests: they validate input, they never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inquiries.requests.actions import MAX_SUBJECTS, Named, Requester
from inquiries.requests.models import Document, RequestChannel, RequesterType, ReviewOutcome
from supportmeasures.fields import BirthDateField
from supportmeasures.forms import REASON_LENGTH

# Rows for the people the documents are about: blank rows are ignored, so no script is needed.
SUBJECT_ROWS = 5
assert SUBJECT_ROWS <= MAX_SUBJECTS


class RequestForm(forms.Form):
    documents = forms.MultipleChoiceField(
        label=_("Documents requested"),
        choices=Document.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.ChoiceField(
        label=_("How the request is made"),
        choices=RequestChannel.choices,
        widget=forms.RadioSelect,
        initial=RequestChannel.COUNTER,
    )
    requester_type = forms.ChoiceField(
        label=_("Who requests"), choices=RequesterType.choices, widget=forms.RadioSelect
    )
    requester_name = forms.CharField(label=_("Requester's name"), max_length=100)
    requester_kana = forms.CharField(
        label=_("Requester's reading (kana)"), max_length=200, required=False
    )
    requester_birth_date = BirthDateField(label=_("Requester's date of birth"), required=False)
    requester_organisation = forms.CharField(
        label=_("Office, firm or authority (if any)"),
        max_length=200,
        required=False,
        help_text=_("For a professional request (職務上請求) or an official one (公用請求)."),
    )
    client_name = forms.CharField(
        label=_("Client's name (依頼者)"),
        max_length=100,
        required=False,
        help_text=_(
            "For a professional request: whom the professional acts for. Left blank, the "
            "request always goes to review."
        ),
    )
    client_kana = forms.CharField(
        label=_("Client's reading (kana)"), max_length=200, required=False
    )
    client_birth_date = BirthDateField(label=_("Client's date of birth"), required=False)
    purpose = forms.CharField(
        label=_("Stated purpose"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, SUBJECT_ROWS + 1):
            self.fields[f"subject_{i}_name"] = forms.CharField(
                label=_("Name"), max_length=100, required=False
            )
            self.fields[f"subject_{i}_kana"] = forms.CharField(
                label=_("Reading (kana)"), max_length=200, required=False
            )
            self.fields[f"subject_{i}_birth_date"] = BirthDateField(
                label=_("Date of birth"), required=False
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self if not f.name.startswith("subject_")]

    def subject_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (i, [self[f"subject_{i}_{part}"] for part in ("name", "kana", "birth_date")])
            for i in range(1, SUBJECT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        subjects = []
        for i in range(1, SUBJECT_ROWS + 1):
            name = (data.get(f"subject_{i}_name") or "").strip()
            kana = (data.get(f"subject_{i}_kana") or "").strip()
            born = data.get(f"subject_{i}_birth_date")
            if not (name or kana):
                if born:
                    self.add_error(f"subject_{i}_name", _("Enter the name of this person."))
                continue
            subjects.append(Named(name, kana, born))
        if not subjects and not self.errors:
            raise forms.ValidationError(_("Name at least one person the documents are about."))
        data["subjects"] = subjects
        return data

    def requester(self) -> Requester:
        d = self.cleaned_data
        return Requester(
            d["requester_name"],
            d["requester_kana"],
            d["requester_birth_date"],
            type=d["requester_type"],
            organisation=d["requester_organisation"],
        )

    def client(self) -> Named | None:
        d = self.cleaned_data
        client = Named(d["client_name"], d["client_kana"], d["client_birth_date"])
        return None if client.is_blank else client


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Your decision"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to refuse. Never write an address or where the person lives."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == ReviewOutcome.REFUSE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the request is refused."))
        return data


class IssuanceForm(forms.Form):
    issue_number = forms.CharField(label=_("Issue number (発行番号)"), max_length=40)
    pages = forms.IntegerField(label=_("Number of pages"), min_value=1, max_value=999)
    place = forms.CharField(label=_("Place of issue"), max_length=100)


class DisposalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the certificate was destroyed"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
