"""The pattern Ripple replaces, for the bench to measure beside it: `post_delete` → `task.delay()`."""
