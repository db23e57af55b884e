"""The fault suite: the whole system as real processes, one fault per scenario, then the counts."""
