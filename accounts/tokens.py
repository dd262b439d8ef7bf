"""Tokens in the links that confirm a sign-up."""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from accounts.models import SignUpRequest


class SignUpTokenGenerator(PasswordResetTokenGenerator):
    """Valid for PASSWORD_RESET_TIMEOUT, until the sign-up is confirmed or made again."""

    key_salt = "accounts.tokens.SignUpTokenGenerator"

    def _make_hash_value(self, signup: SignUpRequest, timestamp: int) -> str:
        # A repeated sign-up stores a new password hash (a new salt even for the same
        # password), which retires the links sent before it.
        return f"{signup.pk}{signup.password}{timestamp}"


signup_token_generator = SignUpTokenGenerator()
