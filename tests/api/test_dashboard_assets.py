"""The dashboard ships its charting library: pinned npm bundles, unchanged, with their licences, and no CDN."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "include" / "gridcarbon" / "api" / "static"
VENDOR = STATIC / "vendor"


def test_the_bundles_are_the_pinned_ones_with_their_licences() -> None:
    sums = dict(reversed(line.split()) for line in (VENDOR / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} changed"
        licence = (VENDOR / name.replace(".min.js", ".LICENSE")).read_text()
        assert "Redistribution and use in source and binary forms" in licence  # BSD-3-Clause
    pinned = json.loads((VENDOR / "package.json").read_text())["dependencies"]
    assert pinned == {"vega": "6.4.0", "vega-lite": "6.5.0", "vega-embed": "7.3.0"}
    lock = json.loads((VENDOR / "package-lock.json").read_text())["packages"]
    for package, version in pinned.items():
        assert lock[f"node_modules/{package}"]["version"] == version
        assert lock[f"node_modules/{package}"]["integrity"].startswith("sha512-")
    # the bundle says which version it is
    assert 'var n="6.5.0"' in (VENDOR / "vega-lite.min.js").read_text()[:400]
    third_party = (VENDOR / "THIRD-PARTY-LICENSES.txt").read_text()
    assert all(f"\n{p}@" in third_party for p in ("d3-scale", "fast-json-patch", "semver", "vega-tooltip"))


def test_the_page_loads_nothing_from_elsewhere() -> None:
    page = (STATIC / "dashboard.html").read_text()
    script = (STATIC / "dashboard.js").read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(not re.match(r"^[a-z]+:|^//", s) for s in sources), sources
    # the one absolute URL in our script is Vega-Lite's schema id, which vega-embed does not fetch
    assert re.findall(r"https?://[^\s\"'`]+", script) == ["https://vega.github.io/schema/vega-lite/v6.json"]
