"""Django's User admin, re-registered for SPEC §12:

- a password an admin sets (creating a user, or 修改密码 in the admin) is an initial password:
  the user must change it at the next login (the forms mark the user, accounts/signals.py
  records it on `Account`); an admin setting their own password is not asked again;
- a staff user who is not a system administrator sees only users who share one of their
  committees or supervised regions (`cases.scope`), and cannot grant superuser status, groups
  or permissions;
- the account's state (must change, changed at) is shown read-only.

Locked logins are django-axes' own admin (Axes › Access attempts): deleting a username's rows
unlocks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from accounts.models import Account
from accounts.signals import SET_BY_ADMIN
from accounts.tokens import revoke_all
from cases import scope
from cases.choices import Role
from cases.models import Membership


class InitialPasswordCreationForm(AdminUserCreationForm):
    def save(self, commit: bool = True) -> Any:
        setattr(self.instance, SET_BY_ADMIN, True)
        return super().save(commit)


if TYPE_CHECKING:
    _PasswordForm = AdminPasswordChangeForm[User]
else:  # not subscriptable at run time
    _PasswordForm = AdminPasswordChangeForm


class InitialPasswordChangeForm(_PasswordForm):
    def save(self, commit: bool = True) -> User:
        setattr(self.user, SET_BY_ADMIN, True)
        user = super().save(commit)
        if commit and not user.has_usable_password():
            # "Password-based authentication: disabled" sets no password, so no signal: revoke here.
            revoke_all(user)
        return user


class AccountInline(admin.StackedInline[Account, User]):
    model = Account
    can_delete = False
    fields = readonly_fields = ("must_change_password", "password_changed_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def visible_users_q(viewer: User) -> Q:
    """Users who share a committee (any committee role) or a supervised region with `viewer`,
    and `viewer`."""
    organizations: set[int] = set().union(*scope.organizations_by_role(viewer).values())
    regions = {
        m.region_id
        for m in scope.memberships(viewer)
        if m.role == Role.SUPERVISOR and m.region_id is not None
    }
    shared = Membership.objects.filter(
        Q(organization_id__in=organizations) | Q(region_id__in=regions)
    ).values("user_id")
    return Q(pk=viewer.pk) | Q(pk__in=shared)


# Fields only a superuser may change: a staff user cannot raise anyone (themselves included).
SUPERUSER_FIELDS = ("is_superuser", "groups", "user_permissions")

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    add_form = InitialPasswordCreationForm
    change_password_form = InitialPasswordChangeForm
    inlines = [AccountInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else []  # nothing to show before the user exists

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        viewer = request.user
        if not isinstance(viewer, User) or scope.is_admin(viewer):
            return queryset
        return queryset.filter(visible_users_q(viewer))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not getattr(request.user, "is_superuser", False):
            fields += SUPERUSER_FIELDS
        return fields

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # The user is looked up through get_queryset: outside the viewer's scope it is "not found".
        response = super().user_change_password(request, id, form_url)
        if (
            request.method == "POST"
            and isinstance(response, HttpResponseRedirect)
            and request.user.pk is not None
            and str(request.user.pk) == unquote(id)
        ):
            # One's own password, set in the admin, is not an initial password.
            Account.objects.filter(user_id=request.user.pk).update(must_change_password=False)
        return response
