"""Structural validation of the kinds kstate stores but does not simulate
(ConfigMap, Service, Ingress, RBAC, …) against the JSON schemas that
Kubernetes' OpenAPI documents give, as shipped by the `kubernetes-validate`
package: an optional extra, `pip install 'kstate[schemas]'`, switched on per
parse (`parse_manifests(..., schemas=True)`, `Cluster(validate_schemas=True)`,
`kstate validate --schemas`).

Owns: `validate(doc, version) -> [(path, message)]` in kstate's error wording
(`Required value`, `Invalid value: …: must be integer`, `unknown field "…"`),
every error of a document at once, schemas loaded once per (version, kind).
Kinds kstate simulates are validated by their own decoders, not here; custom
resources have no schema here and pass. Structural only: the OpenAPI schemas
carry no enums, ranges or name rules, which are the API server's Go
validation. Imports the stdlib and (lazily, when used) jsonschema,
referencing and kubernetes_validate's data files; nothing of kstate but errors.

Why an extra and not a dependency (measured, see docs/architecture.md): the
package is 22.6 MB to download and 121 MB installed (13 Kubernetes versions ×
strict/non-strict), adds ~125 ms to the first import and ~12 MiB; a document
then costs 0.1–1.4 ms. Users who do not ask for it pay nothing.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from kstate.errors import SpecError

_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local$")


class SchemaUnavailable(LookupError):
    """No schema for this apiVersion/kind (a custom resource, a removed API)."""


def _modules():
    try:
        import jsonschema
        from importlib.resources import files
        from referencing import Registry, Resource
        root = files("kubernetes_validate") / "kubernetes-json-schema"
    except ImportError:
        raise SpecError("schema validation needs the optional extra: pip install 'kstate[schemas]'",
                        "schemas") from None
    return jsonschema, Registry, Resource, root


@lru_cache(maxsize=None)
def _format_checker():
    jsonschema = _modules()[0]
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("int32")(lambda v: not isinstance(v, int) or -2**31 <= v < 2**31)
    checker.checks("int64")(lambda v: not isinstance(v, int) or -2**63 <= v < 2**63)
    return checker


@lru_cache(maxsize=None)
def _schema_dir(version: str) -> Any:
    """The newest shipped schema set not newer than `version` (strict: unknown
    fields are errors, as kubectl's server-side field validation reports)."""
    root = _modules()[3]
    want = tuple(int(x) for x in version.lstrip("v").split(".")[:2])
    have = sorted((int(m[1]), int(m[2])) for p in root.iterdir() if (m := _DIR.match(p.name)))
    older = [v for v in have if v <= want]
    if not older:
        raise SpecError(f"no schemas for Kubernetes {version}", "schemas")
    return root / ("v%d.%d.0-local-strict" % older[-1])


@lru_cache(maxsize=None)
def _registry(version: str) -> Any:
    _, Registry, Resource, _ = _modules()
    text = (_schema_dir(version) / "_definitions.json").read_text()
    return Resource.from_contents(json.loads(text)) @ Registry()


@lru_cache(maxsize=None)
def _validator(version: str, api_version: str, kind: str) -> Any:
    jsonschema = _modules()[0]
    gv = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)  # rbac.authorization.k8s.io/v1 -> rbac-v1
    path = _schema_dir(version) / f"{kind.lower()}-{gv}.json"
    try:
        schema = json.loads(path.read_text())
    except FileNotFoundError:
        raise SchemaUnavailable(f'no schema for kind "{kind}" in version "{api_version}"') from None
    return jsonschema.Draft202012Validator(schema, registry=_registry(version), format_checker=_format_checker())


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _messages(err: Any) -> list[tuple[str, str]]:
    path = _path(err.absolute_path)

    def sub(k: str) -> str:
        return f"{path}.{k}" if path else k

    if err.validator == "required":          # reported on the parent object
        return [(sub(k), "Required value") for k in err.validator_value if k not in err.instance]
    if err.validator == "additionalProperties":
        known = err.schema.get("properties", {})
        return [(sub(k), f'unknown field "{sub(k)}"') for k in err.instance if k not in known]
    shown = json.dumps(err.instance, default=str)
    if err.validator == "type":
        want = [err.validator_value] if isinstance(err.validator_value, str) else err.validator_value
        return [(path, f"Invalid value: {shown}: must be {' or '.join(t for t in want if t != 'null')}")]
    if err.validator == "oneOf":             # IntOrString; null is "unset" in Kubernetes
        return [] if err.instance is None else [(path, f"Invalid value: {shown}: must be integer or string")]
    if err.validator == "format":
        return [(path, f"Invalid value: {shown}: must fit in {err.validator_value}")]
    return [(path, err.message)]


def validate(doc: dict, version: str) -> list[tuple[str, str]]:
    """Every schema violation of `doc` as (field path, message), sorted by
    path; [] when it conforms or when there is no schema for its kind.

    Example: a ConfigMap with `dataa: {}` → [("dataa", 'unknown field "dataa"')].
    """
    try:
        validator = _validator(version, doc.get("apiVersion", ""), doc.get("kind", ""))
    except SchemaUnavailable:
        return []
    out: list[tuple[str, str]] = []
    for err in validator.iter_errors(doc):
        out.extend(_messages(err))
    return sorted(out)
