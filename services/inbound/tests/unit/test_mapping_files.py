import shutil
from pathlib import Path

import pytest
import yaml

from inbound.adapters.mapping_files import MappingLoadError, allowlist_mismatches, load_mapping_documents
from inbound.domain.mapping.document import MappingDocument, Resource

TEMPLATE = Path(__file__).parents[2] / "mappings" / "example-template.yaml.template"


def install(folder: Path, source_system: str, text: str | None = None) -> Path:
    body = text or TEMPLATE.read_text().replace("source_system: example-template", f"source_system: {source_system}")
    path = folder / f"{source_system}.yaml"
    path.write_text(body)
    return path


def test_the_shipped_template_covers_all_five_resources_and_is_valid() -> None:
    document = MappingDocument.model_validate(yaml.safe_load(TEMPLATE.read_text()))
    assert set(document.resources) == set(Resource)


def test_documents_load_with_their_checksum_and_templates_are_ignored(tmp_path: Path) -> None:
    install(tmp_path, "shop")
    shutil.copy(TEMPLATE, tmp_path / TEMPLATE.name)
    loaded = load_mapping_documents(tmp_path)
    assert set(loaded) == {"shop"}
    assert len(loaded["shop"].sha256) == 64


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    assert load_mapping_documents(tmp_path / "mappings") == {}
    assert (tmp_path / "mappings").is_dir()


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    install(tmp_path, "good")
    install(tmp_path, "renamed").rename(tmp_path / "other.yaml")
    (tmp_path / "broken.yaml").write_text("mapping_version: [unclosed")
    install(
        tmp_path,
        "typo",
        TEMPLATE.read_text().replace("example-template", "typo").replace("canonical: upc", "canonical: upcc"),
    )
    with pytest.raises(MappingLoadError) as refused:
        load_mapping_documents(tmp_path)
    message = str(refused.value)
    assert "other.yaml: source_system 'renamed' must equal the file name stem" in message
    assert "broken.yaml: not valid YAML" in message
    assert "typo.yaml" in message
    assert "item has no field 'upcc'" in message


def test_allowlist_and_documents_must_match_both_ways(tmp_path: Path) -> None:
    install(tmp_path, "shop")
    documents = load_mapping_documents(tmp_path)
    assert allowlist_mismatches(documents, {"shop"}, tmp_path) == []
    problems = allowlist_mismatches(documents, {"erp"}, tmp_path)
    assert any("'erp' is allow-listed but has no mapping document" in p for p in problems)
    assert any("'shop', which is not allow-listed" in p for p in problems)
