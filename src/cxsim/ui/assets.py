"""Solara's page assets, served locally so the web UI works with no CDN.

Solara's page template loads a few npm packages (the Vue/Vuetify app bundle,
requirejs, font-awesome) from a CDN, or through its own proxy at
``/_solara/cdn/<package>@<version>/...`` that reads a cache directory first
(``SOLARA_ASSETS_PROXY_CACHE_DIR``). This module reads the exact package
versions the installed Solara asks for from its template and settings,
fetches them with ``npm pack`` from the npm registry (reachable where a CDN
is not) and unpacks them into that cache, laid out as the proxy expects.

``python -m cxsim.ui.assets`` does it once (``scripts/setup_browser.sh`` calls
it); ``cxsim ui`` does it too when the cache is missing, so a user needs no
other set-up step.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Packages the template pins, e.g. {{cdn}}/@widgetti/solara-vuetify3-app@5.2.0/dist/...
_TEMPLATE_REF = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+)/")
_PATH_REF = re.compile(r"^/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+)/")


def cache_dir() -> Path:
    """Where the assets live: ``$CXSIM_ASSETS_DIR``, else ``.cache/solara-assets`` in a source
    checkout (git-ignored), else ``~/.cache/cxsim/solara-assets``."""
    env = os.environ.get("CXSIM_ASSETS_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / ".git").exists():
        return root / ".cache" / "solara-assets"
    return Path.home() / ".cache" / "cxsim" / "solara-assets"


def required_packages() -> list[tuple[str, str]]:
    """The (npm name, version) pairs the installed Solara's page template loads from its CDN.

    Read from Solara's own template and settings, so a Solara upgrade that pins new
    versions is followed without editing this file.
    """
    template = (_solara_server_dir() / "templates" / "solara.html.j2").read_text(encoding="utf-8")
    vue3 = importlib.metadata.version("ipyvue").startswith("3")
    found: dict[str, str] = {}
    for name, version in _TEMPLATE_REF.findall(template):
        # the template has both a Vue 2 and a Vue 3 app bundle; only one is used
        if name == "@widgetti/solara-vuetify3-app" and not vue3:
            continue
        if name == "@widgetti/solara-vuetify-app" and vue3:
            continue
        found[name] = version
    fontawesome = _fontawesome_path()
    match = _PATH_REF.match(fontawesome)
    if match:
        found[match.group(1)] = match.group(2)
    return sorted(found.items())


def _fontawesome_path() -> str:
    # Reading solara.server.settings would create its default cache dir as a side effect; the
    # default path is a class attribute of the settings class, so read it from the source.
    src = (_solara_server_dir() / "settings.py").read_text(encoding="utf-8")
    match = re.search(r'fontawesome_path:\s*str\s*=\s*"([^"]+)"', src)
    return match.group(1) if match else "/font-awesome@4.5.0/css/font-awesome.min.css"


def _solara_server_dir() -> Path:
    # located, not imported: importing solara takes seconds and this check should be instant
    spec = importlib.util.find_spec("solara")
    if spec is None or spec.origin is None:
        raise RuntimeError("solara is not installed")
    return Path(spec.origin).parent / "server"


def _package_dir(root: Path, name: str, version: str) -> Path:
    return root / f"{name}@{version}"


def missing_packages(root: Path | None = None) -> list[tuple[str, str]]:
    """Required packages not yet unpacked in ``root``."""
    root = cache_dir() if root is None else root
    return [(n, v) for n, v in required_packages() if not (_package_dir(root, n, v) / "package.json").is_file()]


def _unpack(tgz: Path, dest: Path) -> None:
    """Unpack an npm tarball (files under ``package/``) into ``dest`` atomically."""
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=dest.parent))
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            for member in tar.getmembers():
                if not (member.isfile() or member.isdir()):
                    continue  # npm tarballs hold files and folders only; skip anything else
                parts = Path(member.name).parts
                if not parts or ".." in parts or Path(member.name).is_absolute():
                    continue
                rel = Path(*parts[1:]) if len(parts) > 1 else None  # strip the top folder ('package/')
                if rel is None:
                    continue
                target = tmp / rel
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                with open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_assets(root: Path | None = None, quiet: bool = False) -> Path:
    """Fetch (``npm pack``) and unpack every missing package; return the cache directory.

    Raises:
        RuntimeError: npm is not installed or the registry cannot be reached.
    """
    root = cache_dir() if root is None else root
    todo = missing_packages(root)
    if not todo:
        return root
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "the web UI needs Solara's page assets, fetched once with npm, but npm is not installed "
            "(Debian: apt-get install npm)"
        )
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cxsim-npm-") as tmp:
        for name, version in todo:
            if not quiet:
                print(f"[cxsim ui] fetching page asset {name}@{version} (npm pack, once)", file=sys.stderr)
            proc = subprocess.run(
                [npm, "pack", f"{name}@{version}", "--pack-destination", tmp, "--silent"],
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"npm pack {name}@{version} failed: {proc.stderr.strip() or proc.stdout.strip()}")
            tgz = Path(tmp) / proc.stdout.strip().splitlines()[-1]
            dest = _package_dir(root, name, version)
            dest.parent.mkdir(parents=True, exist_ok=True)
            _unpack(tgz, dest)
    return root


def server_env(root: Path | None = None) -> dict[str, str]:
    """Environment for a Solara server that serves the assets from ``root`` and calls nowhere."""
    root = cache_dir() if root is None else root
    return {
        "SOLARA_ASSETS_PROXY": "True",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(root),
        # no telemetry calls to a host this machine cannot reach
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }


if __name__ == "__main__":
    path = ensure_assets()
    have = ", ".join(f"{n}@{v}" for n, v in required_packages())
    print(f"[cxsim ui] page assets ready in {path}: {have}", file=sys.stderr)
