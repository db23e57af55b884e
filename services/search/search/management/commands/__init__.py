"""Management commands of the search service."""
