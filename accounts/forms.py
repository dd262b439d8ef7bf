from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import emails, throttling
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
        # No check that the address is free: the answer must not tell whether it has an
        # account (the email to the address does).
        return User.objects.normalize_email(self.cleaned_data["email"])

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


class SignInForm(auth_forms.AuthenticationForm):
    # The field keeps Django's name, `username`; the user manager lower-cases what is typed.
    username = forms.CharField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Enter the email and password of your account."),
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, plus an email to an address without an account, so that both answers match."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        """Renders Django's reset email here and leaves the sending to the job queue."""
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        emails.send_rendered(subject=subject, body=body, to=to_email)

    def save(self, *, request, **kwargs) -> None:
        email = self.cleaned_data["email"]
        if User.objects.filter(email=User.objects.normalize_email(email)).exists():
            super().save(request=request, **kwargs)
        else:
            signup_url = request.build_absolute_uri(reverse("signup"))
            emails.send_password_reset_no_account(email=email, signup_url=signup_url)


class NewPasswordForm(auth_forms.SetPasswordForm):
    def save(self, commit: bool = True) -> User:
        user = super().save(commit)
        # The link came to the account's mailbox: whoever set the password owns the account,
        # so its sign-in lockout, if any, ends.
        throttling.account_failures_clear(email=user.email)
        return user


class AdminUserCreationForm(auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
