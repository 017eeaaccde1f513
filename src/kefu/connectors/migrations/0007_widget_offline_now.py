from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("connectors", "0006_widget_appearance_prechat")]

    operations = [
        migrations.AddField(
            model_name="widgetconfig",
            name="offline_now",
            field=models.BooleanField(default=False, verbose_name="message form only, for now"),
        ),
    ]
