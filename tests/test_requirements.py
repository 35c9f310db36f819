"""`make run` installs only requirements.txt: the app must start with nothing else.

The test suite runs in a venv that also holds the test tools, whose dependencies can
hide a runtime module nobody declared (rq-dashboard imports `six` without saying so).
This starts the app, the worker module and the sandbox in a subprocess that refuses
to import any installed distribution outside requirements.txt and its declared
dependencies.
"""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from cryptography.fernet import Fernet
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EVERYTHING = """
import importlib, importlib.abc, sys

blocked = set(sys.argv[1].split(","))

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is installed, but not by requirements.txt", name=name)
        return None

sys.meta_path.insert(0, Refuse())
import app, worker, cliniko_sandbox.app
app.app.test_client().get("/healthz")
"""


def runtime_distributions() -> set[str]:
    """requirements.txt's distributions and everything they declare, recursively."""
    def name(text: str) -> str:
        return text.lower().replace("_", "-")

    wanted = [Requirement(line.split("#")[0].strip()) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.split("#")[0].strip()]
    found: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        if name(requirement.name) in found:
            continue
        found.add(name(requirement.name))
        for text in metadata.requires(requirement.name) or ():
            dependency = Requirement(text)
            extras = requirement.extras or {""}
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": extra}) for extra in extras):
                wanted.append(dependency)
    return found


def modules_outside(distributions: set[str]) -> set[str]:
    """Top-level modules that only distributions outside `distributions` provide."""
    outside = set()
    for module, providers in metadata.packages_distributions().items():
        if not any(p.lower().replace("_", "-") in distributions for p in providers):
            outside.add(module)
    return outside - set(sys.stdlib_module_names) - {"_distutils_hack", "pip", "setuptools", "pkg_resources"}


def test_the_app_starts_with_only_the_runtime_requirements(tmp_path):
    runtime = runtime_distributions()
    assert {"flask", "rq-dashboard", "rq"} <= runtime
    blocked = modules_outside(runtime)
    assert "pytest" in blocked and "flask" not in blocked  # the fence stands where it should
    result = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING, ",".join(sorted(blocked))], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'oncord.db'}",
                                 "SECRET_KEY": "x" * 64, "ONCORD_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    assert result.returncode == 0, result.stderr[-3000:]
