"""Shared fixtures: wards, staff and measures made through the real actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from inquiries import actions as inquiry_actions
from inquiries.models import Channel, DisclosureCategory
from supportmeasures import actions
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import (
    BasisKind,
    MeasureKind,
    Person,
    Role,
    Staff,
    SupportMeasure,
    Ward,
)

PASSWORD = "correct horse battery staple"


def authenticator(staff: Staff) -> Any:
    """The member's confirmed authenticator app (TOTP), set up as enrolment would."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=staff, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)


def totp_code(staff: Staff) -> str:
    """The 6 digits the member's authenticator app shows now (django_otp.oath.TOTP on the
    device's key). django-otp refuses a time step used before (replays): a test that logs in
    the same member twice within 30 seconds first forgets the last step used."""
    from django_otp.oath import TOTP

    device = authenticator(staff)
    type(device).objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(page: Any, username: str) -> None:
    """In a browser, after the password: type the code the member's app shows now. A member
    of a test who has no authenticator yet is given one (as the enrolment would have), and
    the enrolment page it was sent to is left for the code's page."""
    code = totp_code(Staff.objects.get(username=username))
    page.wait_for_selector("#id_otp_token")
    if page.url.split("?")[0].endswith("/accounts/second-factor/enrol/"):
        page.goto(page.url.split("?")[0].removesuffix("enrol/"))
    page.fill("#id_otp_token", code)
    page.click("form.card button[type=submit]")


def _force_login_with_second_factor(self: Client, user: Any, backend: str | None = None) -> None:
    """force_login skips the password; here it also passes the second factor, with the
    member's real confirmed device, as the login's second step would (django_otp.login).
    One place for every test that logs in this way; the two-factor tests use the real
    login (tests/config/test_two_factor.py), never this."""
    from django_otp import DEVICE_ID_SESSION_KEY

    _django_force_login(self, user, backend)
    if isinstance(user, Staff):
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session.save()


_django_force_login = Client.force_login
Client.force_login = _force_login_with_second_factor  # type: ignore[method-assign,assignment]


@pytest.fixture(autouse=True)
def _own_checkpoint_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test seals into a directory of its own: a checkpoint left by another test (or
    by seed_demo) would describe a database that no longer exists."""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture(autouse=True)
def _default_linked_systems(request: pytest.FixtureRequest) -> None:
    """The ten linked systems migration 0012 seeds are data every database test may expect.
    A transactional test (browser tests, real Celery workers) ends with a flush that deletes
    them, so whichever test runs next seeds them again (one query when they are there)."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    ) or bool(names & {"transactional_db", "live_server"})
    request.getfixturevalue("transactional_db" if transactional else "db")
    from tests.supportmeasures.propagation.defaults import ensure_default_systems

    ensure_default_systems()


@pytest.fixture
def in_english() -> Iterator[None]:
    """Messages are translated (Japanese by default); tests that read them read English."""
    with translation.override("en"):
        yield


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now()


