"""Notifications: people are told in the app, and by email unless they turned it off, when
something of theirs moves on the loop (an action point assigned to them, acknowledged, marked
done for them to verify, verified or reopened; a concern they logged resolved).

The lower layers announce these events with signals (``partnership.signals``); this package
listens (``receivers.py``), decides who may hear of them, stores one notification per person,
and after the request's commit queues the emails (``tasks.py``), which the queue consumer
sends. Nothing is sent inside the web request."""
