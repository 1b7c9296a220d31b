"""Admin pieces every app's admin uses."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.contrib import admin
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, ManyToManyField, Model, Q, QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import HttpRequest

from core.acting import acting

M = TypeVar("M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    """Visible to admins, never added, changed or deleted here: the rows are written by the
    services (cases, records, the append-only event log)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


class ScopedAdmin(admin.ModelAdmin[M]):
    """The admin honours the user's scope (SPEC §12): the list, the change, history and delete
    pages, the bulk actions and the list filters see only the rows `scope_rule(user)` allows
    (another row's page answers as Django does for a missing object: back to the index with
    "does not exist"); the choices of every foreign key and many-to-many field are those the
    related model's own ScopedAdmin shows; a save whose result would fall outside the scope is
    refused (403, nothing written). Every save and delete runs under `core.acting` so the
    audit signals know who acted.

    `scope_rule` is a function of the user, given as `staticmethod(fn)`; it returns Q() for
    whom nothing is hidden (system administrators)."""

    scope_rule: ClassVar[staticmethod[[Any], Q] | None] = None

    def scope_q(self, request: HttpRequest) -> Q:
        rule = type(self).scope_rule
        if rule is None:  # refused by `check` as well; never show everything by mistake
            return Q(pk__in=[])
        return rule(request.user)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if type(self).scope_rule is None:
            errors.append(
                checks.Error(
                    f"{type(self).__name__} has no scope_rule.",
                    obj=type(self),
                    id="tiaojie.E001",
                )
            )
        return errors

    def get_queryset(self, request: HttpRequest) -> QuerySet[M]:
        return super().get_queryset(request).filter(self.scope_q(request))

    def _related_queryset(self, model: type[Model], request: HttpRequest) -> QuerySet[Any] | None:
        related = self.admin_site._registry.get(model)
        if isinstance(related, ScopedAdmin):
            return related.get_queryset(request)
        return None

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if "queryset" not in kwargs:
            queryset = self._related_queryset(db_field.remote_field.model, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        if "queryset" not in kwargs:
            queryset = self._related_queryset(db_field.remote_field.model, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request: HttpRequest) -> Any:
        """A filter on a relation lists every row of the related table (every committee's
        name); under a scope it lists only those the visible rows use."""
        filters = list(super().get_list_filter(request))
        if not self.scope_q(request):
            return filters
        result: list[Any] = []
        for item in filters:
            if isinstance(item, str) and self._is_relation(item):
                result.append((item, admin.RelatedOnlyFieldListFilter))
            else:
                result.append(item)
        return result

    def _is_relation(self, name: str) -> bool:
        if "__" in name:
            return True
        try:
            return bool(self.model._meta.get_field(name).is_relation)
        except Exception:  # noqa: BLE001 - a callable or an unknown name: left as it is
            return False

    # --- writes: who acted, and nothing saved outside the scope --------------------------
    def _acting(self, request: HttpRequest) -> Any:
        return acting(request.user, source="admin", ip=request.META.get("REMOTE_ADDR"))

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        with self._acting(request):
            super().save_model(request, obj, form, change)
            if not self.get_queryset(request).filter(pk=obj.pk).exists():
                # inside the admin's transaction: raising rolls the save back
                raise PermissionDenied("只能保存您管辖范围内的记录。")

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        with self._acting(request):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[M]) -> None:
        with self._acting(request):
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with self._acting(request):
            super().save_formset(request, form, formset, change)
