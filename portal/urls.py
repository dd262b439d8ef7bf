from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("services/", include("exchange.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("booking.urls")),
]
