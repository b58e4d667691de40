import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        from allauth.account.models import EmailAddress

        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        user = self._create_user(email, password, **extra_fields)
        # The operator typed this address on the server: admin sign-in goes through allauth, which
        # requires a verified address.
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address (and optionally Google)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    image = models.URLField("picture URL", max_length=500, blank=True)
    avatar = models.CharField(
        "uploaded picture",
        max_length=255,
        blank=True,
        help_text="Name of the uploaded picture in the default storage; it wins over the picture URL.",
    )
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the admin.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Moves on, inside the same transaction, with every write that changes what the user's pages show:
    # rendered fragments are cached under it (see accounts.services.user_data_changed).
    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = UserManager()

    # Set by accounts.backends on the signed-in user it loads (in the same query); absent on other instances.
    email_verified: bool

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split()[0] if self.name else self.email.split("@")[0]


class AuditEvent(models.Model):
    """An append-only record of a security-relevant action: who, what, when, from where."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by audit_user_created_idx (user first), so not on its own.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events", db_index=False
    )
    action = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="audit_user_created_idx"),
            # A plain B-tree: `db_index=True` on a CharField also adds a LIKE index on PostgreSQL, which
            # nothing here uses and every audited write would keep up to date.
            models.Index(fields=["action"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.created_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)


# Live (not revoked, not expired) tokens one user may hold at a time: enough for every script and
# integration a person runs, few enough that the list stays readable and a leak is bounded.
MAX_LIVE_API_TOKENS = 20
# Shown tokens start with this, so people (and secret scanners) recognise a Ledgerly token anywhere.
API_TOKEN_PREFIX = "lgy_"
# How long a new token may last, in days; or it never expires.
API_TOKEN_EXPIRY_DAYS = (30, 90, 365)
API_TOKEN_LIFETIMES = frozenset(timedelta(days=days) for days in API_TOKEN_EXPIRY_DAYS)
API_TOKEN_EXPIRY_ERROR = "Choose 30, 90 or 365 days, or no expiry."


def api_token_live_q(now) -> models.Q:
    """Tokens that still authenticate at `now`: not revoked, and without an expiry or not yet past it."""
    return models.Q(revoked_at__isnull=True) & (models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiTokenQuerySet(models.QuerySet):
    def live(self, *, now=None) -> "ApiTokenQuerySet":
        return self.filter(api_token_live_q(now or timezone.now()))


def api_token_field_error(field_name: str, code: str) -> str:
    """The message an ApiToken field gives for `code`, so the form and the model say the same thing."""
    field = ApiToken._meta.get_field(field_name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{field_name} is not a field of ApiToken")
    return str(field.error_messages[code])


class ApiToken(models.Model):
    """A personal API token: `lgy_<public_id>_<secret>`; only a SHA-256 hash of the secret is kept.

    The scheme and the checks on each request are in accounts/tokens.py.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by api_token_user_created_idx (user first), so not on its own.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", db_index=False)
    name = models.CharField(
        max_length=100,
        error_messages={"blank": "Give the token a name, such as the script or app that will use it."},
    )
    scope = models.CharField(
        max_length=8,
        choices=Scope.choices,
        error_messages={"invalid_choice": "Choose read, or read and write.", "blank": "Choose what the token may do."},
    )
    # Not secret: shown in the list so a person can tell which token a script holds.
    public_id = models.CharField(max_length=16, editable=False)
    # SHA-256 of the secret part, hex. A random 238-bit secret needs no salt or slow hash.
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    # Set by accounts.selectors.user_api_tokens on the tokens it lists.
    status_now: str

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        constraints = [
            # The lookup on every token request. A constraint rather than `unique=True`, which on
            # PostgreSQL also builds a LIKE index nothing uses.
            models.UniqueConstraint(fields=["public_id"], name="api_token_public_id_key"),
            models.CheckConstraint(condition=models.Q(scope__in=["read", "write"]), name="api_token_scope_valid"),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_created",
                violation_error_message="A token must expire after it is created.",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        """The part of the token that is shown again after creation; it does not authenticate."""
        return f"{API_TOKEN_PREFIX}{self.public_id}"

    def status_at(self, now) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def clean(self) -> None:
        super().clean()
        name = (self.name or "").strip()
        if self.name and not name:  # an empty name is already reported by clean_fields
            raise ValidationError({"name": api_token_field_error("name", "blank")})
        self.name = name
        if self.expires_at is not None and self.expires_at - self.created_at not in API_TOKEN_LIFETIMES:
            raise ValidationError({"expires_at": API_TOKEN_EXPIRY_ERROR})
        if self._state.adding and self.user_id is not None:
            live = ApiToken.objects.live().filter(user_id=self.user_id).count()
            if live >= MAX_LIVE_API_TOKENS:
                raise ValidationError(
                    f"You already have {live} active API tokens, the most one account can hold. "
                    "Revoke one you no longer use, then create this one."
                )


class OutboundEmail(models.Model):
    """An e-mail rendered during a request and sent by a background task (accounts.tasks.email_send).

    The row makes sending idempotent (a run claims it before sending and marks it sent after) and keeps a
    failed e-mail with its error. It is addressed to a user's e-mail, so it belongs to that user and goes
    with their account. Bodies (they may carry one-time links) are blanked once the e-mail is sent.
    """

    class State(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_emails")
    kind = models.CharField(max_length=100, blank=True, help_text="The template it was rendered from.")
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list, help_text="The recipients' addresses.")
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    body_subtype = models.CharField(max_length=10, default="plain")
    html_body = models.TextField(blank=True, help_text="The text/html alternative, if any.")
    headers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbound e-mail"
        indexes = [
            # The stalled-e-mail sweep and the purge read unsent rows by age; sent rows stay out of it.
            models.Index(
                fields=["state", "created_at"],
                name="outboundemail_unsent_idx",
                condition=models.Q(state__in=["queued", "sending", "failed"]),
            ),
            models.Index(fields=["sent_at"], name="outboundemail_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {', '.join(self.to)}"
