"""Management commands of the media service."""
