"""Management commands of the notifications service."""
