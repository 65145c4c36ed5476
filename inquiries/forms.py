"""Forms validate input; they never save. Actions do."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inquiries.models import STATUS_RANK, Channel, DisclosureCategory, ProtectedStatus, Urgency
from supportmeasures.forms import REASON_LENGTH, JapaneseDateField
from supportmeasures.models import Ward

# Words said, written or asked: the disclosure guard reads all of them, so they are bounded.
WORDS_LENGTH = 4000


class InquiryForm(forms.Form):
    to_ward = forms.ModelChoiceField(label=_("To ward"), queryset=Ward.objects.none())
    to_department = forms.CharField(
        label=_("Department (optional)"), max_length=100, required=False
    )
    subject_name = forms.CharField(label=_("Name of the person concerned"), max_length=100)
    subject_kana = forms.CharField(label=_("Reading (kana)"), max_length=200, required=False)
    subject_birth_date = JapaneseDateField(label=_("Date of birth"), required=False)
    question = forms.CharField(
        label=_("What do you ask?"),
        max_length=WORDS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ask only what you need to know."),
    )
    reason = forms.CharField(
        label=_("Why do you need it?"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.NORMAL,
    )
    raised_status = forms.ChoiceField(
        label=_("Raise the support-measure status (optional)"),
        required=False,
        choices=[("", _("No: use what the registry says"))]
        + [(v, label) for v, label in ProtectedStatus.choices if v != ProtectedStatus.NONE],
        help_text=_("If you suspect the person is at risk, raise it. Nobody can lower it."),
    )
    raised_reason = forms.CharField(label=_("Why you raise it"), max_length=300, required=False)

    def __init__(self, *args: Any, from_ward: Ward | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_ward"]
        assert isinstance(field, forms.ModelChoiceField)
        wards = Ward.objects.order_by("code")
        field.queryset = wards.exclude(pk=from_ward.pk) if from_ward is not None else wards

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("raised_status") and not data.get("raised_reason"):
            self.add_error("raised_reason", _("Say why you raise the status."))
        return data


class SignOffForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I have read the support-measure status above, and the inquiry asks only what "
            "is needed."
        )
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class RaiseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only a raise is offered; the action refuses anything else all the same.
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (v, label)
            for v, label in ProtectedStatus.choices
            if STATUS_RANK[ProtectedStatus(v)] > STATUS_RANK[ProtectedStatus(current)]
        ]


class AcknowledgeInquiryForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand the status. I will not tell anyone where this person lives, "
            "works, studies or has visited, and I will not contact anyone about them "
            "without an approved contact plan."
        )
    )


class AcknowledgeContactForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I need this contact to act on this plan. I will use it only for the approved "
            "contact and tell nobody where this person lives or how to reach them."
        )
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=WORDS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("An answer is a disclosure: say only what is needed."),
    )


class PlanForm(forms.Form):
    matter_name = forms.CharField(
        label=_("Person the matter concerns"), max_length=100, required=False
    )
    matter_kana = forms.CharField(label=_("Reading (kana)"), max_length=200, required=False)
    matter_birth_date = JapaneseDateField(label=_("Date of birth"), required=False)
    target_name = forms.CharField(label=_("Whom you will contact"), max_length=100)
    target_kana = forms.CharField(label=_("Reading (kana)"), max_length=200, required=False)
    target_birth_date = JapaneseDateField(label=_("Date of birth, if known"), required=False)
    target_contact = forms.CharField(
        label=_("Phone number or address you will use"), max_length=300
    )
    target_relation = forms.CharField(label=_("Their relation to the matter"), max_length=200)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, widget=forms.RadioSelect
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    categories = forms.MultipleChoiceField(
        label=_("What will be disclosed"),
        choices=DisclosureCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    wording = forms.CharField(
        label=_("The words you intend to say or write"),
        max_length=WORDS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Checked for anything that reveals where a protected person is or has "
            "been: ward and office names, addresses, phone numbers, schools, "
            "workplaces, visits."
        ),
    )
    is_emergency = forms.BooleanField(label=_("Emergency: it cannot wait"), required=False)
    emergency_reason = forms.CharField(
        label=_("Why it cannot wait"),
        max_length=REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_emergency") and not data.get("emergency_reason"):
            self.add_error("emergency_reason", _("Say why the contact cannot wait."))
        return data


class ContactRecordForm(forms.Form):
    said = forms.CharField(
        label=_("What was actually said or sent"),
        max_length=WORDS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(
        label=_("Outcome"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    categories = forms.MultipleChoiceField(
        label=_("What was disclosed"),
        choices=DisclosureCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
