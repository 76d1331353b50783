"""Starts and stops CloudButler's processes: sandbox, action server, Rasa server (make run, tests, benchmarks)."""
