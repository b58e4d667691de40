"""Reads for alerts: the user's settings (the defaults until they change them)."""

from accounts.models import User
from banking.models import AlertSettings


def alert_settings_for(*, user: User) -> AlertSettings:
    return AlertSettings.objects.filter(user=user).first() or AlertSettings.defaults(user)
