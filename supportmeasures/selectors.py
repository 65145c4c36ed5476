"""Reads, with permissions applied. What may not be seen is a 404, like what does not exist."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from supportmeasures import names, permissions
from supportmeasures.models import (
    ConfirmationTask,
    Forwarding,
    MeasureDecision,
    MeasureParty,
    MeasureStatus,
    PartyRole,
    Person,
    Role,
    Staff,
    SupportMeasure,
    Ward,
    WardUserObjectPermission,
)
from supportmeasures.screening import KANA_ONLY, Match, Query, Reason, Result, Screening

SEARCH_LIMIT = 50


def _loosely_read(reading: str) -> Q:
    """A reading heard or typed loosely (やまざき for ヤマサキ, Yamasaki): part of a person's
    loose reading key, so a surname alone finds them as the exact reading would."""
    key = names.loose_reading_key(reading)
    if not key:
        return Q(pk__in=[])
    return Q(match_keys__kind=names.KeyKind.READING, match_keys__key__contains=key)


def search_people(
    *,
    user: Staff,
    today: datetime.date,
    name: str = "",
    kana: str = "",
    birth_date: datetime.date | None = None,
) -> QuerySet[Person]:
    """People in the registry matching every criterion given, with their flags."""
    if not permissions.can_search(user):
        raise Http404
    people = Person.objects.with_flags(today)
    name_key = names.name_key(name)
    if name_key:
        by_name = Q(name_key__contains=name_key) | Q(aliases__name_key__contains=name_key)
        if KANA_ONLY.match(name_key):  # a name typed in kana is also a reading
            by_name |= Q(kana_key__contains=names.kana_key(name)) | _loosely_read(name)
        elif names.romaji_to_kana(name):  # so is a name typed in romaji
            by_name |= _loosely_read(names.romaji_to_kana(name))
        people = people.filter(by_name)
    kana_key = names.kana_key(kana)
    if kana_key:
        people = people.filter(Q(kana_key__contains=kana_key) | _loosely_read(kana))
    if birth_date:
        people = people.filter(birth_date=birth_date)
    if not (name_key or kana_key or birth_date):
        return people.none()
    return people.distinct().order_by("kana_key", "name_key", "pk")[:SEARCH_LIMIT]


IDENTITY_CANDIDATES_LIMIT = 10


def identity_candidates(
    *, name: str, kana: str, resident_number: str = "", today: datetime.date
) -> list[Person]:
    """People already in the registry (in a measure in force or not: a person whose measure
    ended and who applies again is the same person) who may be the one being registered:
    the screening's keys (full name, reading, aliases and former names, the loose keys:
    voicing, long vowels, romaji, look-alike kanji), whatever their dates of birth, and the
    person with this resident number. With their flags; never their address."""
    query = Query(name, kana)
    confusable = {k.key for k in query.loose_keys if k.kind == names.KeyKind.CONFUSABLE}
    name_keys = {query.name_key, *confusable}
    name_keys.discard("")
    found = Q(pk__in=[])
    if name_keys:
        found |= Q(name_key__in=name_keys) | Q(aliases__name_key__in=name_keys)
    if query.kana_keys:
        found |= Q(kana_key__in=query.kana_keys)
    loose = {k.key for k in query.loose_keys if k.key}
    if loose:
        found |= Q(match_keys__key__in=loose)
    if resident_number:
        found |= Q(resident_number=resident_number)
    ids = Person.objects.filter(found).values("pk")
    return list(
        Person.objects.with_flags(today)
        .filter(pk__in=ids)
        .order_by("kana_key", "name_key", "pk")[:IDENTITY_CANDIDATES_LIMIT]
    )


@dataclass(frozen=True)
class PersonSummary:
    """What every staff member may know of a person: who, the flags, whom to avoid."""

    person: Person
    is_protected: bool
    is_counterparty: bool
    has_lapsed_measure: bool
    parties: list[MeasureParty]
    related_parties: list[MeasureParty]
    can: permissions.PersonActions

    @property
    def counterparties(self) -> list[MeasureParty]:
        return [p for p in self.related_parties if p.role == PartyRole.COUNTERPARTY]

    @property
    def in_force_parties(self) -> list[MeasureParty]:
        return [p for p in self.parties if p.measure.status != MeasureStatus.ENDED]


def person_summary(*, user: Staff, public_id: uuid.UUID, today: datetime.date) -> PersonSummary:
    if not permissions.can_search(user):
        raise Http404
    try:
        person = (
            Person.objects.with_flags(today).prefetch_related("aliases").get(public_id=public_id)
        )
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    parties = list(
        person.parties.select_related("measure", "measure__owning_ward").order_by(
            "measure__registered_at"
        )
    )
    # The other people in the same measures: for a protected resident, the counterparties to
    # keep away from; for a counterparty, whom they must not learn about.
    related = list(
        MeasureParty.objects.filter(measure__in=[p.measure_id for p in parties])
        .exclude(person=person)
        .in_force()
        .select_related("person", "measure")
        .order_by("role", "person__kana_key")
    )
    return PersonSummary(
        person=person,
        is_protected=person.is_protected,
        is_counterparty=person.is_counterparty,
        has_lapsed_measure=person.has_lapsed_measure,
        parties=parties,
        related_parties=related,
        can=permissions.person_actions(user, person),
    )


def person_in_details_scope(*, user: Staff, public_id: uuid.UUID) -> Person:
    """The person whose details the user may ask for; anyone else is a 404."""
    try:
        person = Person.objects.get(public_id=public_id)
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    if not permissions.details_in_scope(user, person):
        raise Http404
    return person


def visible_measures(user: Staff) -> QuerySet[SupportMeasure]:
    if not permissions.may_list_measures(user):
        return SupportMeasure.objects.none()
    if user.has_role(Role.AUDITOR):
        return SupportMeasure.objects.all()
    return SupportMeasure.objects.filter(
        Q(owning_ward__in=permissions.ward_ids(user))
        | Q(pk__in=permissions.granted_measure_ids(user))
    )


def measure_for_user(*, user: Staff, ref: str) -> SupportMeasure:
    try:
        return (
            visible_measures(user)
            .select_related("owning_ward", "registered_by", "decided_by", "ended_by")
            .prefetch_related(
                Prefetch(
                    "parties",
                    queryset=MeasureParty.objects.select_related("person").order_by("role", "pk"),
                ),
                Prefetch(
                    "decisions",
                    queryset=MeasureDecision.objects.select_related("decided_by").order_by(
                        "decided_at", "pk"
                    ),
                ),
            )
            .get(ref=ref)
        )
    except SupportMeasure.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class WardMeasures:
    ward: Ward
    measures: list[SupportMeasure]


def measures_by_ward(
    *, user: Staff, today: datetime.date, status: str = "", ward_code: str = ""
) -> list[WardMeasures]:
    """The user's measures, one list per ward, the ones needing attention first."""
    measures = (
        visible_measures(user)
        .select_related("owning_ward")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=MeasureParty.objects.filter(role=PartyRole.PROTECTED).select_related(
                    "person"
                ),
                to_attr="protected_parties",
            )
        )
    )
    if status == MeasureStatus.LAPSED:
        measures = measures.filter(pk__in=SupportMeasure.objects.lapsed(today).values("pk"))
    elif status in MeasureStatus.values:
        measures = measures.filter(status=status)
        if status == MeasureStatus.ACTIVE:
            measures = measures.exclude(pk__in=SupportMeasure.objects.lapsed(today))
    if ward_code:
        measures = measures.filter(owning_ward__code=ward_code)
    grouped: dict[int, WardMeasures] = {}
    for measure in measures.order_by("owning_ward__code", "ends_on", "ref"):
        grouped.setdefault(
            measure.owning_ward_id, WardMeasures(measure.owning_ward, [])
        ).measures.append(measure)
    return list(grouped.values())


