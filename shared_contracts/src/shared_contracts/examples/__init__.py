"""Golden example events, one per type and version; every version of the parser must still read them."""
