"""Benchmarks that measure Ripple's speed targets against real processes (`make bench`)."""
