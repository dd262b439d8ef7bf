from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", _("The passwords differ."))
        elif password:
            user = User(email=cleaned.get("email", ""), first_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self) -> User:
        # The email is the login: patients remember it better than a user name.
        return User.objects.create_user(
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password1"],
            first_name=self.cleaned_data["name"],
        )


class SignInForm(auth_forms.AuthenticationForm):
    # The field keeps Django's name, `username`; the user manager lower-cases what is typed.
    username = forms.CharField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Enter the email and password of your account."),
    }


class AdminUserCreationForm(auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