@dataclass(frozen=True)
class WorkQueue:
    awaiting_decision: list[SupportMeasure]
    lapsed: list[SupportMeasure]
    ending_soon: list[SupportMeasure]


def work_queue(*, user: Staff, today: datetime.date) -> WorkQueue:
    """What the user's wards must act on: decisions, lapsed measures, extensions due."""
    if not user.has_role(*permissions.CASE_ROLES):
        return WorkQueue([], [], [])
    mine = SupportMeasure.objects.filter(owning_ward__in=permissions.ward_ids(user)).select_related(
        "owning_ward"
    )
    return WorkQueue(
        awaiting_decision=list(
            mine.filter(status=MeasureStatus.PROVISIONAL).order_by("applied_on", "ref")
        ),
        lapsed=list(mine.lapsed(today).order_by("ends_on", "ref")),
        ending_soon=mine.extension_open(today),
    )


def grantable_staff(*, measure: SupportMeasure) -> QuerySet[Staff]:
    """Case staff outside the owning ward, who could be granted access: in SQL, exactly
    those `permissions.grantee_refusal` accepts."""
    return (
        _staff_with_roles(*permissions.CASE_ROLES)
        .exclude(ward=measure.owning_ward)
        .order_by("ward__code", "username")
    )


@dataclass(frozen=True)
class ScreenedPerson:
    person: Person
    result: str
    result_label: str
    reasons: list[str]
    measure_refs: list[str]

    @property
    def is_possible_match(self) -> bool:
        return self.result == Result.POSSIBLE_MATCH


