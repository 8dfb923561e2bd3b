"""The load generator behind scripts/benchmark.py: servers in subprocesses, wire formats, clients, scenarios."""
