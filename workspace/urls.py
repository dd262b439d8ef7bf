from django.urls import include, path

from workspace.views import dashboard, desk, profiles, resources, schedule, staff

app_name = "workspace"

clinic_patterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("orders/", desk.orders, name="orders"),
    path("orders/<int:order_id>/", desk.order_detail, name="order"),
    path("orders/<int:order_id>/accept/", desk.order_accept, name="order-accept"),
    path("orders/<int:order_id>/reject/", desk.order_reject, name="order-reject"),
    path("orders/<int:order_id>/move/", desk.order_move, name="order-move"),
    path("schedule/", schedule.day, name="schedule"),
    path("schedule/<int:resource_id>/", schedule.week, name="schedule-week"),
    path("profile/", profiles.clinic_profile, name="profile"),
    path("resources/", resources.resources, name="resources"),
    path("resources/new/", resources.resource_edit, name="resource-new"),
    path("resources/<int:resource_id>/", resources.resource_edit, name="resource"),
    path(
        "resources/<int:resource_id>/profile/",
        profiles.resource_profile,
        name="resource-profile",
    ),
    path("resources/<int:resource_id>/hours/", resources.hours_add, name="hours-add"),
    path(
        "resources/<int:resource_id>/hours/<int:hours_id>/delete/",
        resources.hours_delete,
        name="hours-delete",
    ),
    path("resources/<int:resource_id>/exceptions/", resources.exception_add, name="exception-add"),
    path(
        "resources/<int:resource_id>/exceptions/<int:exception_id>/delete/",
        resources.exception_delete,
        name="exception-delete",
    ),
    path("groups/", resources.group_add, name="group-add"),
    path("groups/<int:group_id>/delete/", resources.group_delete, name="group-delete"),
    path("staff/", staff.members, name="staff"),
    path("staff/<int:membership_id>/remove/", staff.member_remove, name="member-remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        staff.invitation_revoke,
        name="invitation-revoke",
    ),
]

urlpatterns = [
    path("", dashboard.clinics, name="clinics"),
    path("join/<str:token>/", staff.join, name="join"),
    path("<int:clinic_id>/", include(clinic_patterns)),
]
