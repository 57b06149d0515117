"""Bundled demo content for `monitor demo`: sample feeds and pages, and the server for them."""

from monitor.demo.server import (
    CONFIG_TEMPLATE,
    DATA_DIR,
    DEMO_NOW,
    DemoFeed,
    DemoServer,
    Manifest,
    ManifestArticle,
    ManifestFeed,
    demo_config,
    load_manifest,
    write_demo_config,
)

__all__ = [
    "CONFIG_TEMPLATE",
    "DATA_DIR",
    "DEMO_NOW",
    "DemoFeed",
    "DemoServer",
    "Manifest",
    "ManifestArticle",
    "ManifestFeed",
    "demo_config",
    "load_manifest",
    "write_demo_config",
]
