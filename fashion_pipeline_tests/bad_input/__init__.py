"""Hostile and careless inputs: each is refused or rejected with a reason, never run, crashed on or dropped."""
