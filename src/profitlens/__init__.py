"""profitlens."""
