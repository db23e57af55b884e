"""Messaging plumbing shared by every service: publishing with confirms (and, later, consuming)."""
