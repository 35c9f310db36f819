"""Email and SMS: record every intended send, then send it at most once.

`deliver.deliver` is the one way to send; `eligibility` says whom not to send to;
`ledger` owns the `messages` table; `consent` owns status changes; `channels` talk to
providers (or, in outbox mode, to no one).
"""
