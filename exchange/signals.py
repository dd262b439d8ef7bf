from django.dispatch import Signal

# Sent inside the transaction that changed orders, once, with `event_ids`: the OrderEvent
# rows it recorded. Receivers enqueue work (a job that commits with the change, or nothing);
# they never do slow work such as sending mail here.
order_events_recorded = Signal()
