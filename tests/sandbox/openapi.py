"""Cliniko's OpenAPI description, loaded the way the fact sheet (§12) says.

The file stays in `../shared/`; tests read it from there and never copy it.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / ".." / "shared" / "cliniko-openapi.yaml"
# Cliniko returns "" here while an appointment is not cancelled (real capture).
EMPTY_STRING_ENUMS = {"cancellation_reason_description"}


@functools.cache
def spec_dict() -> dict[str, Any]:
    # Ruby's `\h` is not a Python regex class
    text = SPEC_PATH.read_text(encoding="utf-8").replace("\\h", "[0-9a-fA-F]")
    spec = yaml.safe_load(text)
    _relax(spec)
    return spec


def _relax(node: Any, name: str | None = None) -> None:
    """Nullable enums also allow null (and "" where Cliniko sends it); email patterns
    are case-insensitive. Everything else stays as strict as the spec."""
    if isinstance(node, dict):
        if "enum" in node and node.get("nullable"):
            node["enum"] = [*dict.fromkeys(node["enum"]), None]
            if name in EMPTY_STRING_ENUMS and "" not in node["enum"]:
                node["enum"].append("")
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern.startswith("^[A-Z0-9!#$%&"):
            node["pattern"] = pattern.replace("A-Z", "A-Za-z")
        for key, value in node.items():
            _relax(value, key)
    elif isinstance(node, list):
        for item in node:
            _relax(item, name)


@functools.cache
def openapi_for(base_url: str) -> OpenAPI:
    spec = copy.deepcopy(spec_dict())
    spec["servers"] = [{"url": base_url}]
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def validate(response: Any, base_url: str) -> None:
    """Raise if a `requests` response does not match the spec's operation for it."""
    openapi_for(base_url).validate_response(
        RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))


def schema(name: str) -> dict[str, Any]:
    return spec_dict()["components"]["schemas"][name]


def missing_properties(row: dict[str, Any], schema_name: str) -> set[str]:
    """The spec has no `required` lists; every listed property should still be there."""
    return set(schema(schema_name)["properties"]) - set(row)


def property_paths(schema_or_name: dict[str, Any] | str, prefix: str = "") -> set[str]:
    """Every property the schema lists, nested objects included (`account.subdomain`);
    array items are not walked."""
    node = schema(schema_or_name) if isinstance(schema_or_name, str) else schema_or_name
    paths = set()
    for name, sub in node.get("properties", {}).items():
        paths.add(prefix + name)
        if "properties" in sub:
            paths |= property_paths(sub, f"{prefix}{name}.")
    return paths


def row_paths(row: dict[str, Any], prefix: str = "") -> set[str]:
    paths = set()
    for name, value in row.items():
        paths.add(prefix + name)
        if isinstance(value, dict):
            paths |= row_paths(value, f"{prefix}{name}.")
    return paths
