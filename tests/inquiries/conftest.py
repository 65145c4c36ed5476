from __future__ import annotations

import pytest

from inquiries.models import Channel, DisclosureCategory

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
