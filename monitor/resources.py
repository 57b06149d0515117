"""Files shipped inside the package: migrations, default watchlists, demo data and templates.

Found with importlib.resources, so a wheel installed anywhere finds them without the checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

MIGRATIONS = "monitor:migrations"  # Alembic's `package:folder` form of script_location


def package_path(*parts: str) -> Path:
    """The on-disk path of a folder or file inside the installed `monitor` package."""
    path = Path(str(files("monitor").joinpath(*parts)))
    if not path.exists():
        raise FileNotFoundError(
            f"{'/'.join(parts)} is missing from the installed monitor package at "
            f"{files('monitor')}: reinstall news-monitor (pip install --force-reinstall)"
        )
    return path


def default_watchlists() -> Path:
    """The watchlists shipped with the package (the checkout's config/watchlists)."""
    return package_path("watchlists")
