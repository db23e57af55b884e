"""Test helpers every service uses against the real broker: own vhost, queue reading, a cuttable proxy.

Loaded as the pytest plugin `ripple` (see pyproject entry points), the way celery.contrib.pytest is.
"""
