"""Session-wide test hygiene for every suite in the repository."""

from __future__ import annotations

import asyncio

import pytest

from canonical.testing import delete_session_topics


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Topics this session created (one fresh prefix per test) are deleted, so repeated runs
    # never pile up partitions on the broker.
    try:
        asyncio.run(delete_session_topics())
    except Exception as error:  # a broker that is already down must not turn a green run red
        session.config.get_terminal_writer().line(f"could not delete this session's test topics: {error}")
