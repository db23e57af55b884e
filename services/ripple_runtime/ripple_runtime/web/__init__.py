"""Web plumbing shared by the services' HTTP APIs."""
