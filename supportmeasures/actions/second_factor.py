"""The second factor (docs/security.md, "Two factors"): enrolling an authenticator app (TOTP)
with its single-use recovery codes, checking a code at login, renewing the recovery codes, and
an administrator's reset of another member's devices. Each change is an audit event in its
transaction; a wrong code is a failed login (counted by django-axes, recorded by
supportmeasures.logins), never the code itself.

There is no switch-off: nobody can remove their own second factor, and a reset by an
administrator is of another member only, who must enrol again at the next login.
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from auditlog.actions import record_event
from auditlog.models import EventKind
from supportmeasures import permissions
from supportmeasures.models import Staff
from supportmeasures.refusals import ActionRefused, NotPermitted

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
# A recovery code: 10 characters from an alphabet without look-alikes, shown as xxxxx-xxxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_CODE = re.compile(r"^[0-9]{6}$")


class WrongCode(ActionRefused):
    """The code was not right (or was used before)."""


class Throttled(ActionRefused):
    """Too many wrong codes in a row: django-otp makes the device wait before the next try."""


def is_enrolled(user: Staff) -> bool:
    """Has this member a confirmed second factor? (Recovery codes alone do not count.)"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or (
        WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def normalise_code(code: str) -> str:
    """What a person types: spaces, hyphens and full-width digits are allowed."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", code or "")).lower()


def start_enrolment(*, user: Staff) -> TOTPDevice:
    """The unconfirmed authenticator whose secret the enrolment page shows (the same one on
    every reload until it is confirmed). Refused once the member is enrolled."""
    if is_enrolled(user):
        raise ActionRefused(_("You already have a second factor."))
    with transaction.atomic(durable=True):
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, name=AUTHENTICATOR_NAME)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: Staff) -> list[str]:
    """Replaces the member's recovery codes (inside the caller's transaction)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(settings.MAMORI_RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _check_app_code(device: TOTPDevice, code: str) -> None:
    """Six digits from the authenticator app, under django-otp's throttle."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        raise Throttled(_("Too many wrong codes. Wait a little and try again."))
    typed = normalise_code(code)
    if not TOTP_CODE.match(typed) or not device.verify_token(typed):
        raise WrongCode(_("That code is not right. Type the 6 digits the app shows now."))


def confirm_enrolment(*, user: Staff, code: str, enrolled_at: datetime.datetime) -> list[str]:
    """The member typed a code from the authenticator: the device is confirmed and the
    recovery codes are made, returned to be shown once (each works once)."""
    device = start_enrolment(user=user)
    _check_app_code(device, code)
    with transaction.atomic(durable=True):
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if locked.confirmed:
            raise ActionRefused(_("You already have a second factor."))
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
        record_event(
            kind=EventKind.SECOND_FACTOR_ENROLLED,
            actor=user,
            occurred_at=enrolled_at,
            ward=user.ward,
            decision="enrolled",
            data={"staff_id": user.pk, "device": "totp", "recovery_codes": len(codes)},
        )
    return codes


def verify_code(*, user: Staff, code: str) -> Device:
    """A code at login: six digits from the authenticator, or one recovery code (used up by
    this). Returns the device that accepted it; raises WrongCode or Throttled. The caller
    counts a failure as a failed login."""
    typed = normalise_code(code)
    if TOTP_CODE.match(typed):
        devices: list[Device] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    if not typed or not devices:
        raise WrongCode(_("That code is not right."))
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            raise Throttled(_("Too many wrong codes. Wait a little and try again."))
        if device.verify_token(typed):
            return device
    # django-otp refuses a code already used (another PC, a second try): say so, too.
    raise WrongCode(
        _("That code is not right, or was used already: wait for the next code and type it.")
    )


def renew_recovery_codes(*, user: Staff, code: str, renewed_at: datetime.datetime) -> list[str]:
    """New recovery codes (the old ones stop working), after a fresh code from the
    authenticator: a session left open is not enough to take them."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ActionRefused(_("Enrol an authenticator app first."))
    _check_app_code(device, code)
    with transaction.atomic(durable=True):
        Staff.objects.select_for_update().get(pk=user.pk)
        codes = _new_recovery_codes(user)
        record_event(
            kind=EventKind.SECOND_FACTOR_ENROLLED,
            actor=user,
            occurred_at=renewed_at,
            ward=user.ward,
            decision="renewed",
            data={"staff_id": user.pk, "device": "recovery_codes", "recovery_codes": len(codes)},
        )
    return codes


def record_key_registered(
    *, user: Staff, credential_id: int, registered_at: datetime.datetime
) -> None:
    """A WebAuthn key (security key, fingerprint reader) was registered, in the registration's
    own transaction (config.two_factor)."""
    record_event(
        kind=EventKind.SECOND_FACTOR_ENROLLED,
        actor=user,
        occurred_at=registered_at,
        ward=user.ward,
        decision="enrolled",
        data={"staff_id": user.pk, "device": "webauthn", "credential_id": credential_id},
    )


def reset_second_factor(*, acting_user: Staff, staff: Staff, reset_at: datetime.datetime) -> int:
    """An administrator removes ANOTHER member's devices (a lost phone): that member must
    enrol again at the next login. Never one's own: there is no switching it off."""
    if not permissions.may_manage_accounts(acting_user):
        raise NotPermitted(_("Only administrators reset a second factor."))
    if acting_user.pk == staff.pk:
        raise NotPermitted(_("Nobody can reset their own second factor."))
    with transaction.atomic(durable=True):
        Staff.objects.select_for_update().get(pk=staff.pk)
        removed = sum(
            model.objects.filter(user=staff).delete()[1].get(model._meta.label, 0)
            for model in (TOTPDevice, StaticDevice, WebAuthnCredential)
        )
        record_event(
            kind=EventKind.SECOND_FACTOR_RESET,
            actor=acting_user,
            occurred_at=reset_at,
            ward=staff.ward,
            decision="reset",
            data={"staff_id": staff.pk, "devices_removed": removed},
        )
    return removed


def confirmed_devices(user: Staff) -> list[Device]:
    return list(devices_for_user(user, confirmed=True))
