"""The English audit measurement (tools/english_audit.py) counts English messages only, both ways."""
from __future__ import annotations

import pytest

from tools.english_audit import audit_compare


@pytest.mark.django_db
def test_it_decides_each_english_message_alone_and_audited_and_skips_the_others(local_models, tmp_path):
    rows = tmp_path / "set.csv"
    rows.write_text("text,intent,expected_route,lang\n"
                    "how do I return an item?,return_item,local,en\n"
                    "I want my money back for the broken lamp,get_refund,human,en\n"
                    "Wo ist meine Bestellung?,track_order,local,de\n")
    counts, changes = audit_compare(rows)
    assert counts["messages"] == 2  # the German row is not an English message
    assert counts["right alone"] == counts["right audited"] == 2
    assert counts["refunds answered alone"] == counts["refunds answered audited"] == 0
    assert sum(changes.values()) == 0
