import secrets

import httpx
import pytest

from canonical.config.settings import BootError, load_settings
from canonical.testing import generate_identity_keys
from gateway.entrypoints.app import create_app
from gateway.settings import Settings


@pytest.fixture
def gateway_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://gateway@127.0.0.1:5433/gateway")
    for variable in ("JWT_SECRET", "SENTRY_TOKEN_PEPPER", "SENTRY_PUBSUB_HMAC_KEY", "REDIS_PASSWORD"):
        monkeypatch.setenv(variable, secrets.token_hex(32))
    monkeypatch.setenv("SENTRY_INTERNAL_SIGNING_KEY", generate_identity_keys().private_setting)
    for variable in ("TRUST_PROXY", "API_BIND_HOST", "SENTRY_ALLOW_OPEN_BIND", "SERVICE_HOST", "SERVICE_PORT"):
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.usefixtures("gateway_environment")
def test_the_public_port_is_5000_on_loopback_by_default() -> None:
    settings = load_settings(Settings)
    assert (settings.bind_host, settings.port) == ("127.0.0.1", 5000)


@pytest.mark.usefixtures("gateway_environment")
def test_trusting_proxies_on_an_open_bind_needs_an_explicit_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUST_PROXY", "true")
    monkeypatch.setenv("API_BIND_HOST", "0.0.0.0")
    with pytest.raises(BootError, match="SENTRY_ALLOW_OPEN_BIND"):
        load_settings(Settings)
    monkeypatch.setenv("SENTRY_ALLOW_OPEN_BIND", "true")
    assert load_settings(Settings).trust_proxy


@pytest.mark.usefixtures("gateway_environment")
async def test_health_says_only_status_and_service() -> None:
    app = create_app(load_settings(Settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        response = await client.get("/api/health")
    assert response.json() == {"status": "ok", "service": "sentry-wms"}


@pytest.mark.usefixtures("gateway_environment")
def test_in_a_container_it_listens_on_service_host_and_the_guard_judges_the_published_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SERVICE_HOST", "0.0.0.0")
    monkeypatch.setenv("TRUST_PROXY", "true")
    settings = load_settings(Settings)
    assert (settings.bind_host, settings.api_bind_host) == ("0.0.0.0", "127.0.0.1")
