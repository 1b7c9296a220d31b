"""Home page and the case pages (SPEC §8). Every change goes through workflows.services;
these views parse input, call it, and turn its domain errors into messages."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import party_view, scope
from cases.choices import Outcome, RiskFactor, RiskLevel, Status
from cases.models import Case, Organization, display_name
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from documents import access
from documents import services as document_services
from documents.completeness import completeness, current_records
from documents.models import Document
from supervision import access_log
from web import actions
from web.downloads import content_disposition, document_names
from web.forms import CaseFilterForm, PartyFormSet, RegisterForm
from workflows import deadlines, flows, selectors, services
from workflows.asof import case_as_of
from workflows.paging import CountingPaginator
from workflows.services import judicial


# --- case pages ---------------------------------------------------------------------------
def _case_or_404(request, pk: int) -> Case:
    """The scope rule first: a case outside it does not exist for this user."""
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "organization", "region", "dispute_type"
        ),
        pk=pk,
    )


def _posted_version(request, default):
    """The case version the submitted form was made from (its hidden `version`), or `default`."""
    posted = request.POST.get("version", "")
    return int(posted) if posted.isdigit() else default


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _apply_domain_error(form, exc: DomainError) -> None:
    """A service's refusal becomes a form error the user can read and act on."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, ServicePermissionDenied):
        raise DjangoPermissionDenied(exc.message)
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(target, str(error))
    if exc.missing:
        form.add_error(None, _("尚不能办理，缺少：") + "；".join(exc.missing))
    elif not exc.fields:
        form.add_error(None, exc.message)


@login_required
def case_list(request):
    form = CaseFilterForm(request.GET or None, user=request.user)
    cases = selectors.cases_for(request.user)
    shortcuts: dict = {}
    invalid = form.is_bound and not form.is_valid()
    filters: dict = {}
    if form.is_bound and not invalid:
        shortcuts = selectors.list_shortcuts(request.GET)  # what the home cards link to
        filters = form.filters() | shortcuts
        cases = selectors.filter_cases(cases, request.user, filters)
    elif invalid:
        cases = cases.none()
    # the count from the case tallies where they hold the filters; None: the rows are counted
    known = 0 if invalid else selectors.tally_count(request.user, filters)
    paginator = CountingPaginator(cases.order_by("-registered_at", "-pk"), 20, known_count=known)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            # The home cards' shortcuts are not fields of the form: say which apply, and keep
            # them when the form refines the list.
            "shortcuts": [
                (name, request.GET[name], SHORTCUT_LABELS[name])
                for name in shortcuts
                if name in SHORTCUT_LABELS
            ],
        },
    )


SHORTCUT_LABELS = {
    "risk_min": gettext_lazy("风险为高或重大"),
    "open": gettext_lazy("在办"),
    "mine": gettext_lazy("我承办的"),
    "due": gettext_lazy("即将到期"),
}


@login_required
def case_detail(request, pk: int):
    case = _case_or_404(request, pk)
    user = request.user
    personal = scope.sees_personal_data(user, case)
    as_of, as_of_state, as_of_error = None, None, ""
    if request.GET.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(request.GET["as_of"])
        except ValueError:
            as_of_error = _("日期格式应为 YYYY-MM-DD。")
        else:
            moment = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
            as_of_state = case_as_of(case, moment)
            if as_of_state is not None:
                as_of_state = _describe_state(as_of_state)
    parties = [{"party": p, **party_view.view(user, p, full=personal)} for p in case.parties.all()]
    documents = list(Document.objects.filter(case=case).order_by("code", "slot", "version"))
    task = flows.open_task(case)
    records = current_records(case)  # read once: the dossier's check and the page's lists
    prefetch_related_objects(records.investigations, "photos")
    context = {
        "case": case,
        "parties": parties,
        "personal": personal,
        "mediators": [display_name(u) for u in case.mediators.all()],
        "risk_reasons": [
            {
                **r,
                "label": RiskFactor(r["factor"]).label
                if r.get("factor") in RiskFactor.values
                else r.get("label"),
            }
            for r in case.risk_reasons
        ],
        "deadline_state": deadlines.deadline_state(case),
        "actions": actions.available(case, user),
        "events": [
            {
                "event": e,
                "label": selectors.event_label(e.name),
                "from": _status_label(e.from_status),
                "to": _status_label(e.to_status),
            }
            for e in case.events.select_related("actor").order_by("-at", "-id")
        ],
        "documents": documents,
        "can_download": personal,
        "can_retry": access.may_retry(user, case),
        "completeness": completeness(case, records, documents),
        "records": {
            "investigations": records.investigations,
            "agreement_photos": case.photos.filter(kind="agreement"),
            "photo_count": case.photos.count(),
            "sessions": records.sessions,
            "agreement": records.agreement,
            "follow_ups": records.follow_ups,
            "extensions": records.extensions,
            "notices": records.notices,
            # 司法确认: each application and the court's answer; why a new one cannot be made
            "judicial": case.judicialconfirmations.select_related("agreement").order_by("id"),
            "judicial_why_not": judicial.apply_refusal(case)
            if case.outcome == Outcome.AGREEMENT_WRITTEN
            else "",
        },
        "task": task,
        "task_title": flows.NODE_TITLES.get(flows.node_name(task)) if task else "",
        "as_of": as_of,
        "as_of_state": as_of_state,
        "as_of_error": as_of_error,
    }
    access_log.record(user, kind=access_log.Kind.CASE_PAGE, ip=_client_ip(request), case=case)
    return render(request, "cases/detail.html", context)


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _describe_state(state: dict) -> dict:
    users = get_user_model().objects.filter(pk__in=state.get("mediators") or [])
    org = Organization.objects.filter(pk=state.get("organization") or 0).first()
    return {
        "status": Status(state["status"]).label if state.get("status") else "",
        "outcome": Outcome(state["outcome"]).label if state.get("outcome") else "",
        "organization": org.name if org else "",
        "mediators": "、".join(display_name(u) for u in users),
        "risk": RiskLevel(state["risk_level"]).label if state.get("risk_level") else "",
        "risk_score": state.get("risk_score"),
        "deadline": state.get("deadline") or "",
    }


