"""Sentry WMS gateway service."""
