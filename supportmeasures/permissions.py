"""May this user do X to this object? Plain functions; rules that are not grants live here.

Each rule is written once. A rule that refuses says why with `*_refusal(...)`, returning the
exception its action raises (or None); the action raises it, the view maps it to a page and
`measure_actions` turns it into the `can` object a template shows its buttons from, so a
button appears only when its action would succeed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from supportmeasures import screening, wareki
from supportmeasures.models import (
    DecisionKind,
    EndReason,
    MeasureParty,
    MeasureStatus,
    PartyRole,
    Person,
    Role,
    Staff,
    SupportMeasure,
    SupportMeasureUserObjectPermission,
    Ward,
    WardUserObjectPermission,
)
from supportmeasures.refusals import (
    ActionRefused,
    ChangedSinceListed,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
    TrainingLapsed,
)

CASE_ROLES = (Role.CLERK, Role.SUPERVISOR)


def _granted_ids(
    user: Staff,
    table: type[WardUserObjectPermission] | type[SupportMeasureUserObjectPermission],
    codename: str,
) -> frozenset[int]:
    """The ids of the objects `user` holds `codename` on, read straight from guardian's
    direct foreign-key permission table (one indexed query), kept on the user object for
    the request. Only per-user grants count: a group grant or a superuser flag gives
    nothing here, so protected data never opens by a shortcut."""
    cached: dict[tuple[str, str], frozenset[int]] | None = getattr(user, "_mamori_grants", None)
    if cached is None:
        cached = {}
        user._mamori_grants = cached  # type: ignore[attr-defined]
    key = (table._meta.db_table, codename)
    if key not in cached:
        cached[key] = (
            frozenset(
                table.objects.filter(
                    user=user,
                    permission__codename=codename,
                    permission__content_type__app_label="supportmeasures",
                ).values_list("content_object_id", flat=True)
            )
            if user.is_active
            else frozenset()
        )
    return cached[key]


def forget_grants(user: Staff) -> None:
    """After a grant or a revoke: the next check reads the grants again."""
    if hasattr(user, "_mamori_grants"):
        del user._mamori_grants


def ward_ids(user: Staff) -> frozenset[int]:
    """The wards whose cases the user works on (register_staff grants them)."""
    return _granted_ids(user, WardUserObjectPermission, "work_in_ward")


def responsible_ward_ids(user: Staff) -> frozenset[int]:
    """The wards where the user holds the 支援措置責任者 grant (`act_as_responsible_officer`)."""
    return _granted_ids(user, WardUserObjectPermission, "act_as_responsible_officer")


def is_responsible_officer(user: Staff, ward: Ward | int) -> bool:
    """The ward's 支援措置責任者: a supervisor who holds the ward's grant. The one place this
    is asked (document-request reviews, the propagation alarms)."""
    ward_id = ward.pk if isinstance(ward, Ward) else ward
    return user.has_role(Role.SUPERVISOR) and ward_id in responsible_ward_ids(user)


def appoint_refusal(staff: Staff, ward: Ward) -> ActionRefused | None:
    """Only an active supervisor who works in the ward can be made its 支援措置責任者."""
    if not staff.has_role(Role.SUPERVISOR) or ward.pk not in ward_ids(staff):
        return NotPermitted(
            _("Only an active supervisor of the ward can be its support-measure officer.")
        )
    return None


def granted_measure_ids(user: Staff) -> frozenset[int]:
    """The measures whose protected details the user may be shown."""
    return _granted_ids(user, SupportMeasureUserObjectPermission, "view_protected_details")


def works_on_cases(user: Staff) -> bool:
    """Clerks and supervisors: they hold cases, have a work queue, register applications,
    send inquiries, and must keep their annual training."""
    return user.has_role(*CASE_ROLES)


def may_list_measures(user: Staff) -> bool:
    """Case staff see their wards' measures; auditors see every measure (read-only)."""
    return works_on_cases(user) or user.has_role(Role.AUDITOR)


def can_search(user: Staff) -> bool:
    """Everyone with a role sees the flags: that is how the flag travels."""
    return user.is_active and bool(user.role)


def may_filter_inspection_list(user: Staff) -> bool:
    """閲覧 lists (spec 9.5) are prepared at the counter: clerks and supervisors."""
    return works_on_cases(user)


def details_in_scope(user: Staff, person: Person) -> bool:
    """Need to know: the owning ward's case staff, and those it granted. Contractors never."""
    if not user.has_role(*CASE_ROLES):
        return False
    wards = ward_ids(user)
    granted = granted_measure_ids(user)
    return any(
        party.measure.owning_ward_id in wards or party.measure_id in granted
        for party in person.parties.select_related("measure")
    )


