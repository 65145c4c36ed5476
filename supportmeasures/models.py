"""The registry: wards, staff, people, support measures and who may see what."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from supportmeasures import names, wareki


class Role(models.TextChoices):
    """Staff roles. Each is a Django group of the same name (created by a migration)."""

    CLERK = "clerk", _("Clerk")
    SUPERVISOR = "supervisor", _("Supervisor")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    CONTRACTOR = "contractor", _("Contractor")


class NoticeMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    HOURLY = "hourly", _("Hourly digest (critical notices still immediately)")


class Ward(models.Model):
    code = models.CharField(_("ward code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    notice_mode = models.CharField(
        _("email notices"),
        max_length=10,
        choices=NoticeMode.choices,
        default=NoticeMode.IMMEDIATE,
    )

    class Meta:
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        permissions = [
            ("work_in_ward", _("Work on the ward's cases")),
            # 支援措置責任者: reviews document requests that touch a protected resident and is
            # told when a linked system has not confirmed a block. Granted per ward.
            ("act_as_responsible_officer", _("Act as the ward's support-measure officer")),
        ]

    def __str__(self) -> str:
        return self.name


class Staff(AbstractUser):
    """A member of staff. Belongs to one ward; the role is a group, the ward scope a grant."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    ward = models.ForeignKey(
        Ward,
        verbose_name=_("ward"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role(self) -> str:
        """The staff member's role: the first of their groups that names one."""
        if not hasattr(self, "_role_cache"):
            # One role group per person (register_staff sets exactly one); should two ever
            # be set, the first in Role's order wins, never the database's row order.
            group_names = {g.name for g in self.groups.all()}
            self._role_cache = next((r for r in Role.values if r in group_names), "")
        return self._role_cache

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    def get_role_display(self) -> str:
        return str(Role(self.role).label) if self.role else "—"

    def training_valid_on(self, today: datetime.date) -> bool:
        return self.training_records.valid_on(today).exists()


class TrainingRecordQuerySet(models.QuerySet["TrainingRecord"]):
    def valid_on(self, today: datetime.date) -> TrainingRecordQuerySet:
        months = settings.MAMORI_TRAINING_VALID_MONTHS
        return self.filter(
            completed_on__gt=wareki.add_months(today, -months), completed_on__lte=today
        )


class TrainingRecord(models.Model):
    """Annual training on support measures. Without a valid one, no details and no decisions."""

    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="training_records", verbose_name=_("staff")
    )
    completed_on = models.DateField(_("completed on"))
    course = models.CharField(_("course"), max_length=200)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.staff} {self.completed_on}"


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "", _("Not recorded")


class PersonQuerySet(models.QuerySet["Person"]):
    def with_flags(self, today: datetime.date) -> PersonQuerySet:
        """Annotate the flags every page must show. Only ended measures stop flagging."""
        in_force = MeasureParty.objects.filter(person=OuterRef("pk")).in_force()
        return self.annotate(  # type: ignore[no-redef]  # declared on Person for typing
            is_protected=Exists(in_force.filter(role__in=PartyRole.protected_roles())),
            is_counterparty=Exists(in_force.filter(role=PartyRole.COUNTERPARTY)),
            has_lapsed_measure=Exists(
                in_force.filter(measure__in=SupportMeasure.objects.lapsed(today))
            ),
        )


class Person(models.Model):
    """Anyone named in a measure: protected residents, their family, counterparties."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    kana = models.CharField(_("reading (kana)"), max_length=200, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    resident_number = models.CharField(_("resident number"), max_length=20, blank=True)
    # Match keys: derived from name and kana on every save, indexed for exact look-ups.
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    kana_key = models.CharField(max_length=200, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created at"))

    objects = PersonQuerySet.as_manager()

    # Set by PersonQuerySet.with_flags(); absent on a plain fetch.
    is_protected: bool
    is_counterparty: bool
    has_lapsed_measure: bool

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["resident_number"],
                condition=~Q(resident_number=""),
                name="person_resident_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The keys are an invariant of the row (key == f(name)), so they are kept here where
        # nothing that saves a person can forget them; bulk paths call refresh_match_keys and
        # bulk_create loose_match_keys().
        self.refresh_match_keys()
        super().save(*args, **kwargs)
        if _names_saved(kwargs, "name", "kana"):
            PersonMatchKey.objects.filter(person=self, alias=None).delete()
            PersonMatchKey.objects.bulk_create(self.loose_match_keys())

    def get_absolute_url(self) -> str:
        return reverse("supportmeasures:person", kwargs={"public_id": self.public_id})

    def refresh_match_keys(self) -> None:
        self.name_key = names.name_key(self.name)
        self.kana_key = names.kana_key(self.kana)

    def loose_match_keys(self) -> list[PersonMatchKey]:
        """The person's loose keys (names.registry_match_keys), unsaved."""
        return [
            PersonMatchKey(person=self, kind=kind, key=key)
            for kind, key in sorted(names.registry_match_keys(self.name, self.kana))
        ]


