"""A member's own settings: display name, email, password."""
