"""Fault trials against the daemon (kills, outages, rate limits, a database restart)."""
