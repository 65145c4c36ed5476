from __future__ import annotations

import pytest

from inquiries import actions
from inquiries.models import Channel, DisclosureCategory


@pytest.fixture
def inquiry_about_x(clerk_a, ward_b, x, now):
    """A drafts an inquiry to B about X (the incident), not yet signed off."""
    return actions.create_inquiry(
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
    return actions.sign_off_inquiry(
        inquiry=inquiry_about_x, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
    )


INCIDENT_WORDS = "Xさんが先ほどA区役所に来庁されました"


@pytest.fixture
def plan_fields(sent_inquiry):
    def fields(**overrides):
        base = {
            "inquiry": sent_inquiry,
            "matter_name": "山﨑 美咲",
            "matter_kana": "ヤマサキ ミサキ",
            "target_name": "山﨑 健一",
            "target_kana": "ヤマサキ ケンイチ",
            "target_contact": "090-0000-0000",
            "target_relation": "世帯主",
            "channel": Channel.PHONE,
            "purpose": "保険料の確認",
            "categories": [DisclosureCategory.IDENTITY],
            "wording": INCIDENT_WORDS,
        }
        base.update(overrides)
        return base

    return fields


@pytest.fixture(autouse=True)
def _notices_in_english(in_english: None) -> None:
    """Notice subjects are translated; these tests read the English ones."""
