"""Email and SMS: record every intended send, then send it at most once."""