@pytest.fixture
def today(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


@pytest.fixture
def ward_a(db: None) -> Ward:
    return Ward.objects.create(code="141011", name="鶴見区", name_en="Tsurumi Ward")


@pytest.fixture
def ward_b(db: None) -> Ward:
    return Ward.objects.create(code="141020", name="神奈川区", name_en="Kanagawa Ward")


@pytest.fixture
def make_staff(db: None, now: datetime.datetime) -> Callable[..., Staff]:
    counter = iter(range(1, 10_000))

    def make(ward: Ward, role: str, *, trained: bool = True, username: str = "") -> Staff:
        username = username or f"{role}{next(counter)}_{ward.code}"
        staff = actions.register_staff(
            acting_user=None,
            username=username,
            full_name=username,
            ward=ward,
            role=role,
            password=PASSWORD,
            registered_at=now,
        )
        completed = timezone.localdate(now) - datetime.timedelta(days=30 if trained else 400)
        actions.record_training(
            staff=staff, acting_user=None, completed_on=completed, course="研修", recorded_at=now
        )
        return staff

    return make


@pytest.fixture
def clerk_a(make_staff: Callable[..., Staff], ward_a: Ward) -> Staff:
    return make_staff(ward_a, Role.CLERK, username="a_clerk")


@pytest.fixture
def supervisor_a(make_staff: Callable[..., Staff], ward_a: Ward) -> Staff:
    return make_staff(ward_a, Role.SUPERVISOR, username="a_supervisor")


@pytest.fixture
def clerk_b(make_staff: Callable[..., Staff], ward_b: Ward) -> Staff:
    return make_staff(ward_b, Role.CLERK, username="b_clerk")


@pytest.fixture
def supervisor_b(make_staff: Callable[..., Staff], ward_b: Ward) -> Staff:
    return make_staff(ward_b, Role.SUPERVISOR, username="b_supervisor")


@pytest.fixture
def auditor(make_staff: Callable[..., Staff], ward_a: Ward) -> Staff:
    return make_staff(ward_a, Role.AUDITOR, username="auditor")


@pytest.fixture
def contractor_a(make_staff: Callable[..., Staff], ward_a: Ward) -> Staff:
    return make_staff(ward_a, Role.CONTRACTOR, username="a_contractor")


X = PersonData(
    name="山﨑 美咲",
    kana="ヤマサキ ミサキ",
    birth_date=datetime.date(1990, 5, 12),
    sex="F",
    address="横浜市鶴見区豊岡町20-1",
    phone="045-000-1234",
)
Y = PersonData(
    name="山﨑 健一",
    kana="ヤマサキ ケンイチ",
    birth_date=datetime.date(1986, 11, 3),
    sex="M",
    address="東京都大田区蒲田1-2-3",
)


@pytest.fixture
def register(now: datetime.datetime) -> Callable[..., SupportMeasure]:
    def register(
        clerk: Staff,
        *,
        protected: PersonData = X,
        counterparties: list[PartyData] | None = None,
        joint: list[PartyData] | None = None,
        applied_on: datetime.date | None = None,
        kind: str = MeasureKind.DV,
    ) -> SupportMeasure:
        assert clerk.ward is not None
        return actions.register_application(
            acting_user=clerk,
            ward=clerk.ward,
            kind=kind,
            basis_kind=BasisKind.CONSULTING_BODY,
            basis_body="神奈川県警察",
            basis_opinion_on=None,
            basis_document="",
            applied_on=applied_on or timezone.localdate(now),
            restricts_inspection=True,
            restricts_resident_copies=True,
            restricts_koseki_attachment=True,
            protected=protected,
            joint=joint or [],
            counterparties=counterparties or [PartyData(person=Y, relationship="夫")],
            registered_at=now,
        )

    return register


@pytest.fixture
def decide(now: datetime.datetime) -> Callable[..., SupportMeasure]:
    def decide(
        measure: SupportMeasure,
        supervisor: Staff,
        starts_on: datetime.date | None = None,
        **kwargs: Any,
    ) -> SupportMeasure:
        return actions.decide_measure(
            measure=measure,
            acting_user=supervisor,
            approve=True,
            starts_on=starts_on or timezone.localdate(now),
            decided_at=now,
            **kwargs,
        )

    return decide


@pytest.fixture
def x_measure(
    register: Callable[..., SupportMeasure],
    decide: Callable[..., SupportMeasure],
    clerk_a: Staff,
    supervisor_a: Staff,
) -> SupportMeasure:
    """The incident: X protected at ward A from Y, decided and active."""
    return decide(register(clerk_a), supervisor_a)


@pytest.fixture
def x(x_measure: SupportMeasure) -> Person:
    return Person.objects.get(name=X.name)


@pytest.fixture
def y(x_measure: SupportMeasure) -> Person:
    return Person.objects.get(name=Y.name)


@pytest.fixture
def login() -> Callable[[Staff], Client]:
    def login(staff: Staff) -> Client:
        client = Client()
        client.force_login(staff)
        return client

    return login


# --- the incident's inquiry (A asks B about X) and B's plan to call Y ---------------------


@pytest.fixture
def inquiry_about_x(clerk_a, ward_b, x, now):
    """A drafts an inquiry to B about X (the incident), not yet signed off."""
    return inquiry_actions.create_inquiry(
        acting_user=clerk_a,
        to_ward=ward_b,
        to_department="保険年金課",
        subject_name="山崎 美咲",
        subject_kana="やまさき みさき",
        subject_birth_date=None,
        question="国民健康保険の加入状況を教えてください",
        reason="福祉相談の手続きのため",
        urgency="urgent",
        created_at=now,
    )


@pytest.fixture
def sent_inquiry(inquiry_about_x, supervisor_a, now):
    return inquiry_actions.sign_off_inquiry(
        inquiry=inquiry_about_x, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
    )


@pytest.fixture
def acknowledged_plan(
    sent_inquiry: Any, clerk_b: Staff, now: datetime.datetime
) -> Callable[..., tuple[Any, Any]]:
    """B acknowledges the inquiry about X and plans to call Y (the incident's call): returns
    (inquiry, plan). The wording is the test's to choose."""

    def make(wording: str = "保険料のお手続きについて書面をお送りします。") -> tuple[Any, Any]:
        inquiry_actions.acknowledge_inquiry(
            inquiry=sent_inquiry, acting_user=clerk_b, acknowledged_at=now
        )
        plan = inquiry_actions.create_plan(
            acting_user=clerk_b,
            created_at=now,
            inquiry=sent_inquiry,
            matter_name="山﨑 美咲",
            matter_kana="ヤマサキ ミサキ",
            target_name="山﨑 健一",
            target_kana="ヤマサキ ケンイチ",
            target_contact="090-0000-0000",
            target_relation="世帯主",
            channel=Channel.PHONE,
            purpose="保険料の確認",
            categories=[DisclosureCategory.IDENTITY],
            wording=wording,
        )
        return sent_inquiry, plan

    return make
