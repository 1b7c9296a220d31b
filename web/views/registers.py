"""Import of past case registers and export of the visible cases (issue 6).

Import: /cases/import/<organization>/ for the committee's clerks and director (outsiders 404,
other roles 403). Step one checks the uploaded file and imports nothing (a dry run); the file is
kept aside for this user and step two imports it, all or nothing. The work is registers.importing.

Uploads (SPEC §12): the page's file is limited while it streams (core/uploads.py, purpose
"import"); the kept file lives in the private storage under imports/ (no URL, no token in its
name) and is deleted once used, replaced, or abandoned for a day (registers/tasks.py)."""

from __future__ import annotations

import hashlib
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.storage import private_storage
from core.uploads import limit_for, size_text, upload_purpose
from registers import exporting, importing
from supervision import access_log
from web.forms import CaseFilterForm, Form
from workflows import selectors

# The page runs the services inside the request; a larger register is for `import_cases`.
PAGE_MAX_ROWS = 200
SESSION_KEY = "tiaojie_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(Form):
    file = forms.FileField(
        label=gettext_lazy("案件登记表文件"),
        help_text=gettext_lazy(".xlsx 或 .csv（UTF-8 或 GB18030 编码），第1行为列名"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只能导入 .xlsx 或 .csv 文件。"))
        limit = limit_for("import")
        if upload.size > limit:  # the middleware stops a larger file while it streams
            raise forms.ValidationError(_("文件超过 %(size)s。") % {"size": size_text(limit)})
        return upload


def _organizations(user):
    return [o for o in selectors.organizations_for(user) if importing.may_import(user, o)]


@login_required
def import_start(request):
    """The committee to import into: straight there when the user has one."""
    organizations = _organizations(request.user)
    if not organizations:
        raise PermissionDenied(_("只有调委会的登记员或主任可以导入案件。"))
    if len(organizations) == 1:
        return redirect("cases:import", organization=organizations[0].pk)
    return render(request, "cases/import.html", {"organizations": organizations})


def _stored(request, organization) -> dict | None:
    kept = request.session.get(SESSION_KEY)
    if kept and kept.get("organization") == organization.pk:
        return kept
    return None


def _forget(request) -> None:
    kept = request.session.pop(SESSION_KEY, None)
    if kept:
        private_storage().delete(kept["path"])


@upload_purpose("import")
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, organization: int):
    committee = get_object_or_404(selectors.organizations_for(request.user), pk=organization)
    if not importing.may_import(request.user, committee):
        raise PermissionDenied(_("只有本调委会的登记员或主任可以导入案件。"))
    context = {
        "organization": committee,
        "columns": importing.COLUMNS,
        "max_rows": PAGE_MAX_ROWS,
        "form": UploadForm(),
    }
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, committee, context)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            result = _run(data, upload.name, committee, request.user, dry_run=True)
            access_log.record(
                request.user,
                kind=access_log.Kind.IMPORT_UPLOAD,
                ip=request.META.get("REMOTE_ADDR"),
                cases_count=result.rows,
                detail=f"{committee.short_code}：{upload.name}",
            )
            context.update(result=result, filename=upload.name)
            _forget(request)
            if result.ok:
                suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
                path = private_storage().save(
                    _kept_name(request.user, committee, suffix), ContentFile(data)
                )
                request.session[SESSION_KEY] = {
                    "organization": committee.pk,
                    "path": path,
                    "name": upload.name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
    return render(request, "cases/import.html", context)


def _kept_name(user, organization, suffix: str) -> str:
    """imports/<user>-<committee>-<time><suffix>: who and when, nothing secret (the storage adds
    a suffix if two uploads meet in the same second)."""
    return f"imports/u{user.pk}-o{organization.pk}-{timezone.now():%Y%m%d%H%M%S}{suffix}"


def _run(data, name, organization, user, *, dry_run):
    return importing.import_cases(
        data,
        filename=name,
        organization=organization,
        actor=user,
        dry_run=dry_run,
        max_rows=PAGE_MAX_ROWS,
    )


def _confirm(request, organization, context):
    kept = _stored(request, organization)
    if kept is None:
        messages.error(request, _("没有待确认的文件，请重新上传并检查。"))
        return redirect("cases:import", organization=organization.pk)
    storage = private_storage()
    if not storage.exists(kept["path"]):  # abandoned for a day and cleaned up (registers/tasks.py)
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("待确认的文件已过期（超过 24 小时未确认），请重新上传并检查。"))
        return redirect("cases:import", organization=organization.pk)
    with storage.open(kept["path"], "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != kept["sha256"]:
        _forget(request)
        messages.error(request, _("待导入的文件已变化，请重新上传并检查。"))
        return redirect("cases:import", organization=organization.pk)
    result = _run(data, kept["name"], organization, request.user, dry_run=False)
    _forget(request)
    if result.ok:
        messages.success(
            request,
            _("已导入 %(n)d 件历史案件（%(name)s）。")
            % {"n": result.imported, "name": kept["name"]},
        )
        return redirect("cases:import", organization=organization.pk)
    context.update(result=result, filename=kept["name"])
    return render(request, "cases/import.html", context)


@login_required
def import_template(request):
    response = HttpResponse(importing.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''cases-register-template.xlsx"
    return response


# --- export -------------------------------------------------------------------------------
@login_required
def export_xlsx(request):
    """The case list's filters (the same form and selector as the list page), as .xlsx."""
    form = CaseFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        problems = "；".join(f"{form[k].label}：{' '.join(v)}" for k, v in form.errors.items())
        return HttpResponseBadRequest(
            _("筛选条件有误：%(problems)s") % {"problems": problems},
            content_type="text/plain; charset=utf-8",
        )
    cases = selectors.filter_cases(selectors.cases_for(request.user), request.user, form.filters())
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    exporting.write_cases(cases, request.user, out)
    access_log.record(
        request.user,
        kind=access_log.Kind.EXPORT,
        ip=request.META.get("REMOTE_ADDR"),
        cases_count=access_log.personal_count(request.user, cases),
        detail=request.GET.urlencode(),
    )
    out.seek(0)
    name = f"cases-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
