"""Sentry WMS connectors service."""
