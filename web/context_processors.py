"""What the navigation bar needs on every page: a few cheap lookups, memoised per request."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from cases import scope
from cases.choices import Role


def nav(request):
    user = request.user

    def build():
        if not user.is_authenticated:
            return {}
        from workflows.notify import unread_count

        roles = {m.role for m in scope.memberships(user)}
        admin = scope.is_admin(user)
        return {
            "can_register": admin or bool(roles & {Role.CLERK, Role.DIRECTOR}),
            "can_supervise": admin or bool(roles & {Role.SUPERVISOR, Role.DIRECTOR, Role.CLERK}),
            "unread": unread_count(user),
            # the mediator register and 以案定补 (SPEC §15): committees and supervisors
            "can_county": admin
            or bool(roles & {Role.DIRECTOR, Role.MEDIATOR, Role.CLERK, Role.SUPERVISOR}),
            # 排查 (SPEC §13): grid workers see their leads only, no case page
            "can_screen": admin or bool(roles & {*Role} - {Role.ADMIN}),
            "grid_only": roles == {Role.GRID_WORKER} and not admin,
        }

    return {"nav": SimpleLazyObject(build)}
