from django.urls import path

from support.ops import dashboard, device_export, escalations, labels, trace

urlpatterns = [
    path("", dashboard.dashboard, name="ops_dashboard"),
    path("devices.csv", device_export.device_tier_csv, name="ops_devices_csv"),
    path("escalations/", escalations.escalation_list, name="ops_escalations"),
    path("escalations.csv", escalations.escalation_csv, name="ops_escalations_csv"),
    path("conversations/<uuid:conversation_id>/", trace.conversation_trace, name="ops_trace"),
    path("messages/<int:message_id>/label/", labels.label_message, name="ops_label"),
]
