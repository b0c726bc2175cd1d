"""Helpers for tests and benchmarks (not used by the commands): a fault-injecting OpenAI-compatible
server and synthetic encyclopedia sites of any size."""
