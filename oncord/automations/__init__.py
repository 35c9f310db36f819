"""Automations: appointment-triggered workflows that fire on time, for the right people, exactly once.

`triggers` finds what is due, `decisions` says whom to skip and why, `steps` runs one step,
`truth` re-reads the appointment from Cliniko before a send, `tick` ties them together every
minute, `preview` shows what the same code would do, `schedule` keeps the tick scheduled.
"""
