from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.forms import SignInForm

# No namespace: Django's own views reverse their neighbours by bare name ("password_reset_done").
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("", include("django.contrib.auth.urls")),
]
