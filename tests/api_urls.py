"""A URLconf for testing the JSON API plumbing (saas/api.py) through the real middleware: a second API
built by the same `make_api`, mounted before the site's own."""

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import include, path
from ninja import Body, Router
from ninja.responses import Status

from saas.api import ApiError, api_urls, make_api

router = Router()


@router.api_operation(["POST", "PATCH"], "/echo", response={201: dict})
def echo(request, payload: Body[dict[str, Any]]):
    if payload.get("explode"):
        raise RuntimeError("boom")
    if payload.get("invalid"):
        raise ValidationError({"amount": ["Enter an amount greater than zero."]})
    if payload.get("conflict"):
        raise ApiError("conflict", "Already there.")
    return Status(201, {"echo": payload})


@router.get("/public", auth=None)
def public(request):
    return {"ok": True}


test_api = make_api(title="Test API", urls_namespace="test-api")
test_api.add_router("", router)

urlpatterns = [
    path("api/test/", api_urls(test_api)),
    path("", include("saas.urls")),
]
