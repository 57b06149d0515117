"""What the wheel must carry so an install outside the checkout works (scripts/wheel_smoke.sh
builds and runs it in CI): every data file is matched by a package-data pattern, and the code
finds migrations, watchlists and the demo through the package, not through the checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import monitor
from monitor.config.watchlist import WatchlistConfig
from monitor.demo import CONFIG_TEMPLATE, DATA_DIR
from monitor.resources import MIGRATIONS, default_watchlists, package_path
from monitor.store import db

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(monitor.__file__).resolve().parent
# folders inside the package that hold data files rather than (only) modules
DATA_FOLDERS = ["migrations", "watchlists", "demo/data", "demo/config", "delivery/templates"]


def _shipped() -> set[Path]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = meta["tool"]["setuptools"]["package-data"]["monitor"]
    return {p.resolve() for pat in patterns for p in PACKAGE.glob(pat) if p.is_file()}


@pytest.mark.parametrize("folder", DATA_FOLDERS)
def test_every_data_file_is_package_data(folder: str) -> None:
    files = {
        p.resolve()
        for p in (PACKAGE / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert files, f"monitor/{folder} is empty"
    missing = sorted(str(p.relative_to(PACKAGE.parent.resolve())) for p in files - _shipped())
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"


def test_every_data_file_anywhere_in_the_package_ships() -> None:
    """A data file added to any module folder (a gazetteer, a template) reaches the wheel."""
    files = {
        p.resolve()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    missing = sorted(str(p.relative_to(PACKAGE.parent.resolve())) for p in files - _shipped())
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"


def test_migrations_found_through_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_ALEMBIC_DIR", raising=False)
    assert db.alembic_dir() == MIGRATIONS == "monitor:migrations"
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", db.alembic_dir())
    script = ScriptDirectory.from_config(cfg)
    assert Path(script.dir).resolve() == (PACKAGE / "migrations").resolve()
    assert script.get_current_head() == db.head_revision() is not None


def test_alembic_ini_uses_the_package_location() -> None:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    assert cfg.get_main_option("script_location") == "monitor:migrations"


def test_default_watchlists_and_demo_live_in_the_package() -> None:
    folder = default_watchlists()
    files = sorted(folder.glob("*.yaml"))
    assert files, "no default watchlists shipped"
    for f in files:
        WatchlistConfig.model_validate(yaml.safe_load(f.read_text(encoding="utf-8")))
    for path in (DATA_DIR, CONFIG_TEMPLATE):
        assert path.resolve().is_relative_to(PACKAGE)
        assert path.exists()


def test_missing_resource_names_what_to_do() -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such-folder is missing .* reinstall"):
        package_path("no-such-folder")


def _lock() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def test_the_lock_pins_every_declared_dependency_inside_its_range() -> None:
    """requirements.lock is current with pyproject.toml (else: run scripts/lock.sh)."""
    pins = _lock()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not in requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]} outside {req.specifier}"
        )


@pytest.mark.parametrize("module", ["anyio", "lxml", "charset_normalizer", "ruamel.yaml"])
def test_what_the_code_imports_is_declared(module: str) -> None:
    names = {canonicalize_name(r.name) for r in _declared()}
    dist = {"charset_normalizer": "charset-normalizer", "ruamel.yaml": "ruamel-yaml"}
    assert canonicalize_name(dist.get(module, module)) in names


def test_zero_x_dependencies_have_an_upper_bound() -> None:
    """A 0.x release may break on its next minor: every runtime 0.x dependency is capped."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _lock()
    for req in map(Requirement, project["dependencies"]):
        uppers = [s for s in req.specifier if s.operator in {"<", "<="}]
        assert uppers, f"{req.name} has no upper bound"
        if pins[canonicalize_name(req.name)].startswith("0."):
            assert all(s.version.startswith("0.") for s in uppers), req
