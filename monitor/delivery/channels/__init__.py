"""Delivery channels: email, Slack, file. Each turns a rendered message into a send."""
