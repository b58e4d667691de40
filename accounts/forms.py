"""allauth's forms with our labels (ACCOUNT_FORMS), and the settings pages' own forms."""

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth.hashers import make_password

from accounts.avatars import avatar_validate
from accounts.models import API_TOKEN_EXPIRY_DAYS, API_TOKEN_EXPIRY_ERROR, ApiToken, api_token_field_error

EMAIL_LABEL = "E-mail"


def _relabel(form: forms.Form, labels: dict[str, str]) -> None:
    for name, label in labels.items():
        field = form.fields.get(name)
        if field is not None:
            field.label = label
            field.widget.attrs.pop("placeholder", None)


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"login": EMAIL_LABEL, "password": "Password", "remember": "Keep me signed in"})
        self.fields["login"].widget.attrs.update({"autocomplete": "email", "autofocus": True})


class SignupForm(allauth_forms.SignupForm):
    """Name, e-mail and password; the name is saved by AccountAdapter.save_user."""

    name = forms.CharField(max_length=150, label="Name", widget=forms.TextInput(attrs={"autocomplete": "name"}))
    field_order = ["name", "email", "password1"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"name": "Name", "email": EMAIL_LABEL, "password1": "Password"})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name

    def try_save(self, request):
        if self.account_already_exists:
            # A new account costs a password hash, most of a sign-up's time; a taken address (answered with the
            # same page, and an e-mail to its owner) costs the same, so the time taken tells nothing.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": EMAIL_LABEL})


class ChangeEmailForm(allauth_forms.ChangeEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": "New e-mail"})


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": "New e-mail"})


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self, {"oldpassword": "Current password", "password1": "New password", "password2": "New password again"}
        )


class SetPasswordForm(allauth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": "Password", "password2": "Password again"})


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": "New password", "password2": "New password again"})


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"password": "Password"})


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150, label="Name", widget=forms.TextInput(attrs={"autocomplete": "name"}))
    avatar = forms.FileField(
        label="Picture",
        required=False,
        help_text="PNG, JPEG or WebP, up to 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label="Remove my picture", required=False)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if upload:
            self.cleaned_data["avatar_image"] = avatar_validate(upload)
        return upload


class DeleteAccountForm(forms.Form):
    email = forms.CharField(
        label="Type your e-mail address to confirm", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip()
        if typed.lower() != self.user.email.lower():
            raise forms.ValidationError(f"Type {self.user.email} exactly to confirm.")
        return typed


NO_EXPIRY = "none"


def _token_field_error(field: str, code: str) -> str:
    """The model's message, so the form and the model say the same thing."""
    return api_token_field_error(field, code)


class ApiTokenForm(forms.Form):
    """A new personal API token: what it is for, what it may do, and how long it lasts."""

    name = forms.CharField(
        label="Name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What will use it, so you can tell your tokens apart: “Budget script”, “Home server”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _token_field_error("name", "blank")},
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=[(ApiToken.Scope.READ, "Read only"), (ApiToken.Scope.WRITE, "Read and write")],
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        error_messages={
            "required": _token_field_error("scope", "blank"),
            "invalid_choice": _token_field_error("scope", "invalid_choice"),
        },
    )
    expires_in = forms.ChoiceField(
        label="Expires",
        choices=[*((str(days), f"In {days} days") for days in API_TOKEN_EXPIRY_DAYS), (NO_EXPIRY, "No expiry")],
        initial="90",
        help_text="A token that expires stops working by itself if you forget it somewhere.",
        error_messages={"required": API_TOKEN_EXPIRY_ERROR, "invalid_choice": API_TOKEN_EXPIRY_ERROR},
    )

    SCOPE_HELP = {
        ApiToken.Scope.READ: "See your accounts, transactions, budgets and the rest; change nothing.",
        ApiToken.Scope.WRITE: "Also add, change and delete, as you can on these pages.",
    }

    def scope_options(self) -> list[tuple]:
        """Each scope's radio button with a line on what it allows."""
        return [(radio, self.SCOPE_HELP[radio.data["value"]]) for radio in self["scope"]]

    @property
    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires_in"]
        return None if value == NO_EXPIRY else int(value)
