"""Request types for annotations: what the middleware guarantees about every request."""

from django.http import HttpRequest


class RequestWithId(HttpRequest):
    """Every request, once `saas.middleware.RequestIdMiddleware` (the first middleware) gave it its `id`."""

    id: str
