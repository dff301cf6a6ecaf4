"""Sentry WMS dispatcher service."""
