"""The media app: deletes stored files named by catalog.media.deleted and records what it did."""
