"""Request ids and access log, deny-by-default sign-in, JSON errors under /api/, and the CSP header."""

import functools
import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csp import ContentSecurityPolicyMiddleware as DjangoCSPMiddleware
from django.middleware.csp import get_nonce
from django.utils.csp import CSP, build_policy
from django.utils.functional import empty

from saas.api import ApiError, error_response, is_api_path, method_not_allowed
from saas.http import RequestWithId
from saas.logging import request_id_var
from saas.redaction import redact_path

access_log = logging.getLogger("saas.access")
logger = logging.getLogger(__name__)

# An incoming X-Request-ID is reused only when it looks like an id, so nothing odd reaches logs.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def _loaded_user_id(request: HttpRequest) -> str | None:
    """The signed-in user's id when something already loaded the user: logging must not cost a query."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", empty) is empty or not user.is_authenticated:
        return None
    return str(user.pk)


class RequestIdMiddleware:
    """Gives every request an id (X-Request-ID when sane), echoes it and writes one access log line; keeps
    every answer to a signed-in user out of browser and proxy caches (`Cache-Control: no-store`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: RequestWithId) -> HttpResponse:  # a RequestWithId from the next line on
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            user_id = _loaded_user_id(request)
            if user_id is not None and not response.has_header("Cache-Control"):
                response["Cache-Control"] = "no-store"
            path = redact_path(request.path)
            access_log.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": user_id,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's deny-by-default sign-in, with 401 JSON instead of a redirect under /api/."""

    def handle_no_permission(self, request, view_func):
        if is_api_path(request.path):
            return error_response(request, ApiError("unauthorized", "Sign in to use the API."))
        return super().handle_no_permission(request, view_func)


def signed_in_goes_to_dashboard(view):
    """The seed's rule, for the sign-in and sign-up pages: a signed-in user who opens one goes to the
    dashboard. A decorator on those two views rather than a middleware every request would pass through."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET" and request.user.is_authenticated:
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL)
        return view(request, *args, **kwargs)

    return wrapper


class ContentSecurityPolicyMiddleware(DjangoCSPMiddleware):
    """Django's CSP middleware, building the policy once for every answer that used no nonce (JSON, most
    redirects): the header is the same string each time, and building it cost more than the rest of a
    health check's headers together."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        nonce = get_nonce(request)
        if (
            not nonce  # a LazyNonce nobody read is falsy
            and CSP.HEADER_ENFORCE not in response
            and getattr(response, "_csp_config", None) is None
            and getattr(response, "_csp_ro_config", None) is None
            and not settings.SECURE_CSP_REPORT_ONLY
        ):
            response.headers[str(CSP.HEADER_ENFORCE)] = _policy_without_nonce(id(settings.SECURE_CSP))
            return response
        return super().process_response(request, response)


@functools.lru_cache(maxsize=4)
def _policy_without_nonce(config_id: int) -> str:
    # Keyed by the config's identity, so a test that overrides SECURE_CSP gets its own policy.
    return build_policy(settings.SECURE_CSP, None)


class ApiExceptionMiddleware:
    """Under /api/: every answer is `Cache-Control: no-store`, a 405 is the JSON envelope (with `Allow`), and an
    exception that escaped a view is a JSON 500 with the request id, in DEBUG too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api_path(request.path):
            if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
                allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
                response = method_not_allowed(request, allowed)
            response["Cache-Control"] = "no-store"
        return response

    def process_exception(self, request: RequestWithId, exception: Exception):
        if not is_api_path(request.path):
            return None
        if isinstance(exception, ApiError):
            return error_response(request, exception)
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return error_response(
            request,
            ApiError("internal_error", f"Something went wrong on our side. Request id: {request.id}."),
            exception=exception,
        )
