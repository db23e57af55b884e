"""The audit every consuming service runs: what it holds against what the catalog says exists."""
