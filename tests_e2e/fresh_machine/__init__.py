"""A first run on a machine that has nothing but its distribution's packages."""
