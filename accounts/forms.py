from django import forms


class SignupForm(forms.Form):
    """Extra sign-up fields on top of allauth's e-mail and password."""

    name = forms.CharField(max_length=150, label="Name", widget=forms.TextInput(attrs={"autocomplete": "name"}))

    def signup(self, request, user) -> None:
        user.name = self.cleaned_data["name"].strip()
        user.save(update_fields=["name"])
