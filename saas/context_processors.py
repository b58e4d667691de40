from django.conf import settings
from django.http import HttpRequest

SITE_NAME = "Ledgerly"


def site(request: HttpRequest) -> dict:
    """Values every template may use; nothing here touches the database."""
    return {
        "SITE_NAME": SITE_NAME,
        "APP_URL": settings.APP_URL,
        "GOOGLE_ENABLED": bool(settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET),
        "request_id": getattr(request, "id", None),
    }
