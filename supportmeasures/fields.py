"""Form fields shared by every page that takes a date: the registry's, the inquiries' and the
auditors' workspace. They read no data (docs/architecture.md: the workspace may use them)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportmeasures import wareki

FIRST_DAY, LAST_DAY = datetime.date(1868, 1, 25), datetime.date(2199, 12, 31)
DATE_HINT = _("For example 令和7年4月1日, R7.4.1 or 2025-04-01.")


class JapaneseDateField(forms.Field):
    """A date typed in the Western or the Japanese era calendar."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": _("Enter a real date, for example 令和7年4月1日, R7.4.1 or 2025-04-01."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", DATE_HINT)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "maxlength": "30", "class": "input-date"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            day = wareki.parse_date(text)
        except wareki.InvalidDate as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        # Outside the eras the office works in, a date is a typing mistake, and at the edges
        # of the calendar a day before or after it does not exist (period ends, filters).
        if not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class BirthDateField(JapaneseDateField):
    """A date of birth: a day in the future is a typing mistake (令和99年), refused."""

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(
                _("A date of birth cannot be in the future."), code="future"
            )
        return day