@login_required
def case_register(request):
    user = request.user
    form = RegisterForm(request.POST or None, user=user)
    parties = PartyFormSet(
        request.POST or None,
        prefix="parties",
        initial=None
        if request.method == "POST"
        else [{"role": "applicant"}, {"role": "respondent"}],
    )
    if not form.fields["organization"].queryset.exists():
        raise DjangoPermissionDenied(_("只有登记员或调委会主任可以登记案件。"))
    if request.method == "POST" and form.is_valid() & parties.is_valid():
        data = dict(form.cleaned_data)
        data["parties"] = [
            {k: v for k, v in f.cleaned_data.items() if v not in ("", None)}
            for f in parties.forms
            if f.cleaned_data
        ]
        data["confirm_duplicate"] = bool(data.get("confirm_duplicate"))  # False: ask first
        try:
            case = services.case_register(actor=user, ip=_client_ip(request), **data)
        except services.DuplicateRegistration as exc:
            form.ask_duplicate(exc.message)
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, _("案件已登记：%(number)s") % {"number": case.number})
            for notice in (n for f in parties.forms if f.cleaned_data for n in f.notices()):
                messages.warning(request, notice)
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/register.html", {"form": form, "parties": parties})


@login_required
def case_act(request, pk: int, name: str):
    case = _case_or_404(request, pk)
    action = actions.ACTIONS.get(name)
    if action is None:
        raise Http404
    # Opening the form needs the action to be available now; a submitted form goes to the
    # service, which decides (so a form made stale by someone else says why, not just 403).
    if request.method != "POST" and action not in actions.available(case, request.user):
        raise DjangoPermissionDenied(
            _("您不能对本案办理“%(action)s”（角色或案件状态不符）。") % {"action": action.label}
        )
    form = action.form(request.POST or None, request.FILES or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        case.version = _posted_version(request, case.version)
        try:
            action.run(case, request.user, _client_ip(request), dict(form.cleaned_data))
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, _("已办理：%(action)s") % {"action": action.label})
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/act.html",
        {"case": case, "action": action, "form": form, "offline": name in actions.OFFLINE},
    )


# --- documents ----------------------------------------------------------------------------
@login_required
def document_download(request, pk: int):
    try:
        doc = access.downloadable(request.user, pk)
    except NotFound:
        raise Http404 from None
    except ServicePermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        owner = Document.objects.values("case_id", "lead_id").get(pk=pk)
        if owner["case_id"] is None:  # a lead's own document (its FBK): back to the lead
            return redirect("screening:lead", owner["lead_id"])
        return redirect("cases:detail", pk=owner["case_id"])
    access_log.record(
        request.user,
        kind=access_log.Kind.PDF_DOWNLOAD,
        ip=_client_ip(request),
        case=doc.case,
        detail=str(doc),
    )
    response = FileResponse(doc.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(*document_names(doc))
    return response


@login_required
def photo(request, pk: int, thumb: bool = False):
    """An evidence photo (documents.access.viewable_photo); opening the full picture is a read
    of personal data and is recorded, the thumbnails on the case page are not again."""
    try:
        item = access.viewable_photo(request.user, pk)
    except NotFound:
        raise Http404 from None
    except ServicePermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    if not thumb:
        access_log.record(
            request.user,
            kind=access_log.Kind.PHOTO,
            ip=_client_ip(request),
            case=item.case,
            detail=f"{item.get_kind_display()} {item.sha256[:12]}",
        )
    stored = item.thumbnail if thumb else item.file
    content_type = "image/jpeg" if thumb else item.content_type
    return FileResponse(stored.open("rb"), content_type=content_type)


@login_required
@require_POST
def document_retry(request, pk: int):
    doc = get_object_or_404(
        Document.objects.filter(case__in=Case.objects.visible_to(request.user).values("pk")), pk=pk
    )
    try:
        document_services.document_retry(doc, actor=request.user)
    except ServicePermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新生成：%(title)s") % {"title": doc.title})
    return redirect("cases:detail", pk=doc.case_id)
