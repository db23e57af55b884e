"""The naive shop's one app: products with images, a search table, and the signal receivers."""
