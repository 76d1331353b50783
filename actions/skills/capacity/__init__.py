"""Capacity skills: an instance's forecast CPU load, and whether each instance is the right size (with the type that
fits and what it costs a month)."""
