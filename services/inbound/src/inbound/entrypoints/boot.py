"""Boot: load the mapping documents, cross-check the allow-list, record which documents are active.

Any problem refuses to serve, listing every file, resource and field at fault;
each loaded document is announced (`inbound.mapping_document_loaded`, audited
as MAPPING_DOCUMENT_LOAD) with its SHA-256, so an investigator can tell which
document was active when a record came in. There is no hot reload: editing a
document means restarting the service.
"""

from __future__ import annotations

import logging
import uuid
from importlib import metadata

from fastapi import FastAPI

from canonical.events.domain import DomainEvent
from canonical.events.factory import CommandContext
from canonical.web.runtime import ServiceRuntime
from inbound.adapters.mapping_files import MappingLoadError, allowlist_mismatches, load_mapping_documents
from inbound.adapters.unit_of_work import SOURCE, InboundUnitOfWork
from inbound.settings import Settings

log = logging.getLogger(__name__)

LOADER = "system:mapping_loader"


async def load_mapping_documents_at_boot(app: FastAPI) -> None:
    runtime: ServiceRuntime = app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, Settings)
    folder = settings.sentry_inbound_mappings_dir
    try:
        documents = load_mapping_documents(folder)
    except MappingLoadError as error:
        log.critical("%s", error)
        raise
    uow = InboundUnitOfWork(runtime.pool, runtime.writer, runtime.registry, source=SOURCE)
    context = CommandContext(request_id=str(uuid.uuid4()), actor=LOADER)
    async with uow:
        problems = allowlist_mismatches(documents, await uow.source_systems.names(), folder)
        if problems:
            mismatch = MappingLoadError("mapping documents and allow-list disagree:\n" + "\n".join(problems))
            log.critical("%s", mismatch)
            raise mismatch
        for source_system, loaded in sorted(documents.items()):
            stream = f"mapping-document-{source_system}"
            event = DomainEvent(
                "inbound.mapping_document_loaded",
                {
                    "source_system": source_system,
                    "path": str(loaded.path),
                    "sha256": loaded.sha256,
                    "mapping_version": loaded.document.mapping_version,
                    "version_compare": loaded.document.version_compare.value,
                    "resource_count": len(loaded.document.resources),
                    "build_version": metadata.version("sentry-inbound"),
                },
            )
            await uow.record(stream, await uow.lock_stream(stream), [event], context)
    app.state.mapping_documents = {name: loaded.document for name, loaded in documents.items()}
    log.info("loaded %d mapping document(s) from %s", len(documents), folder)
