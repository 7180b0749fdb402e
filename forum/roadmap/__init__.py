"""The public roadmap board."""