def people_in_screening(*, screening: Screening, today: datetime.date) -> list[ScreenedPerson]:
    """The people a screening found, strongest first, with their flags for the badges."""
    by_person: dict[int, list[Match]] = {}
    for match in screening.matches:
        by_person.setdefault(match.person_id, []).append(match)
    people = Person.objects.with_flags(today).in_bulk(list(by_person))
    found = []
    for person_id, matches in by_person.items():
        best = matches[0]  # matches come strongest first
        found.append(
            ScreenedPerson(
                person=people[person_id],
                result=best.result,
                result_label=str(Result(best.result).label),
                reasons=[str(Reason(r).label) for r in best.reasons],
                measure_refs=sorted({m.measure_ref for m in matches}),
            )
        )
    return found


def grantees_of(*, measure: SupportMeasure) -> list[Staff]:
    """Staff outside the owning ward who were granted this measure's details."""
    return list(
        Staff.objects.filter(
            supportmeasureuserobjectpermission__content_object=measure,
            supportmeasureuserobjectpermission__permission__codename="view_protected_details",
        )
        .select_related("ward")
        .order_by("ward__code", "username")
    )


def ending_notice_of(*, user: Staff, ref: str) -> tuple[SupportMeasure, Person]:
    """The measure and protected resident of a notice about the measure's end
    (支援措置期間終了のお知らせ). Only the owning ward's case staff print it; a measure that is
    not in its period (active or lapsed, with an end date) has no such notice: both a 404."""
    if not user.has_role(*permissions.CASE_ROLES):
        raise Http404
    party = (
        MeasureParty.objects.filter(
            role=PartyRole.PROTECTED,
            measure__ref=ref,
            measure__owning_ward__in=permissions.ward_ids(user),
            measure__status__in=[MeasureStatus.ACTIVE, MeasureStatus.LAPSED],
            measure__ends_on__isnull=False,
        )
        .select_related("measure__owning_ward", "person")
        .first()
    )
    if party is None:
        raise Http404
    return party.measure, party.person


def staff_holding_roles(*roles: str) -> QuerySet[Staff]:
    """Every account that holds one of the roles named, active or not."""
    return Staff.objects.filter(groups__name__in=roles)


def _staff_with_roles(*roles: str, wards: Iterable[Ward | int] | None = None) -> QuerySet[Staff]:
    staff = staff_holding_roles(*roles).filter(is_active=True)
    if wards is not None:
        staff = staff.filter(
            warduserobjectpermission__content_object__in=[
                w.pk if isinstance(w, Ward) else w for w in wards
            ],
            warduserobjectpermission__permission__codename="work_in_ward",
        )
    return staff.select_related("ward").distinct()


def staff_with_roles(*roles: str, wards: Iterable[Ward | int] | None = None) -> list[Staff]:
    """Active staff holding any of `roles`; with `wards`, only those who work in one of them
    (the `work_in_ward` grant). The one query for "who must be told" (notices, alarms)."""
    return list(_staff_with_roles(*roles, wards=wards).order_by("pk"))


