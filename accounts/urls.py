from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.forms import NewPasswordForm, PasswordResetForm, SignInForm

# No namespace: Django's own views reverse their neighbours by bare name ("password_reset_done").
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/<uidb64>/<token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]
