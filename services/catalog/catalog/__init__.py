"""The catalog app: categories, products and their media, and the events their changes produce."""
