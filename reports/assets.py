"""Files the pages share: the Vega libraries, the script that draws the charts, and the
PNG/SVG exports of charts.

The Vega, Vega-Lite and Vega-Embed libraries come from vl-convert (pinned), written
once to ``site/assets/vega.js`` and referenced relatively, so pages open from disk with
no network. The bundle mentions a few web addresses: an error message's issue link,
the compiled spec's $schema and the default "open in editor" URL are removed (the
editor action is off); the three W3C XML namespace names, which the DOM needs to
create SVG elements and which a browser never fetches, are written with escaped
slashes (the same JavaScript string) so the site holds no http(s) address as text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

import vl_convert as vlc

log = logging.getLogger(__name__)

XML_NAMESPACES = (
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2000/xmlns/",
)
# (text in the bundle, replacement): web addresses the offline site does not need.
BUNDLE_EDITS = (
    (
        " (https://github.com/vega/vega-lite/issues/2415)",
        " (vega-lite issue 2415)",
    ),
    ('$schema:"https://vega.github.io/schema/vega/v6.json",', ""),
    ('"https://vega.github.io/editor/"', '""'),
)
URL = re.compile(r"https?://")


class BundleError(RuntimeError):
    """The Vega bundle still names a web address after the offline edits."""


def bundle_stamp() -> str:
    return (
        f"vl-convert {vlc.__version__}; vega {vlc.get_vega_version()}; "
        f"vega-embed {vlc.get_vega_embed_version()}"
    )


def offline_bundle(bundle: str) -> str:
    """The bundle with its web addresses removed or escaped; raises if any remain (a new
    vl-convert with new addresses must be looked at, not shipped)."""
    for old, new in BUNDLE_EDITS:
        bundle = bundle.replace(old, new)
    for ns in XML_NAMESPACES:
        bundle = bundle.replace(f'"{ns}"', '"' + ns.replace("/", "\\/") + '"')
    left = [bundle[max(0, m.start() - 60) : m.end() + 60] for m in URL.finditer(bundle)]
    if left:
        raise BundleError(f"the Vega bundle still names web addresses: {left[:3]}")
    return bundle


def write_vega_bundle(assets: Path) -> Path:
    """Write ``assets/vega.js`` unless the same libraries are already there (building
    the bundle takes seconds)."""
    path = assets / "vega.js"
    header = f"/* Vega, Vega-Lite, Vega-Embed for greenstat: {bundle_stamp()} */\n"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            if f.readline() == header:
                return path
    cached = _bundle_cache(header)
    data = cached.read_bytes() if cached is not None and cached.exists() else b""
    text = data.decode("utf-8", errors="replace")
    if not (text.startswith(header) and not URL.search(text)):  # missing, stale or altered
        data = (header + offline_bundle(vlc.javascript_bundle())).encode("utf-8")
        if cached is not None:
            try:  # every new data home (each test, each demo) would rebuild it otherwise
                cached.parent.mkdir(parents=True, exist_ok=True)
                _write(cached, data)
            except OSError as exc:
                log.info("vega bundle not cached at %s: %s", cached, exc)
    _write(path, data)
    return path


def _bundle_cache(header: str) -> Path | None:
    """Where the built bundle is kept between data homes, keyed by the library versions
    (``$XDG_CACHE_HOME/greenstat``, ``~/.cache/greenstat``); None when there is no home."""
    root = os.environ.get("XDG_CACHE_HOME") or (
        str(Path.home() / ".cache") if os.environ.get("HOME") else None
    )
    if root is None:
        return None
    key = hashlib.sha256(header.encode("utf-8")).hexdigest()[:16]
    return Path(root) / "greenstat" / f"vega-{key}.js"


# Draws every chart of a page: the spec sits in a JSON script element named by the
# chart's data-vega-spec. When all are drawn, <html data-charts="done"> (the browser
# test waits for it); a chart that fails says so in the page and on the console.
SITE_JS = """(function () {
  "use strict";
  var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-vega-spec]"));
  var jobs = nodes.map(function (node) {
    var spec = JSON.parse(document.getElementById(node.dataset.vegaSpec).textContent);
    var actions = node.dataset.actions === "export"
      ? {export: true, source: false, compiled: false, editor: false} : false;
    return vegaEmbed(node, spec, {renderer: "svg", mode: "vega-lite", actions: actions})
      .then(function () { node.dataset.rendered = "svg"; })
      .catch(function (err) {
        node.dataset.rendered = "error";
        node.textContent = "Chart failed to draw 图表无法显示: " + err;
        console.error("chart " + node.id + ": " + err);
      });
  });
  Promise.all(jobs).then(function () { document.documentElement.dataset.charts = "done"; });
})();
"""


def write_site_js(assets: Path) -> Path:
    path = assets / "site.js"
    _write(path, SITE_JS.encode("utf-8"))
    return path


def cjk_font_available() -> bool:
    """Whether a CJK font is installed where vl-convert looks (the system font folders):
    without one, Chinese text in PNG/SVG exports renders as boxes."""
    roots = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
    pattern = re.compile(r"cjk|wqy|sourcehan|notosanssc|notoserifsc|simhei|simsun|yahei", re.I)
    for root in roots:
        if root.is_dir() and any(pattern.search(p.name) for p in root.rglob("*.tt[cf]")):
            return True
        if root.is_dir() and any(pattern.search(p.name) for p in root.rglob("*.otf")):
            return True
    return False


def export_chart(spec: dict, name: str, out_dir: Path) -> tuple[Path, Path]:
    """Write ``name.svg`` and ``name.png`` (2x) from a spec, with no data fetched. Skipped
    when the files were made from the same spec (a hash kept beside them)."""
    svg_path, png_path = out_dir / f"{name}.svg", out_dir / f"{name}.png"
    stamp = out_dir / f".{name}.sha256"
    digest = hashlib.sha256(
        json.dumps(spec, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    if (
        svg_path.exists()
        and png_path.exists()
        and stamp.exists()
        and stamp.read_text(encoding="utf-8") == digest
    ):
        return svg_path, png_path
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    _write(svg_path, svg.encode("utf-8"))
    _write(png_path, vlc.svg_to_png(svg, scale=2))
    _write(stamp, digest.encode("utf-8"))
    return svg_path, png_path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
