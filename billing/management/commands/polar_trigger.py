"""Send a signed, Polar-shaped event for one user to this site's webhook (what `stripe trigger` does for Stripe)."""

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from billing.models import Plan, Subscription
from billing.testing import build_event, sign_event

WEBHOOK_PATH = "/api/payments/webhooks"


class Command(BaseCommand):
    help = (
        "Build a Polar-shaped event (subscription.created|active|updated|canceled|uncanceled|revoked|past_due, "
        "order.created|paid|updated|refunded, or any other type) for the user, sign it with POLAR_WEBHOOK_SECRET "
        "and POST it to APP_URL/api/payments/webhooks; prints the answer."
    )

    def add_arguments(self, parser):
        parser.add_argument("event_type", help="Polar event type, e.g. subscription.active or order.paid.")
        parser.add_argument("--email", required=True, help="The user the event is about.")
        parser.add_argument("--plan", help="Plan slug (default: the subscription's plan, else the first active plan).")
        parser.add_argument(
            "--subscription",
            help="Polar subscription id (default: the user's newest one that is not canceled, else a new one).",
        )
        parser.add_argument("--url", help=f"Webhook URL (default: APP_URL + {WEBHOOK_PATH}).")
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for the answer.")

    def handle(
        self,
        *args,
        event_type: str,
        email: str,
        plan: str | None,
        subscription: str | None,
        url: str | None,
        timeout: float,
        **options,
    ):
        secret = settings.POLAR_WEBHOOK_SECRET
        if not secret:
            raise CommandError(
                "POLAR_WEBHOOK_SECRET is not set, so the webhook endpoint answers 503. Set it in .env "
                "(any string works locally; use Polar's secret in production)."
            )
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user has the e-mail address {email!r}.")

        existing = self._subscription(user, event_type, subscription)
        chosen_plan = self._plan(plan, existing)
        subscription_id = subscription or (existing.id if existing else None)
        event = build_event(
            event_type,
            user,
            subscription_id=subscription_id,
            plan=chosen_plan,
            started_at=(existing.started_at or existing.created_at) if existing else None,
            checkout_id=(existing.checkout_id or None) if existing else None,
        )
        body, headers = sign_event(event, secret=secret)
        target = url or f"{settings.APP_URL}{WEBHOOK_PATH}"
        try:
            response = requests.post(target, data=body, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            raise CommandError(f"Could not reach {target}: {exc}. Is the site running?") from None
        self.stdout.write(
            f"{event_type} for {user.email} (data.id {event['data']['id']}, webhook-id {headers['webhook-id']})"
        )
        self.stdout.write(f"POST {target} -> {response.status_code} {response.text.strip()[:500]}")
        if response.status_code >= 300:
            raise CommandError(f"The webhook answered {response.status_code}.")

    def _subscription(self, user, event_type: str, subscription_id: str | None) -> Subscription | None:
        if subscription_id:
            return Subscription.objects.filter(pk=subscription_id).first()
        if event_type == "subscription.created":
            return None
        # A revoked subscription stays revoked in Polar: a new event is about a new subscription.
        return (
            Subscription.objects.filter(user=user)
            .exclude(status=Subscription.Status.CANCELED)
            .order_by("-created_at")
            .first()
        )

    def _plan(self, slug: str | None, existing: Subscription | None) -> Plan | None:
        if slug:
            plan = Plan.objects.filter(slug=slug).first()
            if plan is None:
                known = (
                    ", ".join(Plan.objects.values_list("slug", flat=True))
                    or "none: run seed_demo or sync_polar_products"
                )
                raise CommandError(f"No plan has the slug {slug!r}. Plans: {known}.")
            return plan
        if existing is not None:
            plan = Plan.objects.filter(polar_product_id=existing.product_id).first()
            if plan is not None:
                return plan
        return Plan.objects.filter(is_active=True).order_by("sort_order", "price_amount").first()