def responsible_officers(wards: Iterable[Ward | int]) -> list[Staff]:
    """The 支援措置責任者 of the wards: active supervisors holding `act_as_responsible_officer`
    on one of them (the same grant `permissions.is_responsible_officer` reads)."""
    return list(
        staff_holding_roles(Role.SUPERVISOR)
        .filter(
            is_active=True,
            warduserobjectpermission__content_object__in=[
                w.pk if isinstance(w, Ward) else w for w in wards
            ],
            warduserobjectpermission__permission__codename="act_as_responsible_officer",
        )
        .select_related("ward")
        .distinct()
        .order_by("pk")
    )


@dataclass(frozen=True)
class SupervisorGrant:
    """An active supervisor's grant on a ward: they work in it, or are its 支援措置責任者."""

    supervisor: Staff
    ward_id: int
    is_officer: bool


def supervisor_grants(ward_codes: Iterable[str]) -> list[SupervisorGrant]:
    """The grants the active supervisors hold on the wards with these codes, `work_in_ward`
    and `act_as_responsible_officer` (the grants `staff_with_roles(..., wards=)` and
    `responsible_officers` read, and `permissions.is_responsible_officer` with them): for an
    act that tells a ward's officers, or its supervisors when it has none. Two small queries
    (the grants, then who holds them, only if anyone does) instead of one per question: a
    join of all seven tables costs PostgreSQL more to plan than both to run."""
    grants = list(
        WardUserObjectPermission.objects.filter(
            content_object__code__in=list(ward_codes),
            permission__codename__in=["work_in_ward", "act_as_responsible_officer"],
        ).values_list("user_id", "content_object_id", "permission__codename")
    )
    if not grants:
        return []
    supervisors = {
        s.pk: s
        for s in Staff.objects.filter(
            pk__in={user_id for user_id, _, _ in grants},
            is_active=True,
            groups__name=Role.SUPERVISOR,
        ).select_related("ward")
    }
    return [
        SupervisorGrant(
            supervisor=supervisors[user_id],
            ward_id=ward_id,
            is_officer=codename == "act_as_responsible_officer",
        )
        for user_id, ward_id, codename in sorted(grants)
        if user_id in supervisors
    ]


def wards_with_codes(codes: Iterable[str]) -> list[Ward]:
    """The wards named by their codes (an inquiry's or a plan's owning wards), in code
    order; a code no ward has any more is left out. The one owning-ward lookup."""
    return list(Ward.objects.filter(code__in=list(codes)).order_by("code"))


# --- for the auditors' workspace (auditlog/workspace/) ------------------------------------------
# The workspace reads the registry only through these. It checks the auditor role first
# (`auditor_or_none`), so they apply no ward scope: an auditor reads the whole city.


def auditor_or_none(user: object) -> Staff | None:
    """`user` if it is a staff member in the auditor role (who alone read the audit log)."""
    if isinstance(user, Staff) and user.has_role(Role.AUDITOR):
        return user
    return None


def people_named(*, query: str, limit: int) -> list[Person]:
    """Registered people whose name, alias or reading contains what was typed, compared on
    the registry's match keys (variant kanji, kana of any script or width), as the desk's
    own search does: 高橋 finds 髙橋 由美, a surname finds everyone who bears it. Their
    parties and measures are prefetched."""
    key = names.name_key(query)
    if not key:
        return []
    by_name = Q(name_key__contains=key) | Q(aliases__name_key__contains=key)
    if KANA_ONLY.match(key):  # a name typed in kana is also a reading
        by_name |= Q(kana_key__contains=names.kana_key(query))
    return list(
        Person.objects.filter(by_name)
        .distinct()
        .order_by("kana_key", "name_key", "pk")
        .prefetch_related("parties__measure")[:limit]
    )


def person_and_parties(*, public_id: uuid.UUID) -> tuple[Person, list[MeasureParty]]:
    """A registered person and their parts in measures (with each measure's owning ward)."""
    try:
        person = Person.objects.get(public_id=public_id)
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    parties = list(
        MeasureParty.objects.filter(person=person)
        .select_related("measure__owning_ward")
        .order_by("measure__ref")
    )
    return person, parties


