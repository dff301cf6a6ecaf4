"""The test server: an app that never finishes stopping fails its test, saying what still runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from canonical.testing import serving

pytestmark = pytest.mark.integration


async def wait_for_ever() -> None:
    await asyncio.Event().wait()


def app_stuck_at_shutdown() -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await wait_for_ever()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return app


async def test_a_shutdown_that_hangs_fails_within_the_limit_saying_where() -> None:
    with pytest.raises(RuntimeError, match=r"did not stop within 0\.5 s") as raised:
        async with serving(app_stuck_at_shutdown(), stop_within_s=0.5) as url, httpx.AsyncClient() as client:
            assert (await client.get(f"{url}/ping")).json() == {"pong": "yes"}
    assert "in lifespan" in str(raised.value)  # where it hangs: the lifespan's exit
