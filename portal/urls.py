from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from portal import metrics

# /healthz is answered by portal.health.HealthCheckMiddleware, /favicon.ico by WhiteNoise.
urlpatterns = [
    path("metrics", metrics.metrics, name="metrics"),
    path("services/", include("exchange.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("clinic/", include("workspace.urls")),
    path("", include("booking.urls")),
]

# Uploaded logos and photos; in production the web server serves them (settings.MEDIA_ROOT).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
