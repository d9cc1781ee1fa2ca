"""Queries and writes of meetings, one module per aggregate: queries, scheduling, lifecycle,
register, agenda (the loop at a meeting), due visits and calendar feeds. Writes mutate and
flush; the request (or CLI command) commits once."""
