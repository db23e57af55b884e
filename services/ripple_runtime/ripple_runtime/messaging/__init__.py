"""Messaging every service runs on: publishing with confirms, the consumer step, tasks, dead letters."""
