from importlib import metadata
from pathlib import Path

import pytest

from canonical import upgrade_guard


def make_checkout(root: Path, version: str) -> Path:
    (root / "pyproject.toml").write_text(f'[project]\nname = "sentry-demo"\nversion = "{version}"\n')
    package = root / "src" / "demo"
    package.mkdir(parents=True)
    module = package / "__init__.py"
    module.write_text("")
    return module


def test_matching_versions_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "version", lambda _: "1.2.0")
    upgrade_guard.enforce({"sentry-demo": make_checkout(tmp_path, "1.2.0")})


def test_a_stale_install_exits_with_code_2_and_says_how_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(metadata, "version", lambda _: "1.1.0")
    with pytest.raises(SystemExit) as exited:
        upgrade_guard.enforce({"sentry-demo": make_checkout(tmp_path, "1.2.0")})
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "installed at version 1.1.0 but the source is version 1.2.0" in error
    assert "make down && make up" in error


def test_an_image_compares_against_its_build_version_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_file = tmp_path / "BUILD_VERSION"
    build_file.write_text("2.0.0\n")
    monkeypatch.setattr(upgrade_guard, "BUILD_VERSION_FILE", build_file)
    monkeypatch.setattr(metadata, "version", lambda _: "1.9.0")
    installed_module = tmp_path / "site-packages" / "demo" / "__init__.py"
    installed_module.parent.mkdir(parents=True)
    installed_module.write_text("")
    with pytest.raises(SystemExit):
        upgrade_guard.enforce({"sentry-demo": installed_module})
