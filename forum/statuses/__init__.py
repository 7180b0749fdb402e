"""Admins name the statuses: /admin/statuses."""
