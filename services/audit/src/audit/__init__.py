"""Sentry WMS audit service."""
