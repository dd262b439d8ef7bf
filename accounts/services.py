"""Sign-up: it answers the same whether the address has an account, and tells its owner."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts import emails
from accounts.models import SignUpRequest, User
from accounts.tokens import signup_token_generator


class SignUpLinkInvalid(Exception):
    """The confirmation link is tampered with, expired, replaced by a newer one, or used."""


def signup_start(*, name: str, email: str, password: str, next_url: str, base_url: str) -> None:
    """Emails the owner of `email` once: a confirmation link, or a notice of the account.

    A new address gets a link (under `base_url`) that creates the account and then goes to
    `next_url`; signing up again with it replaces the name and password and sends a new link.
    An address with an account gets a notice with links to sign in and to reset the password.
    """
    # Hashing is the slow part: done for every address, so the answer takes as long for both.
    password_hash = make_password(password)
    lifetime = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    SignUpRequest.objects.filter(requested_at__lt=timezone.now() - lifetime).delete()
    if User.objects.filter(email=email).exists():
        emails.send_signup_existing_account(
            email=email,
            sign_in_url=base_url + reverse("login"),
            password_reset_url=base_url + reverse("password_reset"),
        )
        return
    signup, _ = SignUpRequest.objects.update_or_create(
        email=email,
        defaults={"first_name": name, "password": password_hash, "requested_at": timezone.now()},
    )
    path = reverse(
        "signup_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(signup.pk)),
            "token": signup_token_generator.make_token(signup),
        },
    )
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    emails.send_signup_confirmation(email=email, link=base_url + path + query)


def signup_from_link(*, uidb64: str, token: str) -> SignUpRequest:
    """The sign-up a confirmation link stands for; `SignUpLinkInvalid` if it stands for none."""
    try:
        signup = SignUpRequest.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, SignUpRequest.DoesNotExist):
        raise SignUpLinkInvalid from None
    if not signup_token_generator.check_token(signup, token):
        raise SignUpLinkInvalid
    return signup


def signup_confirm(*, signup: SignUpRequest) -> User:
    """Creates the account the sign-up asked for; the request is used up either way."""
    user = User(email=signup.email, first_name=signup.first_name, password=signup.password)
    try:
        with transaction.atomic():
            user.save()
            signup.delete()
    except IntegrityError:
        # The address got an account meanwhile: another link of it, or the admin.
        signup.delete()
        raise SignUpLinkInvalid from None
    return user
