"""Companies for staff: the list with plans, revenue and members, and the admins' CSV import."""
