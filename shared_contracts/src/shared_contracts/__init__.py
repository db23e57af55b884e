"""Ripple's shared contracts: the events every service speaks and the topology they travel on."""
