"""Sessions signed in before accounts.backends existed name Django's or allauth's backend; point them at ours,
so nobody is signed out by the change (Django signs out a session whose backend is no longer configured)."""

from django.conf import settings
from django.core.cache import caches
from django.db import migrations

MOVED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}


def move_sessions(apps, schema_editor, moved=MOVED):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    cache = caches[settings.SESSION_CACHE_ALIAS]
    for session in Session.objects.all().iterator(chunk_size=1000):
        data = store.decode(session.session_data)
        backend = data.get("_auth_user_backend")
        if backend not in moved:
            continue
        data["_auth_user_backend"] = moved[backend]
        Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))
        cache.delete(KEY_PREFIX + session.session_key)


def move_back(apps, schema_editor):
    move_sessions(apps, schema_editor, moved={new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_outbound_email"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_sessions, move_back)]
