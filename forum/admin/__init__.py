"""Admin pages: categories and who may see them."""
