"""A refund request's items say how many of their line they ask for: a request filed before meant the whole line."""
from __future__ import annotations

from django.db import migrations, models


def whole_lines(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Each stored item without its count, or with its line's, is the whole line: its quantity, its line's count and
    unit price filled in from the order (its amount kept as filed, or the line's where it had none)."""
    RefundRequest = apps.get_model("support", "RefundRequest")
    OrderItem = apps.get_model("shoppe", "OrderItem")
    for refund in RefundRequest.objects.exclude(items=[]).iterator():
        lines = {line.id: line for line in OrderItem.objects.filter(order_id=refund.order_id)}
        changed = False
        for entry in refund.items:
            line = lines.get(entry.get("item_id"))
            if line is None or "ordered" in entry:
                continue
            entry.update(quantity=line.quantity, ordered=line.quantity, unit_price=str(line.unit_price),
                         amount=entry.get("amount") or str(line.unit_price * line.quantity))
            changed = True
        if changed:
            refund.save(update_fields=["items"])


class Migration(migrations.Migration):

    dependencies = [
        ("shoppe", "0001_initial"),
        ("support", "0016_conversation_link_owner"),
    ]

    operations = [
        migrations.AlterField(
            model_name="refundrequest",
            name="items",
            field=models.JSONField(default=list,
                                   help_text="[{item_id, product, quantity, ordered, unit_price, amount}]"),
        ),
        migrations.RunPython(whole_lines, migrations.RunPython.noop),
    ]
