"""The route table against the services' real routers: every public path of a service reaches that service."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace
from typing import cast

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from audit.entrypoints.api import audit_router
from canonical.testing import generate_identity_keys
from gateway.entrypoints.app import route_table
from gateway.entrypoints.proxy_api import PUBLIC_ROUTES
from gateway.settings import Settings

TABLE = route_table(
    cast(
        Settings,
        SimpleNamespace(
            audit_url="http://audit",
            dispatcher_url="http://dispatcher",
            inbound_url="http://inbound",
            connectors_url="http://connectors",
            inventory_url="http://inventory",
        ),
    )
)


def _routes_of(service: str) -> list[tuple[str, str]]:
    """(method, path) of every route on the module-level routers of `<service>.entrypoints`."""
    package = importlib.import_module(f"{service}.entrypoints")
    routers: list[APIRouter] = []
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{service}.entrypoints.{module.name}")
        routers += [value for value in vars(loaded).values() if isinstance(value, APIRouter)]
    if service == "audit":  # built per app around the checkpoint key
        routers.append(audit_router(generate_identity_keys().private.public_key()))
    return sorted(
        {
            (method, route.path)
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and route.path.startswith("/api/")
            for method in route.methods or ()
        }
    )


@pytest.mark.parametrize("service", ["inbound", "dispatcher", "audit"])
def test_every_public_path_of_a_service_is_routed_to_it(service: str) -> None:
    routes = _routes_of(service)
    assert routes, f"no routes found for {service}"
    misrouted = [(method, path) for method, path in routes if TABLE.upstream_for(path).name != service]
    assert misrouted == []


def test_inbound_admin_paths_and_the_rest_of_the_api_go_where_they_belong() -> None:
    assert TABLE.upstream_for("/api/admin/inbound/source-systems/erp").name == "inbound"
    assert TABLE.upstream_for("/api/admin/inbound/activity").name == "inbound"
    assert TABLE.upstream_for("/api/admin/webhook-errors").name == "dispatcher"
    assert TABLE.upstream_for("/api/admin/connector-registry/erp").name == "dispatcher"
    assert TABLE.upstream_for("/api/admin/connectors/erp").name == "connectors"  # the connectors framework's own
    assert TABLE.upstream_for("/api/admin/warehouses").name == "inventory"
    assert TABLE.upstream_for("/api/admin/inboundx").name == "inventory"  # a prefix with its slash


def test_the_anonymous_routes_are_few_read_only_and_real() -> None:
    assert {("GET", "/api/v1/inbound/mapping-schema")} == PUBLIC_ROUTES
    inbound = _routes_of("inbound")
    for method, path in PUBLIC_ROUTES:
        assert (method, path) in inbound
        assert TABLE.upstream_for(path).name == "inbound"
