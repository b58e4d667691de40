"""The JSON API's error type and the one decorator every JSON view goes through.

Errors have one shape on every path under /api/:
    {"error": "<code>", "message": "<text>", "fields": {...}?, "details": ...?}
`fields` only for validation errors, `details` only when DEBUG is true.
"""

import functools
import json
import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

STATUS_BY_CODE: dict[str, int] = {
    "bad_request": 400,
    "validation_error": 400,
    "unauthorized": 401,
    "subscription_required": 402,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "too_large": 413,
    "rate_limited": 429,
    "internal_error": 500,
    "unavailable": 503,
}


class ApiError(Exception):
    """An error answer of the JSON API; raise it from any JSON view or the services it calls."""

    def __init__(self, code: str, message: str, *, fields: dict[str, list[str]] | None = None, details: Any = None):
        if code not in STATUS_BY_CODE:
            raise ValueError(f"Unknown API error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        self.details = details

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> "ApiError":
        """A Django ValidationError as a 400 with per-field messages (`__all__` for non-field ones)."""
        if hasattr(error, "error_dict"):
            fields = {name: [str(m) for e in errors for m in e.messages] for name, errors in error.error_dict.items()}
        else:
            fields = {"__all__": [str(m) for m in error.messages]}
        return cls("validation_error", "Some fields are not valid: see `fields`.", fields=fields)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def json_response(data: Any, *, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"separators": (",", ":")})


def error_response(
    request: HttpRequest | None, error: ApiError, *, exception: BaseException | None = None
) -> JsonResponse:
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    if settings.DEBUG:
        details = error.details
        if exception is not None:
            details = {"exception": repr(exception), "traceback": traceback.format_exception(exception)}
        if details is not None:
            body["details"] = details
    response = json_response(body, status=error.status)
    if error.code == "method_not_allowed" and isinstance(error.details, Iterable):
        response["Allow"] = ", ".join(error.details)
    return response


def _parse_json_body(request: HttpRequest, max_bytes: int) -> Any:
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        declared = int(length)
    except ValueError:
        raise ApiError("bad_request", "The Content-Length header is not a number.") from None
    if declared > max_bytes:
        raise ApiError("too_large", f"The request body is larger than {max_bytes} bytes.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError("too_large", f"The request body is larger than {max_bytes} bytes.") from None
    if len(raw) > max_bytes:
        raise ApiError("too_large", f"The request body is larger than {max_bytes} bytes.")
    if not raw.strip():
        return {}
    content_type = request.content_type or ""
    if content_type and content_type != "application/json":
        raise ApiError("bad_request", "Send the body as JSON with Content-Type: application/json.")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError("bad_request", f"The body is not valid JSON: {exc}.") from None


def api_view(
    methods: Iterable[str],
    *,
    public: bool = False,
    max_body_bytes: int | None = None,
) -> Callable:
    """Make a function a JSON API view.

    Allowed `methods` (405 otherwise), sign-in required unless `public` (401), a JSON body parsed into
    `request.data` for POST/PUT/PATCH (400 on malformed JSON, 413 past `max_body_bytes`), and every
    ApiError or ValidationError raised inside turned into its JSON answer. The view returns a dict
    (200) or a `(dict, status)` pair, or any HttpResponse.
    """
    allowed = tuple(m.upper() for m in methods)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in allowed:
                    raise ApiError(
                        "method_not_allowed",
                        f"{request.method} is not allowed here; use {', '.join(allowed)}.",
                        details=allowed,
                    )
                if not public and not request.user.is_authenticated:
                    raise ApiError("unauthorized", "Sign in to use the API.")
                request.data = {}
                if request.method in {"POST", "PUT", "PATCH"}:
                    request.data = _parse_json_body(request, max_body_bytes or settings.API_MAX_BODY_BYTES)
                result = view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(request, error)
            except ValidationError as error:
                return error_response(request, ApiError.from_validation_error(error))
            if isinstance(result, HttpResponse):
                return result
            if isinstance(result, tuple):
                data, status = result
                return json_response(data, status=status)
            return json_response(result)

        if set(allowed) <= SAFE_METHODS:
            # Nothing to forge: a read-only view answers 405 to a POST instead of a CSRF failure.
            wrapper = csrf_exempt(wrapper)
        return login_not_required(wrapper) if public else wrapper

    return decorator


def require_object(data: Any) -> dict[str, Any]:
    """The parsed body must be a JSON object."""
    if not isinstance(data, dict):
        raise ApiError("bad_request", "The body must be a JSON object.")
    return data


def parse_limit(request: HttpRequest, *, default: int = 50, maximum: int = 100) -> int:
    raw = request.GET.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ApiError(
            "validation_error", "Invalid query.", fields={"limit": [f"Use a whole number from 1 to {maximum}."]}
        )
    return value
