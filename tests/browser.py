"""JupyterLab servers and a headless Chromium for the browser tests.

Playwright drives Debian's ``chromium`` (``/usr/bin/chromium``): Playwright's
own browser download is not needed. Each server listens on 127.0.0.1 on a
free port with token auth, in its own folder and HOME.
"""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A ``jupyter lab`` server in ``root`` (its folder) with its own HOME; stop it with ``stop()``."""

    def __init__(self, root, home, env, log):
        self.root, self.port, self.token = Path(root), free_port(), secrets.token_hex(16)
        Path(home).mkdir(parents=True, exist_ok=True)
        self.log = open(log, "w")
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
                   "jupyterlab.NeverCheckForUpdate", "--ServerApp.open_browser=False"]
        if os.geteuid() == 0:
            command.append("--allow-root")  # CI runs as root
        self.process = subprocess.Popen(command, cwd=self.root, env={**env, "HOME": str(home)}, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path=""):
        return f"{self.base}/{path.lstrip('/')}{'&' if '?' in path else '?'}token={self.token}"

    def wait(self, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"jupyter lab did not answer on port {self.port} in {seconds} s; see {self.log.name}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Screens:
    """Numbered screenshots of every step, and the console errors nbgrader's extension logs."""

    def __init__(self, folder):
        self.folder, self.count, self.errors = Path(folder), 0, []
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def watch(self, page, who):
        def console(message):
            where = (message.location or {}).get("url", "")
            if message.type == "error" and "nbgrader" in (where + message.text).lower():
                self.errors.append(f"{who}: {message.text} ({where})")
        page.on("console", console)
        page.on("pageerror", lambda error: self.errors.append(f"{who}: page error {error}")
                if "nbgrader" in str(error.stack or error).lower() else None)
        return page

    def shot(self, page, step):
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"))
