"""Manifests of kinds kstate stores but does not simulate, and of custom
resources: metadata decoded and validated as for every kind (ValidateObjectMeta:
name rule, labels, annotations, ownerReferences), everything else kept
verbatim as JSON data.

Owns: `decode_stored(namespaced, name_rule)` (a decoder for a KindSpec),
`decode_custom` (custom resources, whose scope the cluster learns from their
CustomResourceDefinition), `stored_to_manifest`. Imports io's field helpers and
`kstate.resources`; never the engine.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable, Optional

from kstate.io.fields import (
    Ctx, dns1123_label_error, dns1123_subdomain_error, json_object, object_meta, object_meta_out, string,
)
from kstate.resources import EMPTY, FrozenDict, ObjectMeta, thaw
from kstate.resources.frozen import evolve
from kstate.resources.unstructured import Unstructured

#: name rules (apimachinery/pkg/api/validation): most kinds use a DNS-1123
#: subdomain; Service and Namespace a DNS-1035/1123 label; RBAC kinds a path
#: segment (ValidateRBACName: anything but "/", "%", "." and "..").
NAME_RULES: dict[str, Callable[[str], Any]] = {
    "subdomain": dns1123_subdomain_error,
    "label": dns1123_label_error,
}


def _dns1035_label_error(value: str) -> Any:
    err = dns1123_label_error(value)
    if err is None and value[:1].isdigit():
        return "a DNS-1035 label must start with an alphabetic character"
    return err


def _path_segment_error(value: str) -> Any:
    if value in (".", ".."):
        return f"may not be '{value}'"
    for bad in ("/", "%"):
        if bad in value:
            return f"may not contain '{bad}'"
    return None


NAME_RULES["label1035"] = _dns1035_label_error
NAME_RULES["path"] = _path_segment_error


#: groups Kubernetes itself serves: an unknown kind in one of them is an error,
#: never a custom resource.
BUILTIN_GROUPS = frozenset({
    "", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
    "storage.k8s.io", "scheduling.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "apiregistration.k8s.io",
    "flowcontrol.apiserver.k8s.io", "events.k8s.io", "resource.k8s.io", "authentication.k8s.io",
    "authorization.k8s.io", "storagemigration.k8s.io", "internal.apiserver.k8s.io",
})


def is_custom_group(api_version: str) -> bool:
    """A group that is not Kubernetes' own and looks like a CRD group (it has a dot)."""
    group = api_version.rpartition("/")[0]
    return "." in group and group not in BUILTIN_GROUPS


#: the Kubernetes version whose OpenAPI schemas stored kinds are checked
#: against while a parse asked for it (parse_manifests(schemas=True)), else None.
SCHEMAS: ContextVar[Optional[str]] = ContextVar("kstate_schemas", default=None)


class _Scope:
    """What `_meta` needs to know of a kind: whether it is namespaced."""

    def __init__(self, namespaced: bool) -> None:
        self.NAMESPACED = namespaced


_NAMESPACED, _CLUSTER = _Scope(True), _Scope(False)


def _decode(ctx: Ctx, doc: dict, scope: Any, name_rule: str) -> Unstructured:
    meta = ObjectMeta()
    body = {}
    for key, value in doc.items():
        if key in ("apiVersion", "kind"):
            string(ctx, value, key)
        elif key == "metadata":
            if value is not None:
                meta = object_meta(ctx, value, "metadata", scope, name_check=NAME_RULES[name_rule])
        elif value is not None:
            body[key] = value
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    version = SCHEMAS.get()
    if version is not None:
        from kstate.io import schemas
        for path, message in schemas.validate(doc, version):
            if path == "metadata" or path.startswith("metadata."):
                continue    # ValidateObjectMeta above already judged it
            if message.startswith("unknown field"):
                ctx.unknown(path)
            else:
                ctx.add(path, message)
    frozen = json_object(ctx, body, "") if body else EMPTY
    return Unstructured(api_version=doc.get("apiVersion", ""), kind=doc.get("kind", ""),
                        metadata=meta, body=frozen if isinstance(frozen, FrozenDict) else EMPTY)


def decode_stored(namespaced: bool, name_rule: str = "subdomain") -> Callable[[Ctx, dict], Unstructured]:
    scope = _NAMESPACED if namespaced else _CLUSTER
    return lambda ctx, doc: _decode(ctx, doc, scope, name_rule)


def decode_custom(ctx: Ctx, doc: dict) -> Unstructured:
    """A custom resource: namespaced unless its CRD says Cluster (the
    cluster decides when it applies it); the namespace is not defaulted here."""
    obj = _decode(ctx, doc, _CLUSTER, "subdomain")
    ns = (doc.get("metadata") or {}).get("namespace") if isinstance(doc.get("metadata"), dict) else None
    if isinstance(ns, str) and ns:
        err = dns1123_label_error(ns)
        if err is not None:
            ctx.invalid("metadata.namespace", ns, err)
        obj = Unstructured(api_version=obj.api_version, kind=obj.kind,
                           metadata=_with_namespace(obj.metadata, ns), body=obj.body)
    return obj


def _with_namespace(meta: ObjectMeta, ns: str) -> ObjectMeta:
    return evolve(meta, namespace=ns)


def stored_to_manifest(obj: Unstructured) -> dict:
    """What was applied, with the metadata the API server set."""
    out = {"apiVersion": obj.api_version, "kind": obj.kind,
           "metadata": object_meta_out(obj.metadata, bool(obj.metadata.namespace))}
    out.update(thaw(obj.body))
    return out
