"""Subscription gates: pages send non-subscribers to /pricing with a message; the API answers 402."""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from billing.selectors import user_is_subscribed
from saas.api import ApiError, error_response

PRICING_URL = "/pricing"


def subscription_required(view: Callable) -> Callable:
    """A page for subscribers only: anyone else lands on /pricing with a message saying why."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_is_subscribed(user=request.user):
            messages.info(request, "That page is part of a paid plan. Choose a plan below to unlock it.")
            return HttpResponseRedirect(PRICING_URL)
        return view(request, *args, **kwargs)

    return wrapper


def api_subscription_required(view: Callable) -> Callable:
    """A JSON endpoint for subscribers only: 401 when signed out, else 402 `subscription_required`."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return error_response(request, ApiError("unauthorized", "Sign in to use the API."))
        if not user_is_subscribed(user=request.user):
            return error_response(
                request,
                ApiError(
                    "subscription_required", f"This needs an active subscription: choose a plan at {PRICING_URL}."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapper
