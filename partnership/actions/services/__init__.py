"""Queries and writes of the problem-solving loop, one module per aggregate: concerns, action
points, follow-ups and the officer's review. Writes mutate and flush; the request (or CLI
command) commits once. Every status change is a function that checks the transition is
allowed, records who and when, and is audited."""
