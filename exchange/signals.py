from django.dispatch import Signal

# Sent after the commit of an import that changed orders' statuses, once per order, with
# `order` and `previous_status`: the booking app tells the patient.
order_status_changed = Signal()
