from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from booking.services import PatientDetails

PHONE_CHARACTERS = re.compile(r"[\d\s()+-]+")


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
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(username=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", _("The passwords differ."))
        elif password:
            user = get_user_model()(
                username=cleaned.get("email", ""), first_name=cleaned.get("name", "")
            )
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self):
        # The email is the login: patients remember it better than a user name.
        return get_user_model().objects.create_user(
            username=self.cleaned_data["email"],
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password1"],
            first_name=self.cleaned_data["name"],
        )


class SignInForm(AuthenticationForm):
    username = forms.CharField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter the email and password of your account."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARACTERS.fullmatch(value) or not 10 <= len(digits) <= 15:
        raise forms.ValidationError(
            _("Enter a phone number with 10 to 15 digits, e.g. +7 900 123-45-67.")
        )


class OrderForm(forms.Form):
    name1 = forms.CharField(label=_("Surname"), max_length=100)
    name2 = forms.CharField(label=_("First name"), max_length=100)
    name3 = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email"))
    aim = forms.CharField(label=_("Aim of the visit"), max_length=255, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def details(self) -> PatientDetails:
        return PatientDetails(**{name: self.cleaned_data[name].strip() for name in self.fields})
