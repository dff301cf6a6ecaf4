"""Shared contracts of the Sentry WMS services.

Services import only this package from one another: envelope and schemas,
event store, outbox relay, idempotent consumer, settings and boot guards,
internal identity tokens and the service app factory.
"""
