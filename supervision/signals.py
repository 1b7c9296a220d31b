"""Every save and delete of a Membership becomes one MembershipEvent (supervision.membership_log).
Connected in SupervisionConfig.ready."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from cases.models import Membership
from supervision import membership_log

_BEFORE = "_tiaojie_membership_before"


def _before_save(sender: Any, instance: Membership, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata: the fixture is the record
        return
    old = Membership.objects.filter(pk=instance.pk).first() if instance.pk else None
    setattr(instance, _BEFORE, membership_log.values(old) if old is not None else None)


def _after_save(
    sender: Any, instance: Membership, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before = getattr(instance, _BEFORE, None)
    after = membership_log.values(instance)
    if created or before is None:
        membership_log.record(membership_log.Action.CREATED, instance, before={}, after=after)
    else:
        membership_log.record(membership_log.Action.CHANGED, instance, before=before, after=after)
    setattr(instance, _BEFORE, after)


def _before_delete(sender: Any, instance: Membership, **kwargs: Any) -> None:
    # read now: when a committee or user is deleted, they may be gone by post_delete
    setattr(instance, _BEFORE, membership_log.values(instance))


def _after_delete(sender: Any, instance: Membership, **kwargs: Any) -> None:
    before = getattr(instance, _BEFORE, None) or membership_log.values(instance)
    membership_log.record(membership_log.Action.DELETED, instance, before=before, after={})


def connect() -> None:
    uid = "tiaojie.membership_log"
    pre_save.connect(_before_save, sender=Membership, dispatch_uid=f"{uid}.pre_save")
    post_save.connect(_after_save, sender=Membership, dispatch_uid=f"{uid}.post_save")
    pre_delete.connect(_before_delete, sender=Membership, dispatch_uid=f"{uid}.pre_delete")
    post_delete.connect(_after_delete, sender=Membership, dispatch_uid=f"{uid}.post_delete")
