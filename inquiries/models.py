"""Inter-ward inquiries (照会), their answers, and outbound contact plans (連絡計画)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supportmeasures.screening import Result


class ProtectedStatus(models.TextChoices):
    """What the registry says about the person an inquiry or plan concerns (ordered). The
    labels are the registry's own (`screening.Result`): one vocabulary on every page. Only
    "nobody" is stored as "none" here (inquiries.actions.RESULT_TO_STATUS maps the codes)."""

    NONE = "none", Result.CLEAR.label
    POSSIBLE_MATCH = "possible_match", Result.POSSIBLE_MATCH.label
    PROTECTED = "protected", Result.PROTECTED.label
    COUNTERPARTY = "counterparty", Result.COUNTERPARTY.label


STATUS_RANK = {
    ProtectedStatus.NONE: 0,
    ProtectedStatus.POSSIBLE_MATCH: 1,
    ProtectedStatus.PROTECTED: 2,
    ProtectedStatus.COUNTERPARTY: 3,
}


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent (today)")


class InquiryState(models.TextChoices):
    AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting sign-off")
    SENT = "sent", _("Sent")
    ANSWER_AWAITING_SIGNOFF = "answer_awaiting_signoff", _("Answer awaiting sign-off")
    ANSWERED = "answered", _("Answered")
    REFUSED = "refused", _("Refused at sign-off")


class Inquiry(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    from_ward = models.ForeignKey(
        "supportmeasures.Ward",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from ward"),
    )
    to_ward = models.ForeignKey(
        "supportmeasures.Ward",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to ward"),
    )
    to_department = models.CharField(_("department"), max_length=100, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"))
    # Who it is about: as the asking clerk knows them.
    subject_name = models.CharField(_("name of the person concerned"), max_length=100)
    subject_kana = models.CharField(_("reading"), max_length=200, blank=True)
    subject_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    question = models.TextField(_("what is asked"))
    reason = models.TextField(_("why it is needed"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    # The flag: computed from the registry, raised by the sender if they suspect more, never
    # lower than the registry. registry_status is refreshed whenever the registry changes.
    registry_status = models.CharField(max_length=20, choices=ProtectedStatus.choices)
    raised_status = models.CharField(
        max_length=20, choices=ProtectedStatus.choices, default=ProtectedStatus.NONE
    )
    raised_reason = models.CharField(_("why the status was raised"), max_length=300, blank=True)
    protected_status = models.CharField(
        _("support-measure status"), max_length=20, choices=ProtectedStatus.choices
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    owning_ward_codes = models.JSONField(default=list, blank=True)
    # Public ids of the registered people it concerns: its audit events are indexed by them.
    person_ids = models.JSONField(default=list, blank=True)
    # Whom the registry found and how (inquiries/risk.py renders them): a possible match says
    # to whom, never only "possible match".
    status_reasons = models.JSONField(default=list, blank=True)
    state = models.CharField(_("state"), max_length=30, choices=InquiryState.choices)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answer_signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [
            models.Index(fields=["to_ward", "state", "created_at"]),
            # The approvers' queue: oldest first by (time, key), read in index order.
            models.Index(fields=["from_ward", "state", "created_at", "id"]),
            models.Index(fields=["to_ward", "state", "answered_at", "id"]),
            # Inbox and outbox pages, newest first by key.
            models.Index(fields=["to_ward", "-id"], name="inquiry_inbox_page"),
            models.Index(fields=["from_ward", "-id"], name="inquiry_outbox_page"),
        ]
        constraints = [
            models.CheckConstraint(
                name="inquiry_between_two_wards", condition=~Q(from_ward=F("to_ward"))
            ),
            models.CheckConstraint(
                name="inquiry_signed_off_by_another",
                condition=Q(signed_off_by__isnull=True) | ~Q(signed_off_by=F("author")),
            ),
            models.CheckConstraint(
                name="inquiry_answer_signed_off_by_another",
                condition=Q(answer_signed_off_by__isnull=True)
                | ~Q(answer_signed_off_by=F("answered_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_ward} → {self.to_ward}: {self.subject_name}"

    def get_absolute_url(self) -> str:
        return reverse("inquiries:detail", kwargs={"public_id": self.public_id})

    @property
    def is_flagged(self) -> bool:
        return self.protected_status != ProtectedStatus.NONE


class InquiryAcknowledgement(models.Model):
    """The receiving ward's confirmation of the protected status, before reading."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="acknowledgements")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status_acknowledged = models.CharField(max_length=20, choices=ProtectedStatus.choices)
    acknowledged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["inquiry", "staff", "status_acknowledged"], name="ack_once_per_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} ✓ {self.inquiry_id}"


