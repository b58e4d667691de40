"""Plans from Polar's products: one plan per recurring product, matched by product id (else slug)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from billing import polar, services


class Command(BaseCommand):
    help = (
        "Create or update a Plan for each recurring Polar product (slug from product metadata `slug`, else the "
        "slugified name; price from the first price) and deactivate plans whose product is gone. Safe to run twice."
    )

    def handle(self, *args, **options):
        try:
            client = polar.get_client()
            products = list(tqdm(client.products_list(), desc="Products", unit="product", disable=None))
        except polar.PolarError as error:
            raise CommandError(error.message) from None
        try:
            result = services.plans_sync_from_polar(products=products)
        except ValidationError as error:
            raise CommandError(f"A product could not become a plan: {'; '.join(error.messages)}") from None
        for label, slugs in (
            ("created", result.created),
            ("updated", result.updated),
            ("deactivated", result.deactivated),
            ("skipped (not recurring)", result.skipped),
        ):
            if slugs:
                self.stdout.write(f"{label}: {', '.join(slugs)}")
        unchanged = len(products) - len(result.created) - len(result.updated) - len(result.skipped)
        self.stdout.write(
            f"{len(products)} product(s): {len(result.created)} created, {len(result.updated)} updated, "
            f"{unchanged} unchanged, {len(result.deactivated)} plan(s) deactivated."
        )
