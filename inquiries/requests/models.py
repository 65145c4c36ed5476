"""Document requests (証明書の交付・閲覧の請求): the request, its decision, the review by the
支援措置責任者, the temporary release (一時解除), the issuance history (交付履歴, 標準仕様書
1.3.8) and the destruction of a wrongly issued certificate (処分情報).

These models belong to the `inquiries` app (imported by `inquiries/models.py`); the rules are
`inquiries/requests/rules.py`, the changes `inquiries/requests/actions.py`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Document(models.TextChoices):
    JUMINHYO = "juminhyo", _("Copy of the residence record (住民票の写し)")
    JUMINHYO_KISAI = (
        "juminhyo_kisai",
        _("Certificate of residence record entries (住民票記載事項証明書)"),
    )
    JYOHYO = "jyohyo", _("Removed residence record (除票)")
    FUHYO = "fuhyo", _("Copy of the family register's supplementary record (戸籍の附票の写し)")
    FUHYO_JYOHYO = "fuhyo_jyohyo", _("Removed supplementary record (附票の除票)")
    INKAN = "inkan", _("Seal registration certificate (印鑑登録証明書)")
    TAX_CERTIFICATE = "tax_certificate", _("Tax certificate (income, assessment, payment)")
    ETSURAN = "etsuran", _("Inspection of the resident register (住民基本台帳の一部の写しの閲覧)")


class RequestChannel(models.TextChoices):
    COUNTER = "counter", _("At the counter (窓口)")
    MAIL = "mail", _("By post (郵送)")
    CONVENIENCE_STORE = "convenience_store", _("Convenience store (コンビニ交付)")
    WIDE_AREA = "wide_area", _("Another municipality (広域交付)")
    ONLINE = "online", _("Online (オンライン)")


class RequesterType(models.TextChoices):
    SELF = "self", _("The person herself or himself (本人)")
    AGENT = "agent", _("Agent with a power of attorney (代理人・委任状)")
    THIRD_PARTY = "third_party", _("Third party (第三者)")
    PROFESSIONAL = "professional", _("Professional acting for a client (職務上請求)")
    OFFICIAL = "official", _("State or local government (公用請求)")


class RequestSource(models.TextChoices):
    COUNTER = "counter", _("Recorded at the counter")
    API = "api", _("Checked by another system (API)")


class RequestDecision(models.TextChoices):
    ISSUE = "issue", _("May be issued (交付可)")
    REFUSE = "refuse", _("Must not be issued (不可)")
    REVIEW = "review", _("Needs review (要審査)")


class ReviewOutcome(models.TextChoices):
    ISSUE = "issue", _("Issue (temporary release)")
    REFUSE = "refuse", pgettext_lazy("document request review", "Refuse")


class RequestStatus(models.TextChoices):
    # The computed decision stands (issue or refuse): no review.
    DECIDED = "decided", _("Decided")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
    REFUSED = "refused", _("Refused at review")
    RELEASED = "released", _("Temporarily released")
    RELOCKED = "relocked", _("Locked again (not issued)")
    ISSUED = "issued", _("Issued")


class RelockReason(models.TextChoices):
    ISSUED = "issued", _("The certificate was issued")
    EXPIRED = "expired", _("The time ran out")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DocumentRequestQuerySet(models.QuerySet["DocumentRequest"]):
    def awaiting_review(self) -> DocumentRequestQuerySet:
        return self.filter(status=RequestStatus.AWAITING_REVIEW)


class DocumentRequest(models.Model):
    """One request for documents about one or more people, and its decision.

    `public_id` is the API's `check_id`. The decision is computed at recording
    (rules.decide) and never edited; a review adds its outcome beside it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Where it was recorded (counter); None for another system's check.
    ward = models.ForeignKey(
        "supportmeasures.Ward",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("ward"),
    )
    source = models.CharField(_("source"), max_length=10, choices=RequestSource.choices)
    api_client = models.ForeignKey(
        "supportmeasures.ApiClient",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    documents = models.JSONField(_("documents"), default=list)
    channel = models.CharField(_("channel"), max_length=20, choices=RequestChannel.choices)
    requester_type = models.CharField(_("requester"), max_length=20, choices=RequesterType.choices)
    requester_name = models.CharField(_("requester's name"), max_length=100, blank=True)
    requester_kana = models.CharField(_("requester's reading"), max_length=200, blank=True)
    requester_birth_date = models.DateField(_("requester's date of birth"), null=True, blank=True)
    requester_organisation = models.CharField(
        _("organisation (office, firm, authority)"), max_length=200, blank=True
    )
    client_name = models.CharField(_("client's name (依頼者)"), max_length=100, blank=True)
    client_kana = models.CharField(_("client's reading"), max_length=200, blank=True)
    client_birth_date = models.DateField(_("client's date of birth"), null=True, blank=True)
    purpose = models.TextField(_("stated purpose"), blank=True)
    # What the screening found for the requester's side (screening.Result codes).
    requester_result = models.CharField(max_length=20, blank=True)
    client_result = models.CharField(max_length=20, blank=True)
    organisation_result = models.CharField(max_length=20, blank=True)
    # Computed by the server, never entered (rules.decide).
    decision = models.CharField(_("decision"), max_length=10, choices=RequestDecision.choices)
    reasons = models.JSONField(default=list, blank=True)
    # The measures that restrict it, their owning wards (whose officers review it), and the
    # registered people it concerns (its audit events are indexed by them).
    measure_refs = models.JSONField(default=list, blank=True)
    responsible_ward_codes = models.JSONField(default=list, blank=True)
    person_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_outcome = models.CharField(
        _("review outcome"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    review_reason = models.TextField(_("reason"), blank=True)

    objects = DocumentRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")
        indexes = [
            models.Index(fields=["ward", "-id"], name="docrequest_ward_page"),
            models.Index(
                fields=["status", "recorded_at"],
                condition=Q(status="awaiting_review"),
                name="docrequest_review_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="docrequest_source_known",
                condition=Q(source__in=RequestSource.values),
            ),
            models.CheckConstraint(
                name="docrequest_channel_known",
                condition=Q(channel__in=RequestChannel.values),
            ),
            models.CheckConstraint(
                name="docrequest_requester_type_known",
                condition=Q(requester_type__in=RequesterType.values),
            ),
            models.CheckConstraint(
                name="docrequest_decision_known",
                condition=Q(decision__in=RequestDecision.values),
            ),
            models.CheckConstraint(
                name="docrequest_status_known",
                condition=Q(status__in=RequestStatus.values),
            ),
            # A counter request has its ward and clerk; an API check its client.
            models.CheckConstraint(
                name="docrequest_counter_has_ward_and_clerk",
                condition=~Q(source="counter") | Q(ward__isnull=False, recorded_by__isnull=False),
            ),
            models.CheckConstraint(
                name="docrequest_api_has_client",
                condition=~Q(source="api") | Q(api_client__isnull=False),
            ),
            # The status agrees with the decision: only a 'review' is reviewed, only an
            # 'issue' stands without one (and only it may be issued unreviewed).
            models.CheckConstraint(
                name="docrequest_status_follows_decision",
                condition=(
                    Q(decision="issue", status__in=["decided", "issued"])
                    | Q(decision="refuse", status="decided")
                    | Q(
                        decision="review",
                        status__in=["awaiting_review", "refused", "released", "relocked", "issued"],
                    )
                ),
            ),
            # A review has its reviewer, time and outcome, or none of them; refusing and
            # releasing follow the outcome; the reviewer is never who recorded it.
            models.CheckConstraint(
                name="docrequest_review_complete",
                condition=Q(reviewed_by__isnull=True, reviewed_at__isnull=True, review_outcome="")
                | Q(
                    reviewed_by__isnull=False,
                    reviewed_at__isnull=False,
                    review_outcome__in=ReviewOutcome.values,
                ),
            ),
            models.CheckConstraint(
                name="docrequest_reviewed_when_not_awaiting",
                condition=~Q(decision="review")
                | Q(status="awaiting_review", review_outcome="")
                | Q(status="refused", review_outcome="refuse")
                | Q(status__in=["released", "relocked", "issued"], review_outcome="issue"),
            ),
            models.CheckConstraint(
                name="docrequest_refusal_has_reason",
                condition=~Q(review_outcome="refuse") | ~Q(review_reason=""),
            ),
            models.CheckConstraint(
                name="docrequest_reviewer_is_not_recorder",
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("recorded_by")),
            ),
            # What a temporary release refers to (its composite foreign key, migration
            # 0013): a release exists only for a request whose review said 'issue'.
            models.UniqueConstraint(
                fields=["id", "review_outcome"], name="docrequest_id_outcome_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.decision})"

    def get_absolute_url(self) -> str:
        return reverse("requests:detail", kwargs={"public_id": self.public_id})

    def document_labels(self) -> list[str]:
        return [str(Document(d).label) for d in self.documents if d in Document.values]

    def reason_labels(self) -> list[str]:
        """The recorded reasons in words (the auditors' page)."""
        from inquiries.requests.rules import reason_labels

        return reason_labels(self.reasons)


class RequestSubject(models.Model):
    """A person the request is about, as the requester named them, and what the screening
    found for them."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="subjects")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=100, blank=True)
    kana = models.CharField(_("reading"), max_length=200, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    # rules.subject_result: clear, possible_match, protected or counterparty.
    result = models.CharField(_("screening result"), max_length=20)
    measure_refs = models.JSONField(default=list, blank=True)
    person_ids = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("subject of a document request")
        verbose_name_plural = _("subjects of document requests")
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="docsubject_position"),
            models.CheckConstraint(
                name="docsubject_result_known",
                condition=Q(result__in=["clear", "possible_match", "protected", "counterparty"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.position}"


class TemporaryReleaseQuerySet(models.QuerySet["TemporaryRelease"]):
    def open(self) -> TemporaryReleaseQuerySet:
        return self.filter(relocked_at__isnull=True)

    def expired(self, now: object) -> TemporaryReleaseQuerySet:
        return self.open().filter(valid_until__lte=now)


class TemporaryRelease(models.Model):
    """一時解除: lets one request (its documents, its subjects) be issued, for a short time.
    Never seen by anyone else: every other request and the screening API answer as before.
    Valid only while `valid_until` is in the future and it has not been re-locked; reading it
    never depends on the sweep that re-locks the expired ones."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.PROTECT, related_name="releases")
    # Always 'issue' (check constraint); with `request` it refers to the request's
    # (id, review_outcome): a release only for a review that said 'issue' (migration 0013).
    review_outcome = models.CharField(max_length=10, default=ReviewOutcome.ISSUE, editable=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"))
    valid_until = models.DateTimeField(_("valid until"))
    relocked_at = models.DateTimeField(_("locked again at"), null=True, blank=True)
    relock_reason = models.CharField(
        _("why it was locked again"), max_length=10, choices=RelockReason.choices, blank=True
    )

    objects = TemporaryReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("temporary release")
        verbose_name_plural = _("temporary releases")
        indexes = [
            models.Index(
                fields=["valid_until"],
                condition=Q(relocked_at__isnull=True),
                name="release_open_until",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(relocked_at__isnull=True),
                name="one_open_release_per_request",
            ),
            models.CheckConstraint(
                name="release_for_an_issue_review", condition=Q(review_outcome="issue")
            ),
            models.CheckConstraint(
                name="release_ends_after_grant", condition=Q(valid_until__gt=F("granted_at"))
            ),
            models.CheckConstraint(
                name="release_relock_has_reason",
                condition=Q(relocked_at__isnull=True, relock_reason="")
                | Q(relocked_at__isnull=False, relock_reason__in=RelockReason.values),
            ),
        ]

    def __str__(self) -> str:
        return f"release {self.request_id} until {self.valid_until:%H:%M}"

    def is_valid_at(self, now: object) -> bool:
        return self.relocked_at is None and self.valid_until > now  # type: ignore[operator]


class Issuance(models.Model):
    """交付履歴 (標準仕様書 1.3.8): a certificate handed over or sent."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.PROTECT, related_name="issuances")
    # The release it used (none for a request that needed none).
    release = models.OneToOneField(
        TemporaryRelease,
        on_delete=models.PROTECT,
        related_name="issuance",
        null=True,
        blank=True,
    )
    issued_at = models.DateTimeField(_("issued at"))
    place = models.CharField(_("place of issue"), max_length=100)
    documents = models.JSONField(_("documents"), default=list)
    subjects = models.ManyToManyField(RequestSubject, related_name="+", verbose_name=_("subjects"))
    pages = models.PositiveSmallIntegerField(_("number of pages"))
    issue_number = models.CharField(_("issue number (発行番号)"), max_length=40, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("clerk"),
    )

    class Meta:
        verbose_name = _("issuance")
        verbose_name_plural = _("issuances")
        constraints = [
            models.CheckConstraint(name="issuance_has_pages", condition=Q(pages__gte=1)),
            models.CheckConstraint(name="issuance_has_number", condition=~Q(issue_number="")),
        ]

    def __str__(self) -> str:
        return self.issue_number

    def document_labels(self) -> list[str]:
        return [str(Document(d).label) for d in self.documents if d in Document.values]


class Disposal(models.Model):
    """処分情報: a wrongly issued certificate, destroyed."""

    issuance = models.OneToOneField(Issuance, on_delete=models.PROTECT, related_name="disposal")
    destroyed_at = models.DateTimeField(_("destroyed at"))
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("disposal")
        verbose_name_plural = _("disposals")
        constraints = [
            models.CheckConstraint(name="disposal_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"disposal {self.issuance_id}"