class Risk(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")
    COUNTER = "counter", _("At the counter")


class DisclosureCategory(models.TextChoices):
    IDENTITY = "identity", _("Our own identity only (office and caller)")
    APPLICATION = "application", _("The fact of an application or procedure")
    DATES = "dates", _("Dates of the procedure")
    AMOUNTS = "amounts", _("Amounts (tax, benefits, fees)")
    DOCUMENTS = "documents", _("Documents the person must send")
    PERSON_CONTACT = "person_contact", _("Anything about the protected person")
    LOCATION = "location", _("An address, office, school or workplace")


class PlanState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CONTACTED = "contacted", _("Contact made")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ContactPlanQuerySet(models.QuerySet["ContactPlan"]):
    def open_emergencies(self) -> ContactPlanQuerySet:
        """Emergency plans not refused and not yet reviewed: awaiting approval, or acted on."""
        return self.filter(is_emergency=True, emergency_reviewed_at__isnull=True).exclude(
            state=PlanState.REFUSED
        )

    def emergencies_to_review(self) -> ContactPlanQuerySet:
        """Open emergencies already approved or acted on: the owning ward must review them."""
        return self.open_emergencies().exclude(state=PlanState.AWAITING_APPROVAL)


class ContactPlan(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    acting_ward = models.ForeignKey(
        "supportmeasures.Ward",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acting ward"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    inquiry = models.ForeignKey(
        Inquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("inquiry"),
    )
    # The matter: whom it concerns (often the inquiry's person).
    matter_name = models.CharField(_("person the matter concerns"), max_length=100, blank=True)
    matter_kana = models.CharField(_("reading"), max_length=200, blank=True)
    matter_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    # The target: whom the clerk will contact.
    target_name = models.CharField(_("whom you will contact"), max_length=100)
    target_kana = models.CharField(_("reading"), max_length=200, blank=True)
    target_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    target_contact = models.CharField(_("phone number or address used"), max_length=300)
    target_relation = models.CharField(_("their relation to the matter"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.TextField(_("purpose"))
    categories = models.JSONField(_("what will be disclosed"), default=list)
    wording = models.TextField(_("the words you intend to say or write"))
    # Computed by the server, never entered.
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices)
    target_status = models.CharField(max_length=20, choices=ProtectedStatus.choices)
    matter_status = models.CharField(max_length=20, choices=ProtectedStatus.choices)
    findings = models.JSONField(default=list, blank=True)
    # Why the plan has its risk (inquiries/risk.py renders them), and whether its wording
    # must change before anyone may approve it.
    risk_reasons = models.JSONField(default=list, blank=True)
    needs_rewording = models.BooleanField(default=False)
    fingerprint = models.CharField(max_length=64)
    owning_ward_codes = models.JSONField(default=list, blank=True)
    # Public ids of the registered people it concerns: its audit events are indexed by them.
    person_ids = models.JSONField(default=list, blank=True)
    is_emergency = models.BooleanField(_("emergency"), default=False)
    emergency_reason = models.TextField(_("why it cannot wait"), blank=True)
    emergency_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    emergency_reviewed_at = models.DateTimeField(null=True, blank=True)
    emergency_review_note = models.TextField(blank=True)
    state = models.CharField(_("state"), max_length=20, choices=PlanState.choices)
    refusal_reason = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = ContactPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact plan")
        verbose_name_plural = _("contact plans")
        indexes = [models.Index(fields=["acting_ward", "state", "created_at"])]
        constraints = [
            models.CheckConstraint(
                name="plan_emergency_has_reason",
                condition=Q(is_emergency=False) | ~Q(emergency_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.acting_ward}: {self.target_name} ({self.risk})"

    def get_absolute_url(self) -> str:
        return reverse("inquiries:plan", kwargs={"public_id": self.public_id})

    def category_labels(self) -> list[str]:
        return [
            str(DisclosureCategory(c).label)
            for c in self.categories
            if c in DisclosureCategory.values
        ]

    @property
    def approvals_needed(self) -> int:
        return 2 if self.risk == Risk.CRITICAL or self.is_emergency else 1


class PlanApproval(models.Model):
    """One approver's sign-off, bound to the plan as it was (its fingerprint)."""

    plan = models.ForeignKey(ContactPlan, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    fingerprint = models.CharField(max_length=64)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The same person cannot approve the same version twice (race or resubmit); once
            # an approval has expired (withdrawn), they may approve the plan again.
            models.UniqueConstraint(
                fields=["plan", "approver", "fingerprint"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_approval_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.approver} ✓ {self.plan_id}"


class ContactRecord(models.Model):
    """What was actually said or sent, after the contact."""

    plan = models.OneToOneField(ContactPlan, on_delete=models.PROTECT, related_name="record")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contacted_at = models.DateTimeField()
    said = models.TextField(_("what was actually said or sent"))
    outcome = models.TextField(_("outcome"))
    categories = models.JSONField(_("what was disclosed"), default=list)
    beyond_plan = models.JSONField(default=list, blank=True)
    # The disclosure guard's findings in what was said, and those the plan's wording did
    # not have (each one a disclosure nobody approved).
    said_findings = models.JSONField(default=list, blank=True)
    findings_beyond_plan = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"record {self.plan_id}"


class Notification(models.Model):
    """An in-app notice (and its email). Written in the act's transaction; delivered after."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField()
    critical = models.BooleanField(default=False)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Sent with the hourly digest, not on its own (the recipient's ward chose so).
    digest = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["emailed_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


# Document requests live in their own sub-package and belong to this app (docs/decisions.md).
from inquiries.requests.models import Disposal as Disposal  # noqa: E402
from inquiries.requests.models import DocumentRequest as DocumentRequest  # noqa: E402
from inquiries.requests.models import Issuance as Issuance  # noqa: E402
from inquiries.requests.models import RequestSubject as RequestSubject  # noqa: E402
from inquiries.requests.models import TemporaryRelease as TemporaryRelease  # noqa: E402
