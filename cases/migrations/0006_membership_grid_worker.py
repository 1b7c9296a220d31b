"""The grid worker (网格员, SPEC §13): a membership on a region. Migrating back removes the grid
workers' memberships first: the older rule has no place for them."""

from django.conf import settings
from django.db import migrations, models


def drop_grid_workers(apps, schema_editor):
    apps.get_model("cases", "Membership").objects.filter(role="grid_worker").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_signing_certificate_private"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_scope_matches_role",
        ),
        # backwards this runs after the new rule is gone and before the old one is back
        migrations.RunPython(migrations.RunPython.noop, drop_grid_workers),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("clerk", "登记员"),
                    ("mediator", "人民调解员"),
                    ("director", "调委会主任"),
                    ("supervisor", "督导员"),
                    ("admin", "系统管理员"),
                    ("grid_worker", "网格员"),
                ],
                max_length=16,
                verbose_name="角色",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("organization__isnull", True),
                        ("region__isnull", False),
                        ("role", "supervisor"),
                    ),
                    models.Q(
                        ("organization__isnull", True),
                        ("region__isnull", False),
                        ("role", "grid_worker"),
                    ),
                    models.Q(("organization__isnull", True), ("role", "admin")),
                    models.Q(
                        ("role__in", ["clerk", "mediator", "director"]),
                        ("organization__isnull", False),
                        ("region__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="membership_scope_matches_role",
            ),
        ),
    ]
