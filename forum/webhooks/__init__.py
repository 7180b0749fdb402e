"""Webhooks: the admin pages (/admin/webhooks), the `flask webhooks` commands, and the guarded
HTTP transport that sends deliveries. What events are and how they are delivered lives in
forum/services/webhooks.py."""
