"""Every prediction carries its verdict ("digit", "unsure", "not_a_digit"); predictions stored
before are left null: their models had no calibrated thresholds to judge them by. A drawing can
carry its user's "Not a digit"."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recognizer', '0010_learning_loop'),
    ]

    operations = [
        migrations.AddField(
            model_name='drawing',
            name='user_says_not_a_digit',
            field=models.BooleanField(default=False, help_text='the user says it is not a digit'),
        ),
        migrations.AddField(
            model_name='prediction',
            name='verdict',
            field=models.CharField(blank=True, choices=[('digit', 'A digit'), ('unsure', 'Not sure'), ('not_a_digit', 'Not a digit')], max_length=16, null=True),
        ),
    ]
