"""Sentry WMS inbound service."""
