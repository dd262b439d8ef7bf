from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address, not only the domain as Django does: people type their email in
        # any case and expect it to be one login.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **fields)

    def _create_user(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an email: it is the login.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """An account on the portal: a patient, or with `is_staff` someone who runs it."""

    email = models.EmailField(
        _("email address"),
        unique=True,
        error_messages={"unique": _("An account with this email already exists.")},
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into this admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Designates whether this user should be treated as active. "
            "Unselect this instead of deleting accounts."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # With the unique email this makes the login unique whatever its case.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="accounts_user_email_lower_case"
            ),
        ]

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_short_name(self) -> str:
        """The admin's greeting."""
        return self.first_name


class SignUpRequest(models.Model):
    """A sign-up waiting for its email to be confirmed; confirming it creates the `User`.

    Kept apart from users so that an address nobody confirmed is no account: it blocks no
    later sign-up (that one replaces it) and cannot be signed in to.
    """

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150)
    # A hash, as on User: the plain password is never stored.
    password = models.CharField(_("password"), max_length=128)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("sign-up request")
        verbose_name_plural = _("sign-up requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="accounts_signuprequest_email_lower_case",
            ),
        ]

    def __str__(self) -> str:
        return self.email
