"""Load the incident's cast, through the actions, so the audit log holds their events."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from supportmeasures import actions, signals, wareki
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import (
    AliasKind,
    BasisKind,
    EndReason,
    MeasureKind,
    Role,
    Staff,
    Ward,
)
from supportmeasures.propagation import forwarding

DEMO_PASSWORD = "mamori-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only
# Every demo account's authenticator app shares this key (hex; base32 in DEMO_TOTP_SECRET, for
# an app), so one app entry gives the code for all: `make manage ARGS="demo_code a_clerk"`.
DEMO_TOTP_KEY = b"mamori-demo-totp-key".hex()
DEMO_TOTP_SECRET = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")

WARD_A = ("141011", "鶴見区", "Tsurumi Ward")
WARD_B = ("141020", "神奈川区", "Kanagawa Ward")

STAFF = [
    # username, full name, ward, role, trained
    ("a_clerk", "鶴見 一郎", WARD_A, Role.CLERK, True),
    ("a_supervisor", "鶴見 花子", WARD_A, Role.SUPERVISOR, True),
    # Two trained supervisors besides any author in each ward: a critical plan can be approved.
    ("a_supervisor2", "鶴見 三郎", WARD_A, Role.SUPERVISOR, True),
    ("a_auditor", "鶴見 監子", WARD_A, Role.AUDITOR, True),
    ("a_contractor", "委託 太郎", WARD_A, Role.CONTRACTOR, True),
    ("b_clerk", "神奈川 次郎", WARD_B, Role.CLERK, True),
    ("b_supervisor", "神奈川 節子", WARD_B, Role.SUPERVISOR, True),
    ("b_supervisor2", "神奈川 二郎", WARD_B, Role.SUPERVISOR, True),
    ("b_supervisor_untrained", "神奈川 未研修", WARD_B, Role.SUPERVISOR, False),
    ("b_auditor", "神奈川 査子", WARD_B, Role.AUDITOR, True),
    ("admin", "管理者", WARD_A, Role.ADMINISTRATOR, True),
    # Section staff of the resident-register and family-register-attachment systems.
    ("a_section", "鶴見 連携", WARD_A, Role.CLERK, True),
]


def person(
    name: str,
    kana: str,
    born: str,
    sex: str,
    address: str = "",
    phone: str = "",
    aliases: list[tuple[str, str]] | None = None,
) -> PersonData:
    return PersonData(
        name=name,
        kana=kana,
        birth_date=datetime.date.fromisoformat(born),
        sex=sex,
        address=address,
        phone=phone,
        aliases=aliases or [],
    )


class Command(BaseCommand):
    help = "Load demo wards, staff and measures (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Staff.objects.filter(username="a_clerk").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            self.load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        # The day's checkpoint and verification, as the daily job would: the auditors'
        # workspace then shows a sealed chain (idempotent for the day).
        from auditlog import jobs

        run = jobs.run_scheduled("seal-and-verify-auditlog", now=timezone.now(), final=False)
        self.stdout.write(f"Audit chain: {run.summary or run.error_line}")
        self.stdout.write("")
        enrolled = self.enrol_second_factors(timezone.now())
        if enrolled:
            self.stdout.write(f"Second factor set up for {enrolled} demo accounts.")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        self.stdout.write(
            f'Second factor: the code from `make manage ARGS="demo_code a_clerk"`, or an '
            f"authenticator app with the key {DEMO_TOTP_SECRET} (TOTP, 6 digits, 30 s)"
        )
        for username, full_name, ward, role, trained in STAFF:
            note = "" if trained else "  (training lapsed)"
            self.stdout.write(f"  {username:<24} {ward[1]} {Role(role).label}{note} {full_name}")

    def enrol_second_factors(self, now: datetime.datetime) -> int:
        """Every demo account enrolled with the shared demo key, through the enrolment's
        actions (so the audit log holds each `staff.second_factor_enrolled`)."""
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from supportmeasures.actions import second_factor

        done = 0
        for username, *_rest in STAFF:
            member = Staff.objects.filter(username=username).first()
            if member is None or second_factor.is_enrolled(member):
                continue
            device = second_factor.start_enrolment(user=member)
            TOTPDevice.objects.filter(pk=device.pk).update(key=DEMO_TOTP_KEY)
            device.refresh_from_db()
            code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
            second_factor.confirm_enrolment(user=member, code=f"{code:06d}", enrolled_at=now)
            # Set up by the seed, not by a person at a login: the time step it used stays
            # usable, so the first login may follow at once with the same code.
            TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
            done += 1
        return done

    def seed_linked_systems(self, section: Staff, now: datetime.datetime) -> None:
        from supportmeasures.models import ConfirmationTask, LinkedSystem, TaskState
        from supportmeasures.propagation import actions as propagation

        for code in ("resident_register", "koseki_attachment"):
            propagation.grant_section_staff(
                acting_user=None,
                staff=section,
                system=LinkedSystem.objects.get(code=code),
                granted_at=now,
            )
        for task in ConfirmationTask.objects.filter(
            system__code="resident_register", state=TaskState.OPEN
        ).order_by("pk"):
            propagation.confirm_task(task=task, acting_user=section, confirmed_at=now)

    def load(self) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        wards = {}
        for code, name, name_en in (WARD_A, WARD_B):
            wards[code], _ = Ward.objects.get_or_create(
                code=code, defaults={"name": name, "name_en": name_en}
            )
        staff: dict[str, Staff] = {}
        for username, full_name, ward, role, trained in STAFF:
            member = actions.register_staff(
                acting_user=None,
                username=username,
                full_name=full_name,
                ward=wards[ward[0]],
                role=role,
                password=DEMO_PASSWORD,
                registered_at=now,
            )
            if role == Role.ADMINISTRATOR:
                with transaction.atomic():
                    member.is_staff = True
                    member.is_superuser = True
                    member.save(update_fields=["is_staff", "is_superuser"])
            completed = today - datetime.timedelta(days=90 if trained else 400)
            actions.record_training(
                staff=member,
                acting_user=None,
                completed_on=completed,
                course="支援措置事務研修",
                recorded_at=now,
            )
            staff[username] = member
        a, b = wards[WARD_A[0]], wards[WARD_B[0]]

        def register(
            ward: Ward,
            clerk: str,
            kind: str,
            applied: datetime.date,
            protected: PersonData,
            counterparties: list[PartyData],
            joint: list[PartyData] | None = None,
            body: str = "",
        ) -> Any:
            return actions.register_application(
                acting_user=staff[clerk],
                ward=ward,
                kind=kind,
                basis_kind=BasisKind.CONSULTING_BODY,
                basis_body=body or "神奈川県警察",
                basis_opinion_on=applied,
                basis_document="",
                applied_on=applied,
                restricts_inspection=True,
                restricts_resident_copies=True,
                restricts_koseki_attachment=True,
                protected=protected,
                joint=joint or [],
                counterparties=counterparties,
                registered_at=now,
            )

        def decide(measure: Any, supervisor: str, starts: datetime.date) -> Any:
            return actions.decide_measure(
                measure=measure,
                acting_user=staff[supervisor],
                approve=True,
                starts_on=starts,
                decided_at=now,
            )

        # X, protected at A from Y: the incident. Ends within a month, so extension is open.
        x_start = wareki.add_years(today, -1) + datetime.timedelta(days=20)
        x = register(
            a,
            "a_clerk",
            MeasureKind.DV,
            x_start,
            person(
                "山﨑 美咲",
                "ヤマサキ ミサキ",
                "1990-05-12",
                "F",
                "横浜市鶴見区豊岡町20-1 グリーンハイツ305",
                "045-000-1234",
                aliases=[(AliasKind.FORMER, "佐々木 美咲")],
            ),
            [
                PartyData(
                    person(
                        "山﨑 健一", "ヤマサキ ケンイチ", "1986-11-03", "M", "東京都大田区蒲田1-2-3"
                    ),
                    relationship="夫",
                    is_resident=False,
                )
            ],
            joint=[
                PartyData(
                    person(
                        "山﨑 陽太",
                        "ヤマサキ ヨウタ",
                        "2018-08-20",
                        "M",
                        "横浜市鶴見区豊岡町20-1 グリーンハイツ305",
                    ),
                    relationship="子",
                )
            ],
            body="横浜市配偶者暴力相談支援センター",
        )
        decide(x, "a_supervisor", x_start)
        # Forwarded to her 本籍地 (札幌市), its reply awaited (docs/propagation.md).
        forwarding.forward_measure(
            measure=x,
            acting_user=staff["a_clerk"],
            relation="domicile",
            municipality_name="札幌市",
            municipality_code="011002",
            forwarded_on=today,
            recorded_at=now,
        )

        # Provisional at A, awaiting a decision: stalking.
        register(
            a,
            "a_clerk",
            MeasureKind.STALKING,
            today - datetime.timedelta(days=3),
            person("髙橋 由美", "タカハシ ユミ", "1995-02-14", "F", "横浜市鶴見区鶴見中央4-5-6"),
            [
                PartyData(
                    person("佐藤 大輔", "サトウ ダイスケ", "1993-07-07", "M"),
                    relationship="元交際相手",
                    is_resident=False,
                )
            ],
            body="神奈川県警察 鶴見警察署",
        )

        # A child as counterparty: an elderly mother protected from her adult son, at A.
        ito = register(
            a,
            "a_clerk",
            MeasureKind.SIMILAR,
            today - datetime.timedelta(days=100),
            person("伊藤 和子", "イトウ カズコ", "1948-03-30", "F", "横浜市鶴見区下末吉2-3-4"),
            [
                PartyData(
                    person("伊藤 拓也", "イトウ タクヤ", "1975-09-09", "M"),
                    relationship="長男",
                    agent_note="弁護士を通じて請求することがある",
                )
            ],
            body="鶴見区高齢・障害支援課",
        )
        decide(ito, "a_supervisor", today - datetime.timedelta(days=100))

        # Lapsed at B: the period passed without extension; still warning.
        lapsed_start = wareki.add_years(today, -1) - datetime.timedelta(days=30)
        watanabe = register(
            b,
            "b_clerk",
            MeasureKind.DV,
            lapsed_start,
            person("渡邉 さくら", "ワタナベ サクラ", "1988-04-01", "F", "横浜市神奈川区反町1-1-1"),
            [
                PartyData(
                    person("渡辺 誠", "ワタナベ マコト", "1985-12-24", "M"),
                    relationship="元夫",
                    is_resident=False,
                )
            ],
        )
        decide(watanabe, "b_supervisor", lapsed_start)
        actions.lapse_overdue_measures(now=now)

        # A male victim at B.
        tanaka = register(
            b,
            "b_clerk",
            MeasureKind.DV,
            today - datetime.timedelta(days=45),
            person("田中 翔太", "タナカ ショウタ", "1982-06-15", "M", "横浜市神奈川区六角橋3-2-1"),
            [PartyData(person("田中 真理", "タナカ マリ", "1984-01-20", "F"), relationship="妻")],
        )
        decide(tanaka, "b_supervisor", today - datetime.timedelta(days=45))

        # Ended at B, at the person's request.
        suzuki = register(
            b,
            "b_clerk",
            MeasureKind.STALKING,
            today - datetime.timedelta(days=200),
            person("鈴木 花子", "スズキ ハナコ", "1979-10-10", "F", "横浜市神奈川区東神奈川1-5-5"),
            [
                PartyData(
                    person("小林 剛", "コバヤシ ツヨシ", "1977-05-05", "M"),
                    relationship="元交際相手",
                    is_resident=False,
                )
            ],
        )
        decide(suzuki, "b_supervisor", today - datetime.timedelta(days=200))
        actions.end_measure(
            measure=suzuki,
            acting_user=staff["b_supervisor"],
            end_reason=EndReason.REQUESTED,
            reason="本人から終了の申出（転出のため）",
            decided_at=now,
        )

        # Linked systems (docs/propagation.md): every change above asked the ten systems.
        # a_section keeps the resident register and the family register attachment and has
        # confirmed the resident register for every measure; the rest wait.
        self.seed_linked_systems(staff["a_section"], now)

        # Ward A's 支援措置責任者 (issue 11): reviews document requests about A's residents.
        actions.appoint_responsible_officer(
            acting_user=None, staff=staff["a_supervisor2"], ward=a, appointed_at=now
        )
        # The floors above add their own demo records (inquiries: document requests).
        signals.demo_loaded.send(sender=signals.SENDER, staff=staff, now=now)
