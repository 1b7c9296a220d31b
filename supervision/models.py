"""Supervision settings. The figures themselves are not stored: supervision/stats.py computes
them from the cases on every request, so they cannot go stale."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class RankingWeights(models.Model):
    """Weights of the ranking (考评) score, one row an admin edits (like DeadlineSettings)."""

    success = models.PositiveSmallIntegerField("调解成功率权重", default=40)
    timeliness = models.PositiveSmallIntegerField("按期办结率权重", default=20)
    follow_up = models.PositiveSmallIntegerField("回访率权重", default=20)
    satisfaction = models.PositiveSmallIntegerField("满意率权重", default=20)

    class Meta:
        verbose_name = verbose_name_plural = "考评权重"

    def __str__(self) -> str:
        return "考评权重"

    def clean(self):
        if not (self.success + self.timeliness + self.follow_up + self.satisfaction):
            raise ValidationError("权重不能全部为零。")

    @classmethod
    def current(cls) -> RankingWeights:
        return cls.objects.order_by("id").first() or cls()

    def as_dict(self) -> dict[str, int]:
        return {
            "success": self.success,
            "timeliness": self.timeliness,
            "follow_up": self.follow_up,
            "satisfaction": self.satisfaction,
        }
