"""accounts.registry: what billing and banking give account deletion and the data export, without accounts
importing them."""

import pytest

from accounts import registry
from accounts.models import User
from tests.accounts.test_account_deletion import DELETE
from tests.accounts.test_data_export import bank_account_for, download

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_apps_sections_in_layer_order(owner_client):
    _, data = download(owner_client)

    assert list(data)[list(data).index("profile") :] == [
        "profile",
        "email_addresses",
        "connected_accounts",
        "two_factor",
        "sessions",
        "api_tokens",
        "audit_events",
        "subscriptions",
        "orders",
        "bank_accounts",
        "transactions",
        "budgets",
        "categories",
        "rules",
        "recurring",
        "alert_settings",
    ]


def test_registering_twice_adds_once(monkeypatch):
    def sections(*, user):
        return []

    monkeypatch.setattr(registry, "_export_sections", [])

    registry.register_export_sections(sections)
    registry.register_export_sections(sections)

    assert registry._export_sections == [sections]


def test_deletion_hooks_run_before_the_user_row_goes(reauthenticated_client, owner, monkeypatch):
    seen = []
    monkeypatch.setattr(registry, "_deletion_hooks", [])
    registry.register_deletion_hook(lambda *, user: seen.append(User.objects.filter(pk=user.pk).exists()))

    reauthenticated_client.post(DELETE, {"email": "owner@example.com"})

    assert seen == [True]
    assert not User.objects.filter(pk=owner.pk).exists()


def test_a_failing_deletion_hook_keeps_the_whole_account(reauthenticated_client, owner, monkeypatch):
    def broken(*, user):
        user.bank_accounts.all().delete()
        raise RuntimeError("storage is down")

    monkeypatch.setattr(registry, "_deletion_hooks", [broken])
    bank_account_for(owner)

    with pytest.raises(RuntimeError):
        reauthenticated_client.post(DELETE, {"email": "owner@example.com"})

    assert User.objects.filter(pk=owner.pk).exists()
    assert owner.bank_accounts.count() == 1


def test_any_apps_deletion_block_is_shown_on_the_data_page_and_refuses_deletion(
    reauthenticated_client, owner, monkeypatch
):
    block = registry.DeletionBlock(
        explanation="You have money in a pot. Move it out first.",
        refusal="Empty your pots first, then delete the account.",
        action_url="/dashboard/accounts/",
        action_label="Go to your accounts",
    )
    monkeypatch.setattr(registry, "_deletion_blockers", [lambda *, user: block])

    page = reauthenticated_client.get("/dashboard/settings/data").content.decode()
    refused = reauthenticated_client.post(DELETE, {"email": "owner@example.com"}, follow=True).content.decode()

    assert "You have money in a pot. Move it out first." in page
    assert 'action="/dashboard/accounts/"' in page
    assert 'action="/dashboard/settings/data/delete"' not in page
    assert "Empty your pots first, then delete the account." in refused
    assert User.objects.filter(pk=owner.pk).exists()