def can_register_application(user: Staff, ward: Ward) -> bool:
    # Training is not required here on purpose: starting protection must never be blocked.
    return user.has_role(*CASE_ROLES) and ward.pk in ward_ids(user)


def is_supervisor_of(user: Staff, measure: SupportMeasure) -> bool:
    return user.has_role(Role.SUPERVISOR) and measure.owning_ward_id in ward_ids(user)


def is_trained(user: Staff, today: datetime.date) -> bool:
    """The training rule (promise 8): a training completed in the last 12 months. The one
    place it is asked; read once per user object and day, like the grants."""
    cached: dict[datetime.date, bool] | None = getattr(user, "_mamori_trained", None)
    if cached is None:
        cached = {}
        user._mamori_trained = cached  # type: ignore[attr-defined]
    if today not in cached:
        cached[today] = user.training_valid_on(today)
    return cached[today]


def forget_training(user: Staff) -> None:
    """After a training is recorded: the next check reads the records again."""
    if hasattr(user, "_mamori_trained"):
        del user._mamori_trained


def may_see_owning_wards(user: Staff) -> bool:
    """Which ward holds a case hints at where the person lives: case staff only (an allow
    list, so a new role sees nothing until it is added here)."""
    return user.has_role(*CASE_ROLES)


def training_refusal(user: Staff, today: datetime.date) -> ActionRefused | None:
    return None if is_trained(user, today) else TrainingLapsed()


# Decisions on a measure (roles.md): a trained supervisor of the owning ward, then the rule
# of each decision. The actions raise these refusals, inside their transaction, on the
# locked row; the views and `measure_actions` ask the same functions.


def was_extended(measure: SupportMeasure) -> bool:
    """Has the measure been extended at least once (its decisions, prefetched or not)?"""
    return any(d.kind == DecisionKind.EXTENDED for d in measure.decisions.all())


def measure_state_refusal(measure: SupportMeasure, today: datetime.date) -> InvalidTransition:
    """Why the measure's present state does not allow the action, in the words of that state:
    not 'not possible now' but what the measure is (decided, extended, lapsed, ended...)."""
    status = measure.effective_status(today)
    if status == MeasureStatus.PROVISIONAL:
        return InvalidTransition(_("This application has not been decided yet."))
    if status == MeasureStatus.ENDED:
        if measure.end_reason == EndReason.REFUSED:
            return InvalidTransition(_("This application has been refused."))
        if measure.end_reason == EndReason.RELEASED:
            return InvalidTransition(_("This lapsed measure has been released: it has ended."))
        return InvalidTransition(_("This measure has ended."))
    end = wareki.format_both(measure.ends_on) if measure.ends_on else "—"
    if status == MeasureStatus.LAPSED:
        return InvalidTransition(
            _("This measure has lapsed: its period ended on %(date)s.") % {"date": end}
        )
    if was_extended(measure):
        return InvalidTransition(
            _("This measure has been extended: it is in force until %(date)s.") % {"date": end}
        )
    return InvalidTransition(
        _("This measure was granted and is in force until %(date)s.") % {"date": end}
    )


def decider_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """Who may take any decision on `measure` at all."""
    if not is_supervisor_of(user, measure):
        return NotPermitted(_("Only a supervisor of the owning ward can decide on this measure."))
    return training_refusal(user, today)


def decide_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """Decide (grant or refuse) an application: never by the one who registered it."""
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.status != MeasureStatus.PROVISIONAL:
        return measure_state_refusal(measure, today)
    if measure.registered_by_id == user.pk:
        return SameStaffMember(
            _("The staff member who registered the application cannot decide it.")
        )
    return None


def extension_period(measure: SupportMeasure) -> tuple[datetime.date, datetime.date]:
    """The period an extension gives: from the day after the current end, one year."""
    assert measure.ends_on is not None
    starts_on = measure.ends_on + datetime.timedelta(days=1)
    return starts_on, wareki.measure_end_for(starts_on)


def extension_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """When an extension opens: a decided measure in force, from one month before its end
    (`SupportMeasure.extension_opens_on`), unless the new year would already be over."""
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    opens_on = measure.extension_opens_on()
    if measure.status not in (MeasureStatus.ACTIVE, MeasureStatus.LAPSED) or opens_on is None:
        return measure_state_refusal(measure, today)
    if today < opens_on:
        assert measure.ends_on is not None  # an extension opens from the end
        return InvalidTransition(
            (
                _(
                    "This measure has been extended until %(end)s. The next extension opens "
                    "one month before the end, on %(date)s."
                )
                if was_extended(measure)
                else _(
                    "This measure is in force until %(end)s. Extension opens one month before "
                    "the end, on %(date)s."
                )
            )
            % {"end": wareki.format_both(measure.ends_on), "date": wareki.format_both(opens_on)}
        )
    if extension_period(measure)[1] < today:
        return InvalidTransition(
            _(
                "A one-year extension from the day after the old end would already be over. "
                "Correct the end date with a reason, or register a new application."
            )
        )
    return None


def may_extend(user: Staff, measure: SupportMeasure, today: datetime.date) -> bool:
    return extension_refusal(user, measure, today) is None


def correct_period_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.status not in (MeasureStatus.ACTIVE, MeasureStatus.LAPSED):
        return measure_state_refusal(measure, today)
    return None


def end_refusal(user: Staff, measure: SupportMeasure, today: datetime.date) -> ActionRefused | None:
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.status == MeasureStatus.ENDED:
        return measure_state_refusal(measure, today)
    if measure.status == MeasureStatus.PROVISIONAL and measure.registered_by_id == user.pk:
        # Ending an undecided application is deciding it: not by the one who registered it.
        return SameStaffMember(_("The staff member who registered the application cannot end it."))
    return None


def release_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """Only a measure that is lapsed today (job or no job) is released."""
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.effective_status(today) != MeasureStatus.LAPSED:
        return measure_state_refusal(measure, today)
    return None


def grant_refusal(
    user: Staff, measure: SupportMeasure, today: datetime.date
) -> ActionRefused | None:
    """Who may grant access to a measure's details: a decider, on a measure in force. An
    ended measure protects nobody: nothing to open to another ward."""
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.status == MeasureStatus.ENDED:
        return InvalidTransition(
            _("This measure has ended: access to its details cannot be granted.")
        )
    return None


def grantee_refusal(grantee: Staff, measure: SupportMeasure) -> ActionRefused | None:
    """Who may be granted: case staff outside the owning ward (`selectors.grantable_staff`
    lists exactly them)."""
    if not grantee.has_role(*CASE_ROLES):
        return NotPermitted(_("Only clerks and supervisors can be granted access."))
    if grantee.ward_id == measure.owning_ward_id:
        return NotPermitted(_("Staff of the owning ward are not granted access: they have it."))
    return None


def revoke_refusal(
    user: Staff, measure: SupportMeasure, grantee: Staff, today: datetime.date
) -> ActionRefused | None:
    """A decider takes back a grant the grantee holds (ended measures included)."""
    refusal = decider_refusal(user, measure, today)
    if refusal is not None:
        return refusal
    if measure.pk not in granted_measure_ids(grantee):
        return InvalidTransition(_("This staff member has no access to revoke."))
    return None


# Bulk runs (supportmeasures/bulk.py, actions/bulk.py): a list prepared in advance is run by a
# supervisor, each line through its measure's own rule (`end_refusal`, `release_refusal`) and
# then this re-check, on the locked row.

# Decisions that change a measure after a list was prepared (a lapse or a grant does not).
CHANGING_DECISIONS = (
    DecisionKind.APPROVED,
    DecisionKind.PERIOD_CORRECTED,
    DecisionKind.EXTENDED,
    DecisionKind.IMPORTED,
)


def bulk_run_refusal(user: Staff, today: datetime.date) -> ActionRefused | None:
    """Who may run a bulk list at all: a trained supervisor (each line still asks the
    measure's own rule: the owning ward's supervisor)."""
    if not user.has_role(Role.SUPERVISOR):
        return NotPermitted(_("Only a supervisor can run a bulk list."))
    return training_refusal(user, today)


