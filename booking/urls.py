from django.urls import path, re_path

from booking import api, views

app_name = "booking"

urlpatterns = [
    path("", views.home, name="home"),
    path("clinics/<int:clinic_id>/", views.clinic_detail, name="clinic"),
    path(
        "clinics/<int:clinic_id>/resources/<int:resource_id>/",
        views.resource_week,
        name="resource",
    ),
    path("clinics/<int:clinic_id>/resources/<int:resource_id>/book/", views.book, name="book"),
    path("orders/", views.my_orders, name="my-orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/cancel/", views.cancel_order, name="cancel-order"),
    path("orders/<int:order_id>/reschedule/", views.reschedule_order, name="reschedule-order"),
    path("orders/<int:order_id>/visit.ics", views.visit_calendar, name="visit-calendar"),
    path("privacy/", views.privacy, name="privacy"),
    path("api/v1/clinics", api.clinics, name="api-clinics"),
    path("api/v1/clinics/<int:clinic_id>/resources", api.clinic_resources, name="api-resources"),
    path("api/v1/resources/<int:resource_id>/slots", api.free_slots, name="api-slots"),
    re_path(r"^api/v1(?:/(?P<path>.*))?$", api.not_found),
]
