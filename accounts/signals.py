"""What follows a login and a password change (SPEC §12), connected in AccountsConfig.ready().

- A second-factor device saved or deleted clears the user's cached "has a device"
  (`accounts.two_factor.has_device`).
- A login stamps the session for its timeouts (`accounts.sessions.stamp_login`).
- A password saved (`set_password` then `save`: the change page, the admin, `changepassword`)
  revokes every API token of the user and records the change on `Account`: set by an admin in
  the admin (`SET_BY_ADMIN` on the user, accounts/admin.py) it must be changed at the next
  login; set any other way the flag is cleared. Every other session ends by itself: Django
  checks each session's copy of the password hash (`get_session_auth_hash`) on every request,
  and the change page keeps only its own session (`update_session_auth_hash`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions, two_factor
from accounts.models import Account
from accounts.tokens import revoke_all

SET_BY_ADMIN = "_tiaojie_password_set_by_admin"


def password_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    # AbstractBaseUser.set_password keeps the raw password in `_password` until save() has
    # run the validators' password_changed hooks (after this signal): set means "changed now".
    if getattr(instance, "_password", None) is None:
        return
    by_admin = bool(getattr(instance, SET_BY_ADMIN, False))
    if hasattr(instance, SET_BY_ADMIN):
        delattr(instance, SET_BY_ADMIN)
    if created and not by_admin:
        return  # a new user (seed_demo, createsuperuser): nothing to record, nothing to revoke
    Account.objects.update_or_create(
        user=instance,
        defaults={"must_change_password": by_admin, "password_changed_at": timezone.now()},
    )
    if not created:
        revoke_all(instance)


def connect() -> None:
    user_logged_in.connect(sessions.stamp_login, dispatch_uid="accounts.stamp_login")
    post_save.connect(password_saved, sender=User, dispatch_uid="accounts.password_saved")
    # has_device() is cached: a device set up, confirmed or removed clears it
    post_save.connect(
        two_factor.forget_device, sender=TOTPDevice, dispatch_uid="accounts.2fa_saved"
    )
    post_delete.connect(
        two_factor.forget_device, sender=TOTPDevice, dispatch_uid="accounts.2fa_deleted"
    )