def bulk_recheck_refusal(
    measure: SupportMeasure,
    *,
    listed_ends_on: datetime.date | None,
    prepared_on: datetime.date,
    today: datetime.date,
) -> ActionRefused | None:
    """Does the line still hold? The list was prepared no later than today (a later date
    would hide every decision taken since), the measure's end date is the one the list saw
    (an extension, a correction or an approval on the very day the list was made changes
    it), nothing was decided on it on a later day, and none of its protected people
    (protected or joint) is protected by another measure in force: a new application
    (provisional) or any other. Call it on the locked measure, with its people locked
    (actions/bulk.py)."""
    if prepared_on > today:
        return ChangedSinceListed(
            _("The list says it was prepared after today (%(date)s): check its date.")
            % {"date": wareki.format_both(prepared_on)},
            code="prepared_in_future",
        )
    if measure.ends_on != listed_ends_on:
        return ChangedSinceListed(
            _("The end date is no longer the one on the list (now %(date)s).")
            % {"date": wareki.format_both(measure.ends_on) if measure.ends_on else "—"},
            code="end_date_changed",
        )
    changed = measure.decisions.filter(
        kind__in=CHANGING_DECISIONS, decided_at__date__gt=prepared_on
    ).exists()
    if changed:
        return ChangedSinceListed(
            _("The measure was decided, extended or corrected after the list was prepared."),
            code="changed_since_prepared",
        )
    people = measure.parties.filter(role__in=PartyRole.protected_roles()).values("person")
    elsewhere = (
        MeasureParty.objects.in_force()
        .filter(person__in=people, role__in=PartyRole.protected_roles())
        .exclude(measure=measure)
        .exists()
    )
    if elsewhere:
        return ChangedSinceListed(
            _(
                "A person protected by this measure has another application or measure in "
                "force. Check with the ward before ending this one."
            ),
            code="other_measure_in_force",
        )
    # The same person may be recorded twice (an application in another ward cannot name a
    # person of this one): screened, a protected match in another measure is a reason too.
    queries = [
        screening.Query(p.name, p.kana, p.birth_date)
        for p in Person.objects.filter(pk__in=people).order_by("pk")
    ]
    found = screening.screen_many(queries)
    if any(
        m.role in PartyRole.protected_roles() and m.measure_ref != measure.ref
        for s in found
        for m in s.matches
    ):
        return ChangedSinceListed(
            _(
                "Someone with the name of a person protected by this measure is protected by "
                "another application or measure in force (possibly the same person). Check "
                "before ending this one."
            ),
            code="same_name_in_force",
        )
    return None


@dataclass(frozen=True)
class MeasureActions:
    """What the measure page may offer this user: each flag is its action's predicate."""

    decide: bool
    extend: bool
    correct_period: bool
    end: bool
    release: bool
    grant: bool
    revoke: bool  # beside each grantee listed (`selectors.grantees_of`: each holds a grant)
    # Why nothing is offered to someone who would look for the buttons (a supervisor
    # elsewhere, an untrained one), and why a decision they expect is not offered yet.
    decider_note: str
    training_lapsed: bool
    notes: tuple[str, ...]

    @property
    def any_decision(self) -> bool:
        return any(
            (self.decide, self.extend, self.correct_period, self.end, self.release, self.grant)
        )


def measure_actions(user: Staff, measure: SupportMeasure, today: datetime.date) -> MeasureActions:
    decider = decider_refusal(user, measure, today)
    notes: list[str] = []
    if decider is None:
        # The decisions a decider expects on this measure, refused for a reason of their own.
        expected = {
            MeasureStatus.PROVISIONAL: (decide_refusal,),
            MeasureStatus.ACTIVE: (extension_refusal,),
            MeasureStatus.LAPSED: (extension_refusal,),
        }.get(MeasureStatus(measure.status), ())
        notes = [str(r) for rule in expected if (r := rule(user, measure, today)) is not None]
    in_force = measure.status != MeasureStatus.ENDED
    return MeasureActions(
        decide=decide_refusal(user, measure, today) is None,
        extend=may_extend(user, measure, today),
        correct_period=correct_period_refusal(user, measure, today) is None,
        end=end_refusal(user, measure, today) is None,
        release=release_refusal(user, measure, today) is None,
        grant=grant_refusal(user, measure, today) is None,
        revoke=decider is None,
        decider_note=str(decider) if decider is not None and in_force else "",
        training_lapsed=isinstance(decider, TrainingLapsed) and in_force,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class PersonActions:
    """What the person page may show this user."""

    open_details: bool
    see_owning_wards: bool


def person_actions(user: Staff, person: Person) -> PersonActions:
    return PersonActions(
        open_details=details_in_scope(user, person),
        see_owning_wards=may_see_owning_wards(user),
    )


def may_manage_accounts(user: object) -> bool:
    """Administrators look after staff accounts and wards in the Django admin: they unlock
    accounts, and what they change there is recorded (supportmeasures/admin.py)."""
    return isinstance(user, Staff) and user.has_role(Role.ADMINISTRATOR)
