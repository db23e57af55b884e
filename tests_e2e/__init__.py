"""End-to-end checks of Ripple: the whole system as real processes (flows, faults, benchmarks)."""
