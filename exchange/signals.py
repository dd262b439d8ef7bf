from django.dispatch import Signal

# Sent after the commit of a transaction that changed orders, once, with `event_ids`: the
# OrderEvent rows it recorded. The apps built on the exchange tell the patient from them.
order_events_recorded = Signal()
