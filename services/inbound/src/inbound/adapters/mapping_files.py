"""Loading mapping documents from SENTRY_INBOUND_MAPPINGS_DIR at boot.

One file per source system, named after it (`<source_system>.yaml`, `.yml` or
`.json`; anything else, such as the `.yaml.template`, is ignored). Parsed with
a safe YAML loader; the SHA-256 of the raw bytes is kept so investigators can
tell which document was active when a record came in. Every problem in every
file is reported at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from inbound.domain.mapping.document import MappingDocument

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class LoadedDocument:
    document: MappingDocument
    path: Path
    sha256: str


class MappingLoadError(RuntimeError):
    pass


def _problems(error: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}" for e in error.errors()]


def load_mapping_documents(folder: Path) -> dict[str, LoadedDocument]:
    folder.mkdir(parents=True, exist_ok=True)
    loaded: dict[str, LoadedDocument] = {}
    problems: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES):
        raw = path.read_bytes()
        try:
            document = MappingDocument.model_validate(yaml.safe_load(raw))
        except yaml.YAMLError as error:
            problems.append(f"{path}: not valid YAML: {error}")
            continue
        except ValidationError as error:
            problems += [f"{path}: {problem}" for problem in _problems(error)]
            continue
        if document.source_system != path.stem:
            problems.append(f"{path}: source_system {document.source_system!r} must equal the file name stem")
        elif document.source_system in loaded:
            problems.append(f"{path}: a second document for {document.source_system!r}")
        else:
            loaded[document.source_system] = LoadedDocument(document, path, hashlib.sha256(raw).hexdigest())
    if problems:
        raise MappingLoadError("invalid mapping documents:\n" + "\n".join(f"  - {p}" for p in problems))
    return loaded


def allowlist_mismatches(documents: dict[str, LoadedDocument], allowlisted: set[str], folder: Path) -> list[str]:
    """Both directions: an allow-listed source without a document, a document without an allow-list row."""
    problems = [
        f"source system {source!r} is allow-listed but has no mapping document (expected {folder / source}.yaml)"
        for source in sorted(allowlisted - set(documents))
    ]
    problems += [
        f"{documents[source].path} maps source system {source!r}, which is not allow-listed"
        for source in sorted(set(documents) - allowlisted)
    ]
    return problems
