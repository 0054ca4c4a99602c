"""Headless Chromium for the site tests, driven over the DevTools protocol on a pipe.

No extra package and no port: Chromium reads commands on fd 3 and writes replies on
fd 4 (``--remote-debugging-pipe``), NUL-separated JSON. Pages are opened from
``file://`` with DNS resolution off and the network emulated offline; every request
that is not to a file, ``data:``/``blob:`` or the loopback is reported.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL = ["apt-get", "install", "-y", "chromium", "fonts-noto-cjk"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    # No name resolves: nothing outside this machine can be reached even by mistake.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
    "--remote-debugging-pipe",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class BrowserUnavailable(RuntimeError):
    """Chromium is missing and could not be installed."""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path
    return None


def cjk_font_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def ensure_chromium() -> str:
    """Debian's chromium (and a CJK font), installed with apt-get when missing."""
    exe = find_chromium()
    if exe and cjk_font_installed():
        return exe
    if not shutil.which("apt-get"):
        raise BrowserUnavailable("chromium or a CJK font is missing and apt-get is not available")
    if os.geteuid() != 0:
        raise BrowserUnavailable(
            f"chromium or a CJK font is missing; run: sudo {' '.join(INSTALL)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], INSTALL):
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=900, check=False
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise BrowserUnavailable(f"{' '.join(cmd)} failed: {' | '.join(tail)}")
    exe = find_chromium()
    if not exe:
        raise BrowserUnavailable(f"{' '.join(INSTALL)} ran but no chromium is on PATH")
    return exe


class CDPError(RuntimeError):
    pass


def is_outside(url: str) -> bool:
    """A request that would leave the machine: not a file, data, blob or loopback URL."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return (parts.hostname or "") not in LOOPBACK


@dataclass
class PageReport:
    url: str
    charts: int = 0
    drawn: int = 0
    undrawn: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    timed_out: bool = False

    def problems(self) -> list[str]:
        name = self.url.rsplit("/site/", 1)[-1]
        out = [f"{name}: console error: {m}" for m in self.console_errors]
        out += [f"{name}: console warning: {m}" for m in self.console_warnings]
        out += [f"{name}: outside request: {u}" for u in self.outside_requests]
        out += [f"{name}: chart not drawn as SVG: {c}" for c in self.undrawn]
        if self.timed_out:
            out.append(f"{name}: charts did not finish drawing")
        return out


# Counts the chart elements of a page and those holding an SVG drawn by Vega.
CHART_PROBE = """(() => {
  const nodes = Array.from(document.querySelectorAll('[data-vega-spec]'));
  const drawn = nodes.filter(n => n.querySelector('svg.marks') !== null);
  return JSON.stringify({charts: nodes.length, drawn: drawn.length,
    undrawn: nodes.filter(n => !drawn.includes(n)).map(n => n.id)});
})()"""
READY_PROBE = (
    "document.readyState === 'complete' && "
    "(document.querySelectorAll('[data-vega-spec]').length === 0 || "
    "document.documentElement.dataset.charts === 'done')"
)


class Browser:
    """One headless Chromium with one tab, visited page after page."""

    def __init__(self, exe: str, profile: Path) -> None:
        cmd_r, cmd_w = os.pipe()  # we write, Chromium reads on fd 3
        res_r, res_w = os.pipe()  # Chromium writes on fd 4, we read

        def wire() -> None:  # in the child, before exec
            a, b = os.dup(cmd_r), os.dup(res_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # single-threaded here: no other thread holds a lock
            close_fds=False,
        )
        os.close(cmd_r)
        os.close(res_w)
        self._w, self._r = cmd_w, res_r
        self._next = 0
        self._replies: dict[int, dict] = {}
        self._events: list[dict] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=self.session)
        self.call(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            session=self.session,
        )
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._cond.notify_all()
                return
            buf += chunk
            *messages, buf = buf.split(b"\0")
            with self._cond:
                for raw in messages:
                    msg = json.loads(raw)
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self._events.append(msg)
                self._cond.notify_all()

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 30,
    ) -> dict:
        with self._cond:
            self._next += 1
            ident = self._next
        msg: dict = {"id": ident, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode("utf-8") + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise CDPError(f"{method}: no reply (browser exited: {self.proc.poll()})")
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=self.session,
        )
        if "exceptionDetails" in result:
            raise CDPError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return False

    def visit(self, url: str, timeout: float = 30) -> PageReport:
        """Open a page, wait for its charts, and report what went wrong on it."""
        with self._cond:
            self._events.clear()
        self.call("Page.navigate", {"url": url}, session=self.session)
        report = PageReport(url)

        def loaded() -> bool:
            with self._cond:
                return any(e.get("method") == "Page.loadEventFired" for e in self._events)

        report.timed_out = not (
            self._wait(loaded, timeout)
            and self._wait(lambda: bool(self.evaluate(READY_PROBE)), timeout)
        )
        probe = json.loads(str(self.evaluate(CHART_PROBE)))
        report.charts, report.drawn, report.undrawn = (
            probe["charts"],
            probe["drawn"],
            probe["undrawn"],
        )
        time.sleep(0.05)  # let late console events arrive
        with self._cond:
            events = list(self._events)
        for ev in events:
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]
                )
                if params["type"] in ("error", "assert"):
                    report.console_errors.append(text)
                elif params["type"] == "warning":
                    report.console_warnings.append(text)
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                report.console_errors.append(
                    details.get("exception", {}).get("description") or details.get("text", "")
                )
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                report.console_errors.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
            elif method == "Network.requestWillBeSent":
                request_url = params["request"]["url"]
                if is_outside(request_url):
                    report.outside_requests.append(request_url)
        return report

    def screenshot(self, path: Path, height: int = 2400) -> Path:
        """The top of the current page (width 1280) as PNG."""
        metrics = self.call("Page.getLayoutMetrics", session=self.session)
        full = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": 1280, "height": min(height, full["height"]), "scale": 1}
        shot = self.call(
            "Page.captureScreenshot",
            {"format": "png", "clip": clip, "captureBeyondViewport": True},
            session=self.session,
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(CDPError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            with contextlib.suppress(OSError):
                os.close(fd)
