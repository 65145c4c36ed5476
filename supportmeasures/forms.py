"""Forms validate input; they never save. Actions do."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from supportmeasures import names
from supportmeasures.actions import Identity, PartyData, PersonData
from supportmeasures.fields import BirthDateField
from supportmeasures.fields import JapaneseDateField as JapaneseDateField
from supportmeasures.models import (
    AccessPurpose,
    AliasKind,
    BasisKind,
    EndReason,
    MeasureKind,
    Sex,
    Staff,
)

# Free text a person types: every field has a limit, so nothing reaches the database (or the
# disclosure guard) longer than its column or the guard was sized for.
NAME_LENGTH = 100  # Person.name, PersonAlias.name
KANA_LENGTH = 200  # Person.kana
KEY_LENGTH = 200  # Person.name_key and kana_key, PersonAlias.name_key
ADDRESS_LENGTH = 300  # as the screening API accepts it
LIST_LENGTH = 1000  # aliases or former names, one per line
REASON_LENGTH = 1000


def _lines(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.replace("、", "\n").replace(",", "\n").splitlines()
        if line.strip()
    ]


def _uuids(text: str) -> list[uuid.UUID]:
    found = []
    for part in text.split(","):
        try:
            found.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return found


def _fits_key(value: str, key: Callable[[str], str]) -> str:
    # A few characters unfold when names are normalised (㍿ → 株式会社, ﷺ → 18 letters): a
    # name that fits its field could still overflow its match key, a 500 from the database.
    if len(key(value)) > KEY_LENGTH:
        raise forms.ValidationError(
            _("This is too long once written out in full. Shorten it."), code="max_length"
        )
    return value


def _name_lines(text: str) -> str:
    """Each alias or former name is stored on its own: each must fit a name's limits."""
    for line in _lines(text):
        MaxLengthValidator(NAME_LENGTH)(line)
        _fits_key(line, names.name_key)
    return text


class SearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("Kanji, kana or Latin letters. Old and new kanji forms match each other."),
    )
    kana = forms.CharField(
        label=_("Reading (kana)"),
        required=False,
        max_length=200,
        help_text=_("Hiragana or katakana, full or half width."),
    )
    birth_date = BirthDateField(label=_("Date of birth"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name") or data.get("kana") or data.get("birth_date")) and not self.errors:
            raise forms.ValidationError(_("Enter a name, a reading or a date of birth."))
        return data


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH)
    kana = forms.CharField(label=_("Reading (kana)"), max_length=KANA_LENGTH, required=False)
    birth_date = BirthDateField(label=_("Date of birth"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=ADDRESS_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    resident_number = forms.CharField(
        label=_("Resident number (宛名番号)"), max_length=20, required=False
    )
    aliases = forms.CharField(
        label=_("Aliases and other spellings"),
        max_length=LIST_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: 通称, other kanji forms, Latin spelling."),
    )
    former_names = forms.CharField(
        label=_("Former names"),
        max_length=LIST_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, for example a name before marriage or divorce."),
    )

    # Asked only when the registry already holds someone who may be this person
    # (selectors.identity_candidates): the page shows them with these (_identity.html).
    identity = forms.CharField(required=False, max_length=40, widget=forms.RadioSelect)
    identity_seen = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)
    confirm_different = forms.BooleanField(
        label=_("I have checked: this is a different person from everyone listed above."),
        required=False,
    )
    IDENTITY_FIELDS = ("identity", "identity_seen", "confirm_different")
    DIFFERENT = "different"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The registered people who may be this one, set by the view once the form is valid.
        self.candidates: list[Any] = []

    def clean_name(self) -> str:
        return _fits_key(self.cleaned_data["name"], names.name_key)

    def identity_choice(self, candidates: list[Any]) -> Identity | None:
        """The clerk's answer about `candidates` (shown on the page), or None after adding
        the error that asks for it. Checked again by the action against the registry."""
        data = self.cleaned_data
        choice = data.get("identity", "")
        seen = frozenset(_uuids(data.get("identity_seen", "")))
        if not candidates and not choice:
            return Identity()
        if choice == self.DIFFERENT:
            if not data.get("confirm_different"):
                self.add_error(
                    "confirm_different",
                    _("Confirm that this is a different person, or choose the person found."),
                )
                return None
            return Identity(different_from=seen)
        chosen = next((c for c in candidates if str(c.public_id) == choice), None)
        if chosen is None:
            self.add_error(
                "identity",
                _(
                    "Someone already in the registry may be this person. Choose the same "
                    "person, or say it is a different person."
                ),
            )
            return None
        return Identity(same_as=chosen.public_id)

    def clean_kana(self) -> str:
        return _fits_key(self.cleaned_data["kana"], names.kana_key)

    def clean_aliases(self) -> str:
        return _name_lines(self.cleaned_data["aliases"])

    def clean_former_names(self) -> str:
        return _name_lines(self.cleaned_data["former_names"])

    def person_data(self, identity: Identity | None = None) -> PersonData:
        data = self.cleaned_data
        aliases = [(AliasKind.ALIAS.value, a) for a in _lines(data.get("aliases", ""))]
        aliases += [(AliasKind.FORMER.value, a) for a in _lines(data.get("former_names", ""))]
        return PersonData(
            name=data["name"].strip(),
            kana=data.get("kana", "").strip(),
            birth_date=data.get("birth_date"),
            sex=data.get("sex", ""),
            address=data.get("address", "").strip(),
            phone=data.get("phone", "").strip(),
            resident_number=data.get("resident_number", "").strip(),
            aliases=aliases,
            identity=identity,
        )


class PartyForm(PersonForm):
    relationship = forms.CharField(
        label=_("Relationship to the protected resident"),
        max_length=100,
        required=False,
        help_text=_("For example 夫, 元夫, 父, 子."),
    )
    is_resident = forms.BooleanField(label=_("Lives in the city (resident)"), required=False)
    agent_note = forms.CharField(
        label=_("Agent (name, if any)"),
        max_length=200,
        required=False,
        help_text=_("Name the agent if the counterparty acts through one (lawyer, relative)."),
    )

    def party_data(self, identity: Identity | None = None) -> PartyData:
        data = self.cleaned_data
        return PartyData(
            person=self.person_data(identity),
            relationship=data.get("relationship", "").strip(),
            is_resident=bool(data.get("is_resident")),
            agent_note=data.get("agent_note", "").strip(),
        )


PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=10, validate_max=True)


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of measure"), choices=MeasureKind.choices, widget=forms.RadioSelect
    )
    applied_on = JapaneseDateField(label=_("Date of application"))
    basis_kind = forms.ChoiceField(
        label=_("Basis"), choices=BasisKind.choices, widget=forms.RadioSelect
    )
    basis_body = forms.CharField(
        label=_("Consulting body or issuer"),
        max_length=200,
        help_text=_(
            "For example 神奈川県警察 港北警察署, 配偶者暴力相談支援センター, "
            "児童相談所, or the court."
        ),
    )
    basis_opinion_on = JapaneseDateField(label=_("Date of the opinion or document"), required=False)
    basis_document = forms.CharField(label=_("Document reference"), max_length=200, required=False)
    restricts_inspection = forms.BooleanField(
        label=_("Inspection of register extracts (閲覧)"), required=False, initial=True
    )
    restricts_resident_copies = forms.BooleanField(
        label=_("Copies of resident records, including removed records (住民票の写し等・除票)"),
        required=False,
        initial=True,
    )
    restricts_koseki_attachment = forms.BooleanField(
        label=_(
            "Copies of family register attachments, including removed (戸籍の附票の写し・除票)"
        ),
        required=False,
        initial=True,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(
            data.get(f)
            for f in (
                "restricts_inspection",
                "restricts_resident_copies",
                "restricts_koseki_attachment",
            )
        ):
            raise forms.ValidationError(_("Choose at least one service to restrict."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("approve", _("Grant the support measure")),
            ("refuse", _("Refuse the application")),
        ],
    )
    starts_on = JapaneseDateField(label=_("Start date"), required=False)
    ends_on = JapaneseDateField(
        label=_("End date"),
        required=False,
        help_text=_(
            "Leave empty for one year (start + 1 year − 1 day). Another date needs a reason."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "approve" and not data.get("starts_on") and not self.errors:
            self.add_error("starts_on", _("Enter the date the measure starts."))
        return data


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (supporting opinion, renewed application)"),
        max_length=REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_(
            "The person has applied for an extension, and the continuing need for "
            "protection has been confirmed."
        ),
    )


class EndForm(forms.Form):
    end_reason = forms.ChoiceField(
        label=_("Why the measure ends"),
        widget=forms.RadioSelect,
        choices=[
            (EndReason.REQUESTED.value, EndReason.REQUESTED.label),
            (EndReason.DECIDED.value, EndReason.DECIDED.label),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class CorrectPeriodForm(forms.Form):
    ends_on = JapaneseDateField(label=_("Corrected end date"))
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ward} / {obj} ({obj.get_role_display()})"


class GrantForm(forms.Form):
    grantee = StaffChoiceField(label=_("Staff member"), queryset=Staff.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, grantees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["grantee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = grantees


class AcknowledgementForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Why do you need this person's address and contacts?"),
        choices=AccessPurpose.choices,
        widget=forms.RadioSelect,
    )
    purpose_note = forms.CharField(
        label=_("Reason (required for 'other')"), max_length=300, required=False
    )
    confirm = forms.BooleanField(
        label=_(
            "I will not tell anyone, in any way, where this person lives, works, studies "
            "or has visited, and I will consult a supervisor before any contact."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == AccessPurpose.OTHER and not data.get("purpose_note"):
            self.add_error("purpose_note", _("State the reason when the purpose is 'other'."))
        return data


class BatchScreeningForm(forms.Form):
    file = forms.FileField(
        label=_("Mailing list (CSV)"),
        help_text=_(
            "A header row with a name (氏名) and/or reading (フリガナ, kana) column, and "
            "optionally a date of birth (生年月日, birth_date). Every name column is screened. "
            "Other columns are returned unchanged. Up to 10,000 rows."
        ),
    )
    encoding = forms.ChoiceField(
        label=_("Character encoding"),
        widget=forms.RadioSelect,
        initial="utf-8",
        choices=[("utf-8", _("UTF-8")), ("cp932", _("Shift_JIS (CP932, older Excel)"))],
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=200, help_text=_("For example: 住民税の納税通知書の送付")
    )


ENCODING_CHOICES = [("utf-8", _("UTF-8")), ("cp932", _("Shift_JIS (CP932, older Excel)"))]
BULK_TEXT_LENGTH = 200_000


class BulkRunForm(forms.Form):
    """A prepared list of measures to end or release: uploaded, or pasted."""

    file = forms.FileField(
        label=_("List (CSV)"),
        required=False,
        help_text=_(
            "Columns 管理番号 (ref), 処理 (action: 終了 end or 解除 release), 終了日 (ends_on: "
            "the end date when the list was prepared, blank for an undecided application) and "
            "作成日 (prepared_on: the day the list was prepared). Up to 2,000 lines."
        ),
    )
    text = forms.CharField(
        label=_("Or paste the list"),
        required=False,
        max_length=BULK_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The same columns, with the header row, separated by commas."),
    )
    encoding = forms.ChoiceField(
        label=_("Character encoding of the file"),
        widget=forms.RadioSelect,
        initial="utf-8",
        choices=ENCODING_CHOICES,
    )
    reason = forms.CharField(
        label=_("Reason (recorded on every measure)"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and bool(data.get("file")) == bool((data.get("text") or "").strip()):
            raise forms.ValidationError(_("Upload a file or paste the list (one of the two)."))
        return data

    def raw(self) -> tuple[bytes, str]:
        """The list as bytes and its encoding (pasted text is UTF-8)."""
        upload = self.cleaned_data.get("file")
        if upload:
            return upload.read(), self.cleaned_data["encoding"]
        return self.cleaned_data["text"].encode("utf-8"), "utf-8"


class InspectionListForm(forms.Form):
    file = forms.FileField(
        label=_("Inspection list (CSV)"),
        help_text=_(
            "A header row with a name (氏名) and/or reading (フリガナ) column, an address "
            "(住所) column and optionally a date of birth (生年月日). Up to 10,000 rows."
        ),
    )
    encoding = forms.ChoiceField(
        label=_("Character encoding"),
        widget=forms.RadioSelect,
        initial="utf-8",
        choices=ENCODING_CHOICES,
    )
    purpose = forms.CharField(
        label=_("Inspection request"),
        max_length=200,
        help_text=_("For example: 閲覧申出 第12号 (世論調査)"),
    )
