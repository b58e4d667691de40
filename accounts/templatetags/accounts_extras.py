from django import template

from accounts.audit import audit_label
from accounts.selectors import user_avatar_url

register = template.Library()


@register.filter
def avatar_url(user) -> str:
    """The picture to show for a user: uploaded, Google's, or the generated initials."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return user_avatar_url(user)


# "auth.signed_in" -> "Signed in": the label the writing app registered for an action.
register.filter("audit_label", audit_label)
