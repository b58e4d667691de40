"""A URLconf for testing the JSON API plumbing (saas/api.py) through the real middleware."""

from django.core.exceptions import ValidationError
from django.urls import include, path

from saas.api import ApiError, api_view, require_object


@api_view(["POST", "PATCH"])
def echo(request):
    data = require_object(request.data)
    if data.get("explode"):
        raise RuntimeError("boom")
    if data.get("invalid"):
        raise ValidationError({"amount": ["Enter an amount greater than zero."]})
    if data.get("conflict"):
        raise ApiError("conflict", "Already there.")
    return {"echo": data}, 201


@api_view(["GET"], public=True)
def public(request):
    return {"ok": True}


urlpatterns = [
    path("api/test/echo", echo),
    path("api/test/public", public),
    path("", include("saas.urls")),
]
