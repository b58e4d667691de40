"""The site's own settings, with allauth's rate limits raised for the bench's own run (the sign-in scenario
signs one user in thousands of times from one address). The limits are still counted, so their cost is in
the figures; the defaults in saas/settings.py are untouched."""

from saas.settings import *  # noqa: F403
from saas.settings import ACCOUNT_RATE_LIMITS

ACCOUNT_RATE_LIMITS = {
    name: ",".join(f"1000000/{rule.split('/', 1)[1]}" for rule in value.split(","))
    for name, value in ACCOUNT_RATE_LIMITS.items()
}
