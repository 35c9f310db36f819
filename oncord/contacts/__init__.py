"""Contacts: finding, reading and adding the people a clinic markets to (plain Python, no request)."""
