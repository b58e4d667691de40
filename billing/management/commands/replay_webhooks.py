"""Apply stored Polar webhook events again: failed ones by default, or chosen by id or type."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from tqdm import tqdm

from billing import services, webhooks
from billing.models import WebhookEvent

# A "received" event older than this was never finished (the process died mid-way): replay it too.
STUCK_AFTER = timedelta(minutes=5)


class Command(BaseCommand):
    help = (
        "Replay stored Polar webhook events through the same code as the webhook. By default the failed ones "
        "(and any left unfinished); --id picks events whatever their state, --type narrows by event type, "
        "--all takes every state. Applying is idempotent, so running it twice is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--id",
            action="append",
            default=[],
            dest="ids",
            help="A webhook-id (or the event's number in the admin); repeat for several.",
        )
        parser.add_argument("--type", dest="event_type", help="Only events of this type, e.g. subscription.updated.")
        parser.add_argument("--all", action="store_true", help="Every state, not only failed and unfinished.")
        parser.add_argument("--dry-run", action="store_true", help="List what would be replayed.")

    def handle(self, *args, ids: list[str], event_type: str | None, all: bool, dry_run: bool, **options):
        events = WebhookEvent.objects.all()
        if ids:
            numbers = [int(value) for value in ids if value.isdigit()]
            events = events.filter(Q(webhook_id__in=ids) | Q(pk__in=numbers))
            missing = (
                set(ids)
                - set(events.values_list("webhook_id", flat=True))
                - {str(pk) for pk in events.values_list("pk", flat=True)}
            )
            if missing:
                raise CommandError(f"No stored event has the id {', '.join(sorted(missing))}.")
        elif not all:
            stuck = Q(state=WebhookEvent.State.RECEIVED, received_at__lt=timezone.now() - STUCK_AFTER)
            events = events.filter(Q(state=WebhookEvent.State.FAILED) | stuck)
        if event_type:
            events = events.filter(type=event_type)
        events = events.order_by("received_at", "id")
        total = events.count()
        if total == 0:
            self.stdout.write("Nothing to replay.")
            return
        if dry_run:
            for event in events.iterator():
                self.stdout.write(f"{event.webhook_id} {event.type} {event.state} attempts={event.attempts}")
            self.stdout.write(f"{total} event(s) would be replayed.")
            return
        outcomes: dict[str, int] = {}
        failed: list[str] = []
        for event in tqdm(events.iterator(chunk_size=200), total=total, desc="Replaying", unit="event", disable=None):
            try:
                outcome = services.webhook_event_replay(event=event, handler=webhooks.handler_for(event.type))
            except Exception as exc:
                failed.append(f"{event.webhook_id} ({event.type}): {type(exc).__name__}: {exc}")
                continue
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items())) or "none applied"
        self.stdout.write(f"Replayed {total} event(s): {summary}.")
        if failed:
            for line in failed:
                self.stderr.write(f"failed: {line}")
            raise CommandError(f"{len(failed)} event(s) failed again; the error is kept on each event.")
