"""A date of birth in the future (令和99年) is a typing mistake: refused with a reason."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.utils import timezone

from inquiries.requests.forms import RequestForm
from supportmeasures.fields import BirthDateField


def test_a_future_birth_date_is_refused_and_today_is_not():
    field = BirthDateField(required=False)
    with pytest.raises(forms.ValidationError):
        field.clean("令和99年1月1日")
    today = timezone.localdate()
    assert field.clean(today.isoformat()) == today
    assert field.clean("平成7年2月14日") == datetime.date(1995, 2, 14)


def test_the_request_form_refuses_a_subject_born_in_the_future():
    form = RequestForm(
        data={
            "documents": ["juminhyo"],
            "channel": "counter",
            "requester_type": "self",
            "requester_name": "山﨑 美咲",
            "subject_1_name": "山﨑 美咲",
            "subject_1_birth_date": "令和99年1月1日",
            "purpose": "手続き",
        }
    )
    assert not form.is_valid()
    assert "subject_1_birth_date" in form.errors
