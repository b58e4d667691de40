from django import template

from accounts.selectors import user_avatar_url

register = template.Library()


@register.filter
def avatar_url(user) -> str:
    """The picture to show for a user: uploaded, Google's, or the generated initials."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return user_avatar_url(user)
