"""Server-owned text for every error kind (integration-security 4.7.10), joined to attempts when they are read.

What the receiver said is never stored (it may carry their secrets), so this
catalogue is all an operator reads about a failure: what happened, and what to
check first.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatcher.domain.attempts import ErrorKind


@dataclass(frozen=True)
class ErrorText:
    short_message: str
    description: str
    triage_hint: str


CATALOG: dict[ErrorKind, ErrorText] = {
    ErrorKind.TIMEOUT: ErrorText(
        "Receiver did not answer in time",
        "No complete response arrived within DISPATCHER_HTTP_TIMEOUT_MS.",
        "Answer with 2xx as soon as the body is stored and do the work asynchronously.",
    ),
    ErrorKind.CONNECTION: ErrorText(
        "Could not connect to the receiver",
        "The TCP connection was refused, reset or dropped before a response.",
        "Check that the endpoint is up and reachable from the dispatcher's network (firewall, port).",
    ),
    ErrorKind.DNS: ErrorText(
        "Receiver host name did not resolve",
        "The delivery URL's host name had no address when the attempt was made.",
        "Check the DNS record of the delivery URL's host.",
    ),
    ErrorKind.TLS: ErrorText(
        "TLS handshake failed",
        "The receiver's certificate was not valid for the host name, expired, or not trusted.",
        "Renew or fix the certificate chain; the dispatcher never skips verification.",
    ),
    ErrorKind.SSRF_REJECTED: ErrorText(
        "Destination refused by the SSRF guard",
        "The host resolved to a private, loopback, link-local or otherwise non-public address.",
        "Point the URL at a public address; internal targets need an operator's allow-list.",
    ),
    ErrorKind.REDIRECTED: ErrorText(
        "Receiver answered with a redirect",
        "A 3xx (or 1xx) status; redirects are never followed.",
        "Configure the final URL of the endpoint in the subscription.",
    ),
    ErrorKind.CLIENT_ERROR: ErrorText(
        "Receiver rejected the delivery (4xx)",
        "The receiver answered with a 4xx status.",
        "Check the receiver's signature verification (secret, clock skew) and its authentication.",
    ),
    ErrorKind.SERVER_ERROR: ErrorText(
        "Receiver failed (5xx)",
        "The receiver answered with a 5xx status.",
        "Look at the receiver's own logs for this webhook-id.",
    ),
    ErrorKind.ABORTED: ErrorText(
        "Receiver asked to stop retrying",
        "The response carried `webhook-delivery: abort-message`.",
        "Nothing to fix here unless the receiver aborted by mistake; replay if needed.",
    ),
    ErrorKind.RESPONSE_TOO_LARGE: ErrorText(
        "Receiver advertised an oversized response",
        "The response's Content-Length was over 64 KiB; the body was not read and the attempt counts as failed,"
        " even with a 2xx status.",
        "Answer webhooks with an empty or small body (a 2xx and at most a short acknowledgement).",
    ),
    ErrorKind.UNKNOWN: ErrorText(
        "Unclassified failure",
        "The attempt failed in a way no other kind describes.",
        "Check the dispatcher's logs around the attempt's time.",
    ),
}


def error_text(kind: str) -> ErrorText:
    """The catalogue entry for a stored kind; kinds this version does not know read as `unknown`."""
    try:
        return CATALOG[ErrorKind(kind)]
    except ValueError:
        return CATALOG[ErrorKind.UNKNOWN]
