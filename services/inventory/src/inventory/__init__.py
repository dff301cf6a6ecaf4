"""Sentry WMS inventory service."""
