"""A message's external id is unique within its conversation (a connector's racing retries
were stored twice). Copies stored before are kept, renamed, so no message is lost."""

from django.db import migrations, models
from django.db.models import Count, Min


def rename_stored_copies(apps, schema_editor):  # type: ignore[no-untyped-def]
    message = apps.get_model("desk", "Message")
    repeated = (
        message._base_manager.exclude(external_id="")
        .values("conversation_id", "external_id")
        .annotate(copies=Count("id"), first=Min("id"))
        .filter(copies__gt=1)
    )
    for group in repeated:
        copies = message._base_manager.filter(
            conversation_id=group["conversation_id"], external_id=group["external_id"]
        ).exclude(pk=group["first"])
        for copy in copies:
            copy.external_id = f"{group['external_id'][:170]}~copy-{copy.pk}"
            copy.save(update_fields=["external_id"])


class Migration(migrations.Migration):
    dependencies = [("desk", "0005_message_indexes_by_conversation")]

    operations = [
        migrations.RunPython(rename_stored_copies, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="message", name="message_conversation_external"),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("conversation", "external_id"),
                name="message_unique_conversation_external",
            ),
        ),
    ]
