"""Settings pages: profile, security, activity, sessions, API tokens, your data; and the avatar."""

import json
from collections.abc import Iterator

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import registry, selectors, services
from accounts.audit import audit_log
from accounts.avatars import initials_svg
from accounts.forms import ApiTokenForm, DeleteAccountForm, ProfileForm
from accounts.http import AuthenticatedHttpRequest

EXPORT_ROWS_PER_WRITE = 200


@require_http_methods(["GET", "POST"])
def settings_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            services.user_update_profile(
                user=user,
                name=form.cleaned_data["name"],
                avatar_image=form.cleaned_data.get("avatar_image"),
                remove_avatar=form.cleaned_data["remove_avatar"],
                request=request,
            )
            messages.success(request, "Your profile is saved.")
            return redirect("settings")
        status = 400
    else:
        form = ProfileForm(initial={"name": user.name})
        status = 200
    context = {"form": form, "avatar_url": selectors.user_avatar_url(user), "has_own_picture": bool(user.avatar)}
    return render(request, "accounts/settings.html", context, status=status)


@require_GET
def avatar(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The signed-in user's uploaded picture, or their initials drawn as SVG."""
    user = request.user
    response: HttpResponseBase
    if user.avatar and default_storage.exists(user.avatar):
        response = FileResponse(default_storage.open(user.avatar, "rb"), content_type="image/png")
    else:
        svg = initials_svg(name=user.name, email=user.email, seed=str(user.pk))
        response = HttpResponse(svg, content_type="image/svg+xml")
    # The URL carries a version, so the browser may keep it; it is nobody else's business.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_GET
def settings_security(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "overview": selectors.user_security_overview(user=request.user),
        "activity": selectors.user_security_activity(user=request.user),
    }
    return render(request, "accounts/security.html", context)


@require_GET
def settings_activity(request: AuthenticatedHttpRequest) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.user_activity_page(user=request.user, cursor=cursor)
    except selectors.InvalidActivityCursor as error:
        messages.warning(request, str(error))
        cursor, page = None, selectors.user_activity_page(user=request.user)
    return render(request, "accounts/activity.html", {"page": page, "is_first_page": cursor is None})


@require_GET
def settings_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = selectors.user_sessions(user=request.user, current_session_key=request.session.session_key)
    return render(request, "accounts/sessions.html", {"sessions": sessions})


@require_POST
def session_end(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    try:
        services.user_session_end(user=request.user, session_id=session_id, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "That session is signed out.")
    return redirect("settings_sessions")


@require_POST
def sessions_end_others(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.user_sessions_end_others(user=request.user, request=request)
    if count:
        messages.success(request, f"Signed out {count} other session{'s' if count != 1 else ''}.")
    else:
        messages.info(request, "There were no other sessions to sign out.")
    return redirect("settings_sessions")


def _data_page(request: AuthenticatedHttpRequest, form: DeleteAccountForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "deletion_blocks": registry.deletion_blocks(user=request.user)}
    return render(request, "accounts/data.html", context, status=status)


@require_GET
def settings_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _data_page(request, DeleteAccountForm(user=request.user))


def _export_stream(user) -> Iterator[str]:
    """The export as JSON text, written section by section with rows read in batches."""

    def dumps(value) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))

    yield '{"format":"ledgerly-export","version":1,'
    yield f'"exported_at":{dumps(timezone.now())},"profile":{dumps(selectors.export_profile(user=user))}'
    for name, rows in selectors.export_all_sections(user=user):
        yield f",{dumps(name)}:["
        batch: list[str] = []
        separator = ""
        for row in rows:
            batch.append(dumps(row))
            if len(batch) >= EXPORT_ROWS_PER_WRITE:
                yield separator + ",".join(batch)
                separator, batch = ",", []
        if batch:
            yield separator + ",".join(batch)
        yield "]"
    yield "}\n"


@require_POST
def data_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    audit_log(action="data.exported", user=request.user, request=request)
    response = StreamingHttpResponse(_export_stream(request.user), content_type="application/json; charset=utf-8")
    filename = f"ledgerly-export-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@reauthentication_required
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    blocks = registry.deletion_blocks(user=request.user)
    if blocks:
        for block in blocks:
            messages.error(request, block.refusal)
        return redirect("settings_data")
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return _data_page(request, form, status=400)
    services.user_delete(user=request.user, request=request)
    messages.success(request, "Your account and all its data are deleted.")
    return redirect("/")


def _add_model_errors(form: ApiTokenForm, error: ValidationError, renamed: dict[str, str]) -> None:
    """Show a model's ValidationError on the form: under the matching field, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        name = renamed.get(field, field)
        form.add_error(name if name in form.fields else None, ValidationError(errors))


def _tokens_page(
    request: AuthenticatedHttpRequest, form: ApiTokenForm, *, status: int = 200, **created
) -> HttpResponse:
    context = {
        "form": form,
        "listing": selectors.user_api_tokens(user=request.user),
        **created,
    }
    return render(request, "accounts/tokens.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def settings_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's API tokens, and a form to make one (after a fresh password check)."""
    if request.method != "POST":
        return _tokens_page(request, ApiTokenForm())
    # Bad input is answered before asking for the password; allauth replays this POST afterwards.
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form, status=400)
    return _token_create(request, form)


@reauthentication_required
def _token_create(request: AuthenticatedHttpRequest, form: ApiTokenForm) -> HttpResponse:
    try:
        token, raw_token = services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_in_days=form.expires_in_days,
            request=request,
        )
    except ValidationError as error:
        _add_model_errors(form, error, {"expires_at": "expires_in"})
        return _tokens_page(request, form, status=400)
    # Shown on this response only (never_cache: no-store), never put in a redirect, message or session.
    return _tokens_page(request, ApiTokenForm(), status=201, new_token=token, raw_token=raw_token)


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id) -> HttpResponse:
    token = selectors.get_api_token_for_user(user=request.user, token_id=token_id)
    if token.revoked_at is not None:
        messages.info(request, f"“{token.name}” was already revoked.")
    else:
        services.api_token_revoke(user=request.user, token=token, request=request)
        messages.success(request, f"“{token.name}” is revoked: anything still using it now gets 401 Unauthorized.")
    return redirect("settings_tokens")
