"""Public pages, the health endpoint, and the error handlers for pages and /api/ alike."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from ninja import Router, Schema

from saas.api import ApiError, error_response, is_api_path, json_response
from saas.background import backend_kind, database_queue_stats, queue_stats

router = Router(tags=["site"])

logger = logging.getLogger(__name__)


@login_not_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/landing.html")


@login_not_required
@require_GET
def privacy_policy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy_policy.html")


@login_not_required
@require_GET
def terms_of_service(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/terms_of_service.html")


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.warning("Health check: the database is unreachable", exc_info=True)
        return False


def _check_database_and_tasks() -> tuple[bool, dict]:
    """Whether the database answers, and the task queue's depth: on the database queue one query tells both."""
    if backend_kind() == "redis":
        return _check_database(), queue_stats()
    try:
        return True, database_queue_stats()
    except Exception:
        logger.warning("Health check: the database is unreachable", exc_info=True)
        return False, {"queued": None, "oldest_seconds": None}


def _check_cache() -> bool:
    try:
        cache.get("health-check")
        return True
    except Exception:
        logger.warning("Health check: the cache is unreachable", exc_info=True)
        return False


class HealthOut(Schema):
    status: str
    timestamp: str
    services: dict[str, object]


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut})
def health(request: HttpRequest):
    """Whether this process reaches its database and its cache: 200 `healthy`, or 503 `unhealthy`."""
    database, tasks = _check_database_and_tasks()
    services: dict[str, object] = {
        "database": "connected" if database else "unreachable",
        "cache": "connected" if _check_cache() else "unreachable",
    }
    healthy = all(state == "connected" for state in services.values())
    services["tasks"] = tasks
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "timestamp": timezone.now().isoformat(),
        "services": services,
    }
    # Answered directly: the load balancer asks often, and the shape is fixed.
    return json_response(body, status=200 if healthy else 503)


@router.api_operation(["HEAD"], "/health", auth=None, include_in_schema=False)
def health_head(request: HttpRequest):
    """HEAD for load balancers that probe with it: the same checks, no body."""
    return health(request)


@login_not_required
@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """A readable page of the OpenAPI description, for signed-in users (Swagger UI, served from here)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "api/docs.html")


@login_not_required
@csrf_exempt
def api_not_found(request: HttpRequest, *args) -> HttpResponse:
    return error_response(request, ApiError("not_found", f"There is no API endpoint at {request.path}."))


# --- Error handlers: JSON under /api/, a page elsewhere. The pages never touch the database. -----

_PAGE_ERRORS = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "You do not have access to this."),
    404: ("not_found", "Nothing is here."),
    500: ("internal_error", "Something went wrong on our side."),
}


def _error(request: HttpRequest, status: int, exception: BaseException | None = None) -> HttpResponse:
    code, message = _PAGE_ERRORS[status]
    if is_api_path(request.path):
        if status == 500:
            message = f"{message} Request id: {getattr(request, 'id', 'unknown')}."
        return error_response(request, ApiError(code, message))
    context = {"request_id": getattr(request, "id", None), "status": status}
    return render(request, f"{status}.html", context, status=status)


@login_not_required
def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _error(request, 400, exception)


@login_not_required
def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _error(request, 403, exception)


@login_not_required
def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _error(request, 404, exception)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_path(request.path):
        return error_response(
            request,
            ApiError("forbidden", "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header."),
        )
    return render(
        request,
        "403_csrf.html",
        {"request_id": getattr(request, "id", None), "status": 403},
        status=403,
    )
