from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_evidence_and_closed_quarters")]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(models.F("period_start").desc(), models.F("id"), name="report_period_desc_id"),
        ),
    ]
