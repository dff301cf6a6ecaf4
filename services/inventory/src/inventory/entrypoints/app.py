"""The inventory service's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from canonical.web.app import create_service_app
from inventory.entrypoints.catalog import bins, items, settings, warehouses, zones
from inventory.entrypoints.control import counts, history, imports, lookups, reports
from inventory.entrypoints.idempotency import install_idempotency
from inventory.entrypoints.inbound.consumer import inbound_apply_consumer
from inventory.entrypoints.orders import sales_orders
from inventory.entrypoints.picking import routes as picking
from inventory.entrypoints.receiving import purchase_orders, scanning
from inventory.entrypoints.shipping import routes as shipping
from inventory.entrypoints.stock import adjustments, inter_warehouse, transfers
from inventory.settings import Settings

ROUTERS = (
    warehouses.router,
    warehouses.floor,
    zones.router,
    bins.router,
    bins.floor,
    items.router,
    settings.router,
    settings.floor,
    adjustments.router,
    transfers.router,
    inter_warehouse.router,
    purchase_orders.router,
    scanning.router,
    lookups.router,
    history.router,
    counts.router,
    counts.admin,
    reports.router,
    imports.router,
    sales_orders.router,
    sales_orders.floor,
    picking.router,
    picking.admin,
    shipping.router,
)


def create_app(service_settings: Settings) -> FastAPI:
    app = create_service_app(
        service_settings,
        routers=ROUTERS,
        identity_verify_key=service_settings.identity_verify_key(),
        make_workers=lambda runtime: [inbound_apply_consumer(runtime)],
    )
    install_idempotency(app)
    return app