def measure_refs_of_people(public_ids: Iterable[str]) -> list[str]:
    """The refs of every measure these people (public ids) are parties to."""
    return sorted(
        set(
            MeasureParty.objects.filter(person__public_id__in=list(public_ids)).values_list(
                "measure__ref", flat=True
            )
        )
    )


def people_of_measures(refs: Iterable[str]) -> dict[str, set[str]]:
    """For each measure ref, the public ids (as strings) of its people."""
    people: dict[str, set[str]] = {}
    for ref, public_id in MeasureParty.objects.filter(measure__ref__in=set(refs)).values_list(
        "measure__ref", "person__public_id"
    ):
        people.setdefault(ref, set()).add(str(public_id))
    return people


def registrars_of_measures(refs: Iterable[str]) -> dict[str, int]:
    """For each measure ref, who registered its application (a staff id)."""
    wanted = set(refs)
    if not wanted:
        return {}
    return {
        ref: staff
        for ref, staff in SupportMeasure.objects.filter(ref__in=wanted).values_list(
            "ref", "registered_by_id"
        )
        if staff is not None
    }


def staff_member(*, staff_id: int) -> Staff:
    """One staff member (with their ward), or a 404."""
    try:
        return Staff.objects.select_related("ward").get(pk=staff_id)
    except Staff.DoesNotExist as exc:
        raise Http404 from exc


def staff_names(ids: Iterable[int]) -> dict[int, str]:
    """How the workspace names staff members (`str(staff)`), by id."""
    return {s.pk: str(s) for s in Staff.objects.filter(pk__in=set(ids))}


def staff_choices() -> list[tuple[int, str, str]]:
    """Every staff member as (id, user name, full name), by user name: a filter's choices."""
    return list(Staff.objects.order_by("username").values_list("pk", "username", "full_name"))


def ward_choices() -> list[tuple[int, str]]:
    """Every ward as (id, name), by code: a filter's choices."""
    return list(Ward.objects.order_by("code").values_list("pk", "name"))


def ward_names(ids: Iterable[int]) -> dict[int, str]:
    return dict(Ward.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def measures_ending_between(first: datetime.date, last: datetime.date) -> list[SupportMeasure]:
    """Active measures whose period ends between the two days (both included), soonest first,
    with their owning ward."""
    return list(
        SupportMeasure.objects.filter(
            status=MeasureStatus.ACTIVE, ends_on__gte=first, ends_on__lte=last
        )
        .select_related("owning_ward")
        .order_by("ends_on", "ref")
    )


def unconfirmed_blocks(*, until: datetime.datetime | None = None) -> list[ConfirmationTask]:
    """Linked-system confirmations escalated (overdue, or reported failed) and not confirmed
    (or covered by a later confirmation) as of `until` (default: now), oldest due first,
    with their change, measure, owning ward and system."""
    tasks = ConfirmationTask.objects.filter(escalated_at__isnull=False)
    if until is None:
        tasks = tasks.filter(closed_at__isnull=True)
    else:
        tasks = tasks.filter(escalated_at__lt=until).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=until)
        )
    return list(
        tasks.select_related("change__measure__owning_ward", "system").order_by(
            "due_at", "change__measure__ref", "system__order"
        )
    )


def unanswered_forwardings(*, until: datetime.datetime | None = None) -> list[Forwarding]:
    """Forwardings to another municipality escalated (no reply by their deadline) and still
    without a recorded reply as of `until` (default: now), oldest due first, with their
    measure and owning ward. For the auditors' dashboard and weekly report, which show the
    relation (本籍地, 前住所地, 転出先) and never the municipality: the one a resident moved
    to is where they live."""
    rows = Forwarding.objects.filter(escalated_at__isnull=False)
    if until is None:
        rows = rows.filter(reply_recorded_at__isnull=True)
    else:
        rows = rows.filter(escalated_at__lt=until).filter(
            Q(reply_recorded_at__isnull=True) | Q(reply_recorded_at__gte=until)
        )
    return list(
        rows.select_related("measure__owning_ward").order_by("due_at", "measure__ref", "pk")
    )
