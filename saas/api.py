"""The JSON API: the django-ninja API object, how requests authenticate, and the one error envelope.

Every answer under /api/ that is an error has one shape, whatever raised it:
    {"error": "<code>", "message": "<text>", "fields": {...}?, "details": ...?}
`fields` only for validation errors, `details` only when DEBUG is true. Each app adds its router in
saas/urls.py; input schemas parse, services decide, and anything they raise is turned into that shape here.
"""

import json
import logging
import traceback
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern
from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

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
CODE_BY_STATUS = {status: code for code, status in STATUS_BY_CODE.items() if code != "validation_error"}
INVALID = "Some fields are not valid: see `fields`."
CSRF_MESSAGE = "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header."


class ApiError(Exception):
    """An error answer of the JSON API; raise it from any API view or the code it calls."""

    def __init__(self, code: str, message: str, *, fields: dict[str, list[str]] | None = None, details: Any = None):
        if code not in STATUS_BY_CODE:
            raise ValueError(f"Unknown API error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        self.details = details
        self.headers: dict[str, str] = {}

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
        return cls("validation_error", INVALID, fields=fields)


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
    for name, value in error.headers.items():
        response[name] = value
    return response


def method_not_allowed(request: HttpRequest, allowed: Iterable[str]) -> JsonResponse:
    allowed = sorted(allowed)
    return error_response(
        request,
        ApiError(
            "method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}.", details=allowed
        ),
    )


# --- Parsing --------------------------------------------------------------------------------------


class JsonBodyParser(Parser):
    """A JSON object, at most API_MAX_BODY_BYTES, or a 400/413 saying what is wrong with it."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        limit = settings.API_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ApiError("bad_request", "The Content-Length header is not a number.") from None
        if declared > limit or len(request.body) > limit:
            raise ApiError("too_large", f"The request body is larger than {limit} bytes.")
        if request.content_type and request.content_type != "application/json":
            raise ApiError("bad_request", "Send the body as JSON with Content-Type: application/json.")
        try:
            data = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError("bad_request", f"The body is not valid JSON: {exc}.") from None
        except RecursionError:
            raise ApiError("bad_request", "The body is nested too deeply: send a flat JSON object.") from None
        if not isinstance(data, dict):
            raise ApiError("bad_request", "The body must be a JSON object.")
        return data


class CompactJSONRenderer(JSONRenderer):
    json_dumps_params = {"separators": (",", ":")}


# --- Authentication -------------------------------------------------------------------------------


class SessionAuth(APIKeyCookie):
    """The browser's session cookie; a POST, PATCH or DELETE also needs Django's CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError("forbidden", CSRF_MESSAGE)
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - __call__ decides
        return None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <personal API token>`: no CSRF token, since no browser sends it by itself.

    The token itself is checked by settings.API_TOKEN_AUTHENTICATOR (accounts.tokens), which raises what the
    answer should be (401, 403 for a read-only token on a write, 429). The header is never logged.
    """

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        authenticator = getattr(settings, "API_TOKEN_AUTHENTICATOR", "")
        if not authenticator:
            raise ApiError("unauthorized", "API tokens are not accepted on this site: sign in instead.")
        api_token = import_string(authenticator)(token, method=request.method)
        request.user = api_token.user
        return api_token


# --- Errors ---------------------------------------------------------------------------------------

# What a person should do about each kind of parse error pydantic reports.
_PARSE_MESSAGES = {
    "missing": "This field is required.",
    "string_type": "Send this as text (a JSON string).",
    "int_type": "Send a whole number (a JSON integer, e.g. 1250).",
    "int_parsing": "Send a whole number (a JSON integer, e.g. 1250).",
    "int_from_float": "Send a whole number (a JSON integer, e.g. 1250).",
    "bool_type": "Send true or false.",
    "bool_parsing": "Send true or false.",
    "uuid_type": "Send an id (a UUID such as 0b1c0e7e-3f4a-4d2b-9a51-2f8c6d1e9a10).",
    "uuid_parsing": "Send an id (a UUID such as 0b1c0e7e-3f4a-4d2b-9a51-2f8c6d1e9a10).",
    "list_type": "Send a list (a JSON array).",
    "dict_type": "Send an object (a JSON object).",
    "model_type": "Send an object (a JSON object).",
    "extra_forbidden": "This field cannot be changed.",
    "date_type": "Enter a real date as YYYY-MM-DD (for example 2025-03-31).",
    "date_parsing": "Enter a real date as YYYY-MM-DD (for example 2025-03-31).",
    "date_from_datetime_parsing": "Enter a real date as YYYY-MM-DD (for example 2025-03-31).",
}


def _parse_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _PARSE_MESSAGES:
        return _PARSE_MESSAGES[kind]
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"Choose one of: {expected}."
    if kind == "greater_than_equal":
        return f"Use a whole number of at least {ctx.get('ge')}."
    if kind == "less_than_equal":
        return f"Use a whole number of at most {ctx.get('le')}."
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", "This value is not valid."))


def _schema_error(error: SchemaValidationError) -> ApiError:
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        # loc is ("body", "<parameter>", "<field>", ...) or ("query", "<field>") or ("path", "<field>").
        loc = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
        names = loc[2:] if loc[:1] == ["body"] else loc[1:]
        name = names[0] if names else "__all__"
        message = _parse_message(item)
        if loc[:1] == ["body"] and len(loc) <= 2 and item.get("type") == "missing":
            raise ApiError("bad_request", "The body is empty: send a JSON object.")
        messages = fields.setdefault(name, [])
        if message not in messages:
            messages.append(message)
    return ApiError("validation_error", INVALID, fields=fields)


def _http_error(error: HttpError) -> ApiError:
    cause = error.__cause__
    if isinstance(cause, ApiError):  # raised by JsonBodyParser, wrapped by ninja
        return cause
    if isinstance(cause, RequestDataTooBig):
        return ApiError("too_large", "The request body is too large.")
    if isinstance(error, AuthenticationError):
        return ApiError("unauthorized", "Sign in, or send a personal API token as `Authorization: Bearer <token>`.")
    code = CODE_BY_STATUS.get(error.status_code, "bad_request")
    return ApiError(code, str(error))


def _to_api_error(request: HttpRequest, exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, SchemaValidationError):
        try:
            return _schema_error(exc)
        except ApiError as error:
            return error
    if isinstance(exc, HttpError):
        return _http_error(exc)
    if isinstance(exc, ValidationError):
        return ApiError.from_validation_error(exc)
    if isinstance(exc, Http404):
        return ApiError("not_found", str(exc) or "Nothing with that id.")
    if isinstance(exc, ObjectDoesNotExist):
        return ApiError("not_found", "Nothing with that id.")
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return ApiError("internal_error", f"Something went wrong on our side. Request id: {getattr(request, 'id', '')}.")


def handle_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    error = _to_api_error(request, exc)
    return error_response(request, error, exception=exc if error.code == "internal_error" else None)


def make_api(**options: Any) -> NinjaAPI:
    """A NinjaAPI with this site's authentication, parsing, rendering and error envelope."""
    made = NinjaAPI(
        auth=[TokenAuth(), SessionAuth()],
        parser=JsonBodyParser(),
        renderer=CompactJSONRenderer(),
        docs_url=None,
        openapi_url="/openapi.json",
        **options,
    )
    for exception in (Exception, ApiError, HttpError, SchemaValidationError, Http404):
        # ninja types a handler's argument as the exception or its class; it always passes the exception.
        made.add_exception_handler(exception, handle_exception)  # type: ignore[arg-type]
    return made


def api_urls(ninja_api: NinjaAPI) -> tuple[list, str, str]:
    """`ninja_api.urls` for `path(..., ...)`, exempt from Django's LoginRequiredMiddleware: every operation
    requires its auth (`auth=None` marks the public ones), and answers 401 JSON itself."""
    patterns, app_name, namespace = ninja_api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):  # ninja's urls are all patterns, no includes
            pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace


api = make_api(
    title="Ledgerly API",
    version="1",
    description=(
        "Bank accounts, transactions, transfers, budgets and your subscription. Sign in to use it from the "
        "browser (POST, PATCH and DELETE need the `X-CSRFToken` header), or create a personal API token under "
        "Settings → API tokens and send `Authorization: Bearer <token>`. Money is an integer `amount` in minor "
        "units with an ISO 4217 `currency`. Errors are `{error, message, fields?}`."
    ),
    urls_namespace="api",
)
