"""Queries and writes of the curricula domain, one module per aggregate. Writes mutate and
flush; the request (or CLI command) commits once."""
