"""Importing bank files: upload (or try a sample), map a CSV's columns, preview, commit, undo; the history.

Every import comes through `get_import_for_user` (someone else's is a 404). Reading and committing run as
background tasks; while one runs, the page shows its progress and static/js/imports.js follows it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from banking import demo_samples, selectors, services
from banking.forms import apply_service_errors
from banking.forms_imports import ImportMappingForm, ImportUploadForm
from banking.importers.uploads import is_too_large
from banking.models import Import, ImportRow
from banking.pagination import InvalidCursor
from banking.services.imports import max_size_text

ROWS_PER_PAGE = 50
HISTORY_SIZE = 50


def _active_accounts(user):
    return [a for a in selectors.bank_account_list(user=user) if a.is_active]


@require_http_methods(["GET", "HEAD", "POST"])
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = _active_accounts(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, accounts=accounts)
    status = 200
    if request.method == "POST":
        status = 400
        if is_too_large(request):
            form.add_error("file", f"The file is larger than {max_size_text()}: export a shorter period.")
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imp = services.import_create(
                    user=request.user,
                    bank_account=form.cleaned_data["bank_account"],
                    upload=upload,
                    filename=upload.name,
                    request=request,
                )
            except services.ImportTooLarge as error:
                form.add_error("file", str(error))
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect("banking:import_detail", id=imp.pk)
    try:
        page = selectors.import_page(user=request.user, cursor=request.GET.get("cursor") or None, limit=HISTORY_SIZE)
    except InvalidCursor:
        page = selectors.import_page(user=request.user, limit=HISTORY_SIZE)
    return render(
        request,
        "banking/imports.html",
        {
            "form": form,
            "accounts": accounts,
            "page": page,
            "samples": demo_samples.sample_files(user=request.user),
            "max_size": max_size_text(),
        },
        status=status,
    )


@require_POST
def import_sample(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Import one of the sample files seed_demo left for this user, into the account it was made for."""
    sample = demo_samples.sample_file(user=request.user, name=request.POST.get("name", ""))
    if sample is None:
        raise Http404("No such sample file.")
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=sample.bank_account_id)
    with sample.open() as upload:
        imp = services.import_create(
            user=request.user, bank_account=account, upload=upload, filename=sample.name, request=request
        )
    return redirect("banking:import_detail", id=imp.pk)


def _mapping_form(imp: Import, data=None) -> ImportMappingForm:
    inspection = imp.inspection or {}
    initial = dict(imp.mapping if imp.mapping_confirmed else inspection.get("guessed") or {})
    return ImportMappingForm(data, columns=inspection.get("columns") or [], initial=initial)


@require_http_methods(["GET", "HEAD"])
def import_detail(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    imp = selectors.get_import_for_user(user=request.user, import_id=id)
    context: dict = {"imp": imp, "statuses": ImportRow.Status}
    if imp.status == Import.Status.NEEDS_MAPPING and imp.format == Import.Format.CSV:
        context["mapping_form"] = _mapping_form(imp)
    if imp.status in (Import.Status.READY, Import.Status.COMPLETED, Import.Status.UNDONE, Import.Status.IMPORTING):
        status = request.GET.get("status") or None
        if status not in (None, *ImportRow.Status.values):
            status = None
        try:
            page = selectors.import_row_page(
                imp=imp, status=status, cursor=request.GET.get("cursor"), limit=ROWS_PER_PAGE
            )
        except InvalidCursor:
            page = selectors.import_row_page(imp=imp, status=status, limit=ROWS_PER_PAGE)
        duplicates = selectors.duplicates_of(user=request.user, rows=page.items)
        for row in page.items:
            row.duplicate = duplicates.get(row.duplicate_of)
        context |= {"rows": page, "status_filter": status}
    return render(request, "banking/import_detail.html", context)


@require_POST
def import_mapping(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    imp = selectors.get_import_for_user(user=request.user, import_id=id)
    if imp.format == Import.Format.CSV:
        form = _mapping_form(imp, request.POST)
        mapping = form.mapping() if form.is_valid() else None
    else:
        form, mapping = None, {"statement": _int(request.POST.get("statement"))}
    if mapping is not None:
        try:
            services.import_set_mapping(user=request.user, imp=imp, mapping=mapping, request=request)
        except services.ImportConflict as error:
            messages.error(request, str(error))
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                apply_service_errors(form, error)
                return render(request, "banking/import_detail.html", {"imp": imp, "mapping_form": form}, status=400)
        else:
            return redirect("banking:import_detail", id=imp.pk)
    if form is not None and form.errors:
        return render(request, "banking/import_detail.html", {"imp": imp, "mapping_form": form}, status=400)
    return redirect("banking:import_detail", id=imp.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@require_POST
def import_row_flip(request: AuthenticatedHttpRequest, id, row: int) -> HttpResponse:
    imp = selectors.get_import_for_user(user=request.user, import_id=id)
    try:
        services.import_row_flip(user=request.user, imp=imp, row=row, to_new=request.POST.get("to") == "new")
    except (services.ImportConflict, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(f"/dashboard/imports/{imp.pk}/") else f"/dashboard/imports/{imp.pk}/")


@require_POST
def import_commit(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    imp = selectors.get_import_for_user(user=request.user, import_id=id)
    try:
        services.import_commit(user=request.user, imp=imp, request=request)
    except (services.ImportConflict, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("banking:import_detail", id=imp.pk)


@require_POST
def import_undo(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    imp = selectors.get_import_for_user(user=request.user, import_id=id)
    try:
        removed = services.import_undo(
            user=request.user, imp=imp, force=request.POST.get("force") == "1", request=request
        )
    except services.ImportConflict as error:
        messages.warning(request, str(error))
        return render(request, "banking/import_detail.html", {"imp": imp, "undo_conflict": str(error)}, status=409)
    messages.success(request, f"Import undone: {removed} transaction{'s' if removed != 1 else ''} removed.")
    return redirect("banking:import_detail", id=imp.pk)