def _names_saved(save_kwargs: dict[str, Any], *fields: str) -> bool:
    """Whether a save writes any of these fields (all of them unless update_fields says)."""
    update_fields = save_kwargs.get("update_fields")
    return update_fields is None or bool(set(update_fields) & set(fields))


class AliasKind(models.TextChoices):
    ALIAS = "alias", _("Alias (通称)")
    FORMER = "former", _("Former name")
    SPELLING = "spelling", _("Other spelling")


class PersonAlias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(_("kind"), max_length=10, choices=AliasKind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="alias_unique_per_person"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_match_keys()
        super().save(*args, **kwargs)
        if _names_saved(kwargs, "name"):
            PersonMatchKey.objects.filter(alias=self).delete()
            PersonMatchKey.objects.bulk_create(self.loose_match_keys())

    def refresh_match_keys(self) -> None:
        self.name_key = names.name_key(self.name)

    def loose_match_keys(self) -> list[PersonMatchKey]:
        return [
            PersonMatchKey(person_id=self.person_id, alias=self, kind=kind, key=key)
            for kind, key in sorted(names.registry_match_keys(self.name))
        ]


class PersonMatchKey(models.Model):
    """A loose match key of a person or of one of their aliases (names.registry_match_keys:
    voicing and long vowels folded, romaji read as kana, kanji surname + kana given name,
    confusable kanji). Rewritten whenever the name is saved; screening looks keys up exactly,
    like name_key, and a person found only here is a possible match, never a certain one."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="match_keys")
    # Set for an alias's keys, so that saving or deleting the alias replaces only its own.
    alias = models.ForeignKey(
        PersonAlias, on_delete=models.CASCADE, null=True, blank=True, related_name="match_keys"
    )
    kind = models.CharField(max_length=10)  # names.KeyKind
    key = models.CharField(max_length=300)

    class Meta:
        # A plain B-tree for the exact IN (...) look-ups (db_index would add a LIKE index too).
        indexes = [models.Index(fields=["key"], name="personmatchkey_key")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class MeasureKind(models.TextChoices):
    DV = "dv", _("Domestic violence")
    STALKING = "stalking", _("Stalking")
    CHILD_ABUSE = "child_abuse", _("Child abuse")
    SIMILAR = "similar", _("Acts similar to these")


class BasisKind(models.TextChoices):
    CONSULTING_BODY = "consulting_body", _("Opinion of a consulting body")
    PROTECTION_ORDER = "protection_order", _("Court protection order")
    POLICE_WARNING = "police_warning", _("Police warning document")


class MeasureStatus(models.TextChoices):
    PROVISIONAL = "provisional", _("Provisional")
    ACTIVE = "active", _("Active")
    LAPSED = "lapsed", _("Lapsed (still protected)")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    IMPORTED = "imported", _("Ended in the resident register system (imported)")
    REQUESTED = "requested", _("At the person's request")
    DECIDED = "decided", _("By decision")
    REFUSED = "refused", _("Application refused")
    RELEASED = "released", _("Lapsed measure released")


class MeasureSource(models.TextChoices):
    REGISTERED = "registered", _("Registered in Mamori")
    IMPORTED = "imported", _("Imported from the resident register system")
    FORWARDED = "forwarded", _("Forwarded by another municipality (転送受付)")


class SupportMeasureQuerySet(models.QuerySet["SupportMeasure"]):
    def in_force(self) -> SupportMeasureQuerySet:
        """Every measure that still protects: provisional, active, lapsed-not-released."""
        return self.exclude(status=MeasureStatus.ENDED)

    def lapsed(self, today: datetime.date) -> SupportMeasureQuerySet:
        """Lapsed, or active past its end and not yet marked (the daily job may not have run)."""
        return self.filter(
            Q(status=MeasureStatus.LAPSED) | Q(status=MeasureStatus.ACTIVE, ends_on__lt=today)
        )

    def extension_open(self, today: datetime.date) -> list[SupportMeasure]:
        """Active measures not yet ended whose extension has opened (a month before the end),
        by end date. A little past a month is read, then the exact rule: month ends vary."""
        soon = wareki.add_months(today, 1) + datetime.timedelta(days=3)
        candidates = self.filter(
            status=MeasureStatus.ACTIVE, ends_on__gte=today, ends_on__lte=soon
        ).order_by("ends_on", "ref")
        return [m for m in candidates if m.extension_is_open(today)]

    def overdue(self, today: datetime.date) -> SupportMeasureQuerySet:
        return self.filter(status=MeasureStatus.ACTIVE, ends_on__lt=today)


class SupportMeasure(models.Model):
    ref = models.CharField(_("measure reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    owning_ward = models.ForeignKey(
        Ward, verbose_name=_("owning ward"), on_delete=models.PROTECT, related_name="measures"
    )
    status = models.CharField(_("status"), max_length=20, choices=MeasureStatus.choices)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=MeasureSource.choices,
        default=MeasureSource.REGISTERED,
    )
    basis_kind = models.CharField(_("basis"), max_length=20, choices=BasisKind.choices)
    basis_body = models.CharField(_("consulting body or issuer"), max_length=200)
    basis_opinion_on = models.DateField(_("date of opinion or document"), null=True, blank=True)
    basis_document = models.CharField(_("document reference"), max_length=200, blank=True)
    restricts_inspection = models.BooleanField(_("inspection of register extracts (閲覧)"))
    restricts_resident_copies = models.BooleanField(
        _("copies of resident records, including removed records (住民票の写し等・除票)")
    )
    restricts_koseki_attachment = models.BooleanField(
        _("copies of family register attachments, including removed (戸籍の附票の写し・除票)")
    )
    applied_on = models.DateField(_("applied on"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    registered_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("registered by"),
    )
    # For imported measures: a digest of the imported rows, so a re-import changes nothing.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    registered_at = models.DateTimeField(_("registered at"))
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = SupportMeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("support measure")
        verbose_name_plural = _("support measures")
        # Granted per measure (guardian); role rules live in permissions.py.
        permissions = [
            ("view_protected_details", _("View protected residents' address and contacts")),
        ]
        constraints = [
            models.CheckConstraint(
                name="measure_restricts_something",
                condition=Q(restricts_inspection=True)
                | Q(restricts_resident_copies=True)
                | Q(restricts_koseki_attachment=True),
            ),
            models.CheckConstraint(
                name="measure_decider_is_not_registrar",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("registered_by")),
            ),
            models.CheckConstraint(
                name="measure_decided_has_period",
                condition=Q(status__in=["provisional", "ended"])
                | (
                    Q(starts_on__isnull=False, ends_on__isnull=False)
                    # Imported decisions were taken in the old system, and forwarded ones
                    # by another municipality (転送受付): by people not in ours.
                    & (Q(decided_by__isnull=False) | Q(source__in=["imported", "forwarded"]))
                ),
            ),
            models.CheckConstraint(
                name="measure_registered_by_someone",
                condition=Q(registered_by__isnull=False) | Q(source="imported"),
            ),
            models.CheckConstraint(
                name="measure_period_ordered",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
            models.CheckConstraint(
                name="measure_ended_has_reason",
                condition=~Q(status="ended") | (~Q(end_reason="") & Q(ended_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    def get_absolute_url(self) -> str:
        return reverse("supportmeasures:measure", kwargs={"ref": self.ref})

    def effective_status(self, today: datetime.date) -> str:
        """What the measure is today: an active one past its end is lapsed, job or no job."""
        if self.status == MeasureStatus.ACTIVE and self.ends_on and self.ends_on < today:
            return MeasureStatus.LAPSED
        return self.status

    def effective_status_label(self, today: datetime.date) -> str:
        return str(MeasureStatus(self.effective_status(today)).label)

    @property
    def is_in_force(self) -> bool:
        return self.status != MeasureStatus.ENDED

    def extension_opens_on(self) -> datetime.date | None:
        return wareki.add_months(self.ends_on, -1) if self.ends_on else None

    def extension_is_open(self, today: datetime.date) -> bool:
        opens = self.extension_opens_on()
        return (
            self.status == MeasureStatus.ACTIVE
            and self.ends_on is not None
            and opens is not None
            and opens <= today <= self.ends_on
        )

    def restricted_services(self) -> list[str]:
        fields = [
            ("restricts_inspection", _("Inspection (閲覧)")),
            ("restricts_resident_copies", _("Resident record copies (住民票の写し等)")),
            ("restricts_koseki_attachment", _("Family register attachment (戸籍の附票の写し)")),
        ]
        return [str(label) for field, label in fields if getattr(self, field)]


class PartyRole(models.TextChoices):
    PROTECTED = "protected", _("Protected resident")
    JOINT = "joint", _("Family covered by the measure")
    COUNTERPARTY = "counterparty", _("Counterparty")

    @classmethod
    def protected_roles(cls) -> list[str]:
        return [cls.PROTECTED, cls.JOINT]


class MeasurePartyQuerySet(models.QuerySet["MeasureParty"]):
    def in_force(self) -> MeasurePartyQuerySet:
        return self.exclude(measure__status=MeasureStatus.ENDED)


class MeasureParty(models.Model):
    """A person's place in a measure: the protected resident, joint family or a counterparty."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    is_resident = models.BooleanField(_("resident of the city"), default=True)
    agent_note = models.CharField(_("agent (name, if any)"), max_length=200, blank=True)

    objects = MeasurePartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("party to a measure")
        verbose_name_plural = _("parties to measures")
        constraints = [
            models.UniqueConstraint(fields=["measure", "person"], name="party_once_per_measure"),
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(role="protected"),
                name="one_protected_resident_per_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.person} ({self.role})"


class DecisionKind(models.TextChoices):
    REGISTERED = "registered", _("Application registered (provisional protection)")
    IMPORTED = "imported", _("Imported from the resident register system")
    APPROVED = "approved", _("Decided: support measure granted")
    REFUSED = "refused", _("Decided: application refused")
    PERIOD_CORRECTED = "period_corrected", _("Period corrected")
    EXTENDED = "extended", _("Extended")
    ENDED = "ended", _("Ended")
    LAPSED = "lapsed", _("Period passed without extension (still protected)")
    RELEASED = "released", _("Lapsed measure released")
    ACCESS_GRANTED = "access_granted", _("Access to details granted")
    ACCESS_REVOKED = "access_revoked", _("Access to details revoked")


class MeasureDecision(models.Model):
    """The history of a measure, one row per decision, shown on its page."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.measure} {self.kind}"


class AccessPurpose(models.TextChoices):
    COUNTER = "counter", _("Service to the resident in person")
    MEASURE_WORK = "measure_work", _("Support-measure administration")
    INQUIRY = "inquiry", _("Answering an inquiry")
    WELFARE = "welfare", _("Welfare or health service")
    OTHER = "other", _("Other (state the reason)")


class DetailsAcknowledgement(models.Model):
    """A staff member's confirmation, for one person, before seeing where they are."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=AccessPurpose.choices)
    purpose_note = models.CharField(_("reason"), max_length=300, blank=True)
    acknowledged_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["staff", "person", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                name="acknowledgement_expires_after_it_is_made",
                condition=Q(expires_at__gt=models.F("acknowledged_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} → {self.person}"


# guardian: direct foreign-key permission models, so grants die with their object and
# filtering stays a join instead of a generic-key scan.
class WardUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Ward, on_delete=models.CASCADE)


class WardGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Ward, on_delete=models.CASCADE)


class SupportMeasureUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(SupportMeasure, on_delete=models.CASCADE)


class SupportMeasureGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SupportMeasure, on_delete=models.CASCADE)


class ApiClient(models.Model):
    """Another city system (tax, welfare, health insurance) that screens people before contact."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # Only a SHA-256 of the token is kept; the token itself is shown once, when created.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReminderKind(models.TextChoices):
    ENDING_SOON = "ending_soon", _("Measure ends within a month")
    LAPSED = "lapsed", _("Measure lapsed: a supervisor must decide")


class MeasureReminder(models.Model):
    """That the owning ward was told about a measure's end date: at most once per end date.

    Written by the daily jobs (auditlog/jobs.py) in the same transaction as the notices; the
    unique constraint is what makes a second run, or a retry, send nothing.
    """

    measure = models.ForeignKey(SupportMeasure, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    ends_on = models.DateField(_("ends on"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("measure reminder")
        verbose_name_plural = _("measure reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "kind", "ends_on"], name="reminder_once_per_end_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.kind} {self.ends_on}"


# Issue 12: the linked systems and their confirmations, the change feed's readers and
# forwarding between municipalities live in their own sub-package, in this app
# (docs/decisions.md).
from supportmeasures.propagation.feed_models import FeedReader  # noqa: E402, F401
from supportmeasures.propagation.forwarding_models import (  # noqa: E402, F401
    Forwarding,
    ForwardingRelation,
    ForwardReceipt,
    MoveOut,
)
from supportmeasures.propagation.models import (  # noqa: E402, F401
    BlockChange,
    BlockChangeKind,
    BlockDocument,
    ConfirmationTask,
    ConfirmsBy,
    LinkedSystem,
    LinkedSystemGroupObjectPermission,
    LinkedSystemUserObjectPermission,
    TaskState,
)
