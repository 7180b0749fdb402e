"""Moderators' room: hide, lock, pin, move, restore, reports, suspensions; the member pages."""
