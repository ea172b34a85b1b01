"""Kubernetes manifests ⇄ kstate resources: the entry points and the
dispatch from `(apiVersion, kind)` to the API-group modules.

Owns: `parse_object`, `parse_manifests`, `load_file`, `to_manifest` (and the
`v1 List` expansion); re-exports the names callers have always found here
(`load_documents`, `MAX_INPUT_BYTES`, `MAX_ALIAS_NODES`, `TIMING_ANNOTATIONS`,
`parse_pod_template`, `pod_template_to_manifest`, `qos_class`, …). Each API
group module exports `DECODERS` ((apiVersion, kind) → decoder), `EMITTERS`
(class → emitter) and `PART_EMITTERS`; this module merges them. Imports the
stdlib, attrs, `kstate.errors`, `kstate.resources` and every `kstate.io`
module below it; none of those imports this one, and it never imports the
engine or the controllers.

Pipeline for one document (what the API server does on `kubectl create`):

1. YAML → JSON-like data (`kstate.io.yamlio.load_documents`): PyYAML's
   SafeLoader only, with the alias budget go-yaml enforces (billion-laughs
   documents are refused), timestamps kept as strings as go-yaml v2 does,
   duplicate keys refused as the API server's strict field validation does.
2. Strict decoding (`parse_object`, with the handlers of `kstate.io.fields`):
   every field must be known to the kind
   (`unknown field "spec.containers[0].imagee"`), every value of the right JSON
   type; `null` means "unset", as in Go's encoding/json. Known Kubernetes fields
   kstate does not model are kept verbatim in the `extra` dicts.
3. Defaults (pkg/apis/core/v1/defaults.go SetDefaults_Pod, SetDefaults_PodSpec,
   SetDefaults_Container, SetDefaults_Probe, SetDefaults_HTTPGetAction,
   SetDefaults_NodeStatus, SetDefaults_Namespace; pkg/apis/apps/v1/defaults.go).
4. Validation (pkg/apis/core/validation/validation.go ValidatePodCreate,
   ValidateNode, ValidateNamespace, ValidateObjectMeta …; the apps validation)
   plus kstate's timing annotations.

The modules, from the bottom up:

    names, fields        camelCase ⇄ snake_case; the field walker, error wording
    yamlio               YAML text → documents
    selectors            metav1.LabelSelector
    core_v1_container    Container, probes, ports, resources
    core_v1_scheduling   tolerations, node affinity
    core_v1_pod          Pod, PodSpec, PodStatus, pod templates, timing annotations
    core_v1              Node, Namespace, ReplicationController, Event; core/v1's registries
    apps_v1              ReplicaSet, Deployment
    manifests            this dispatch

Error conventions: see `kstate.io.fields`.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Optional

import attrs

from kstate.errors import SpecError, UnknownFieldError
from kstate.io import apps_v1, batch_v1, core_v1, fields, selectors
from kstate.io.core_v1_pod import (  # noqa: F401 (ANN_* re-exported)
    ANN_EXIT_AFTER, ANN_EXIT_CODE, ANN_INIT_DURATION, ANN_NEVER_READY, ANN_READY_AFTER,
    ANN_START_AFTER, ANN_STOP_AFTER, TIMING_ANNOTATIONS, parse_pod_template,
    pod_template_to_manifest, qos_class,
)
from kstate.io.fields import (  # noqa: F401 (dns1123_* re-exported)
    Ctx, at_index, dns1123_label_error, dns1123_subdomain_error, generic_out, json_type, show,
)
from kstate.io.stored import SCHEMAS, decode_custom, is_custom_group
from kstate.io.yamlio import MAX_ALIAS_NODES, MAX_INPUT_BYTES, load_documents, load_indexed, read_text_file
from kstate.version import KUBERNETES_VERSION
from kstate.registry import REGISTRY
from kstate.resources.frozen import evolve
from kstate.resources import Namespace, Node, Pod

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_INPUT_BYTES",
    "TIMING_ANNOTATIONS",
    "load_documents",
    "load_file",
    "parse_manifests",
    "parse_object",
    "parse_pod_template",
    "pod_template_to_manifest",
    "qos_class",
    "to_manifest",
]

Resource = Pod | Node | Namespace

#: The API groups whose part emitters (conditions, selectors, …) to_manifest uses.
_GROUPS = (core_v1, apps_v1, batch_v1)


# ================================================================ dispatch
# Which decoder and encoder a kind has is the kind registry's to say
# (kstate.kinds declares them from the group modules' DECODERS/EMITTERS).


def _check_kind(doc: dict, source: str) -> Callable[[Ctx, dict], Any]:
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if kind is None or kind == "":
        raise SpecError("Required value: kind is required", "kind", source)
    if not isinstance(kind, str):
        raise SpecError(f"Invalid value: {show(kind)}: must be a string", "kind", source)
    if api_version is None or api_version == "":
        raise SpecError("Required value: apiVersion is required", "apiVersion", source)
    if not isinstance(api_version, str):
        raise SpecError(f"Invalid value: {show(api_version)}: must be a string", "apiVersion",
                        source)
    spec = REGISTRY.by_api(api_version, kind)
    if spec is not None and spec.decode is not None:
        return spec.decode
    if is_custom_group(api_version) and REGISTRY.get_kind(kind) is None:
        return decode_custom      # the cluster checks its CustomResourceDefinition
    path = "apiVersion" if REGISTRY.get_kind(kind) is not None else "kind"
    if kind == "List":
        raise SpecError("a List holds several objects; use parse_manifests", "kind", source)
    raise SpecError(f'no matches for kind "{kind}" in version "{api_version}"', path, source)


def parse_object(doc: dict, source: str = "") -> Resource:
    """One manifest (a dict) → a Pod, Node or Namespace, decoded strictly,
    defaulted and validated as the API server does on create.

    Raises SpecError (UnknownFieldError for unknown fields) whose `path` is the
    first offending field and whose `source` is `source`.

    Example: parse_object({"apiVersion": "v1", "kind": "Pod", "metadata":
    {"name": "web"}, "spec": {"containers": [{"name": "app", "image":
    "nginx"}]}}) is a Pod in namespace "default" whose container pulls Always.
    """
    if not isinstance(doc, dict):
        raise SpecError(f"object is not a mapping (got {json_type(doc)})", "", source)
    decoder = _check_kind(doc, source)
    ctx = Ctx()
    try:
        obj = decoder(ctx, doc)
    except RecursionError:
        raise SpecError("object is nested too deeply", "", source) from None
    ctx.raise_first(source)
    return obj


def _is_resource(value: Any) -> bool:
    return attrs.has(type(value)) and isinstance(getattr(value, "KIND", None), str)


def _doc_source(source: str, index: int, many: bool) -> str:
    return f"{source} (document {index})" if many else source


#: resource objects that went through the round trip, by everything but
#: their name: (type, metadata without name, id(spec), id(status)) →
#: (spec, status, the validated object). Objects made from one template
#: (`attrs.evolve` of its metadata.name, as benchmarks and generators do)
#: share spec and status, so only the first is decoded again; the others
#: differ by a name, which is checked on its own.
_VALIDATED: dict = {}
#: kinds whose names follow another rule than a DNS-1123 subdomain.
_OTHER_NAME_RULES = frozenset({"Namespace", "Service"})


def _sibling_key(doc: Any) -> Optional[tuple]:
    m = getattr(doc, "metadata", None)
    if m is None or not m.name or doc.KIND in _OTHER_NAME_RULES or not hasattr(doc, "spec"):
        return None
    return (type(doc), doc.KIND, evolve(m, name=""), id(doc.spec), id(getattr(doc, "status", None)))


def _validated_sibling(doc: Any) -> Any:
    key = _sibling_key(doc)
    hit = _VALIDATED.get(key) if key is not None else None
    if hit is None or hit[0] is not doc.spec or hit[1] is not getattr(doc, "status", None):
        return None
    if dns1123_subdomain_error(doc.metadata.name) is not None:
        return None              # the full decode reports it at its path
    obj = hit[2]
    return evolve(obj, metadata=evolve(obj.metadata, name=doc.metadata.name))


def _remember_validated(doc: Any, obj: Any) -> None:
    key = _sibling_key(doc)
    if key is None:
        return
    if len(_VALIDATED) > 1024:
        _VALIDATED.clear()
    _VALIDATED[key] = (doc.spec, getattr(doc, "status", None), obj)


def _expand(doc: Any, source: str) -> list[Any]:
    """Objects of one document: a `v1 List` expands to its items. A resource
    object (perhaps built or changed with attrs.evolve) is validated exactly
    like a manifest: through its Kubernetes JSON shape and back."""
    if _is_resource(doc):
        hit = _validated_sibling(doc)
        if hit is not None:
            return [hit]
        try:
            shape = to_manifest(doc)
        except (TypeError, ValueError, AttributeError) as exc:
            raise SpecError(f"not a valid {doc.KIND}: {exc}", "", source) from None
        obj = parse_object(shape, source)
        _remember_validated(doc, obj)
        return [obj]
    if not isinstance(doc, dict):
        raise SpecError(f"object is not a mapping (got {json_type(doc)})", "", source)
    if doc.get("kind") != "List":
        return [parse_object(doc, source)]
    unknown = [k for k in doc if k not in ("apiVersion", "kind", "metadata", "items")]
    if unknown:
        raise UnknownFieldError(f'unknown field "{unknown[0]}"', str(unknown[0]), source)
    if doc.get("apiVersion") != "v1":
        raise SpecError(f'no matches for kind "List" in version "{doc.get("apiVersion")}"',
                        "apiVersion", source)
    items = doc.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise SpecError(f"Invalid value: {show(items)}: must be a list", "items", source)
    out = []
    for i, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise SpecError(f"Invalid value: {show(item)}: must be a mapping", "", source)
            out.append(parse_object(item, source))
        except SpecError as exc:
            raise exc.at(at_index("items", i)) from None
    return out


def parse_manifests(value: Any, source: str = "", schemas: bool = False) -> tuple[Resource, ...]:
    """The resources of `parse_sourced_manifests`, without their sources."""
    return tuple(obj for obj, _ in parse_sourced_manifests(value, source, schemas=schemas))


def parse_sourced_manifests(value: Any, source: str = "",
                            schemas: bool = False) -> tuple[tuple[Resource, str], ...]:
    """Resources from a resource object (returned as is), a dict, a list of
    those, or YAML text; `kind: List` documents expand to their items.

    All or nothing: the first bad document raises SpecError and nothing is
    returned. `source` names the input in errors ("<string>" for text without
    one); with several documents it becomes "web.yaml (document 2)", counting
    every document of the stream from 1 (empty ones included). Each object
    comes with that source, so errors found later (when the cluster applies
    it) can name its document too.

    `schemas=True` also checks documents of kinds kstate stores but does not
    simulate against Kubernetes' OpenAPI schemas (the optional extra
    `kstate[schemas]`; see kstate.io.schemas).
    """
    token = SCHEMAS.set(KUBERNETES_VERSION if schemas else None)
    try:
        return _parse_manifests(value, source)
    finally:
        SCHEMAS.reset(token)


def _parse_manifests(value: Any, source: str) -> tuple[tuple[Resource, str], ...]:
    if isinstance(value, str):
        src = source or "<string>"
        docs = load_indexed(value, src)
        many = len(docs) > 1
    elif isinstance(value, list):
        src = source
        docs = list(enumerate(value, 1))
        many = len(docs) > 1
    elif isinstance(value, dict) or _is_resource(value):
        src = source
        docs, many = [(1, value)], False
    else:
        raise SpecError("manifests must be a mapping, a list, YAML text or a resource object "
                        f"(got {type(value).__name__})", "", source)
    out: list[Any] = []
    for index, doc in docs:
        dsrc = _doc_source(src, index, many)
        if isinstance(value, str) and not isinstance(doc, dict):
            raise SpecError(f"document {index} is not a mapping (got {json_type(doc)})", "", dsrc)
        out.extend((obj, dsrc) for obj in _expand(doc, dsrc))
    return tuple(out)


def load_file(path: str | os.PathLike, schemas: bool = False) -> tuple[Resource, ...]:
    """parse_manifests of a file's text, with the file name as source."""
    return tuple(obj for obj, _ in load_sourced_file(path, schemas=schemas))


def load_sourced_file(path: str | os.PathLike, schemas: bool = False) -> tuple[tuple[Resource, str], ...]:
    """parse_sourced_manifests of a file's text, with the file name as source."""
    src = os.fspath(path)
    return parse_sourced_manifests(read_text_file(src), src, schemas=schemas)


# ============================================================ to_manifest

_EMITTERS: dict[type, Callable[[Any], dict]] = {
    cls: emitter for group in _GROUPS for cls, emitter in group.EMITTERS.items()
}
_PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    **fields.PART_EMITTERS, **selectors.PART_EMITTERS,
    **{cls: emitter for group in _GROUPS for cls, emitter in group.PART_EMITTERS.items()},
}


def to_manifest(obj: Any) -> dict:
    """The Kubernetes JSON shape of a resource, as `kubectl get -o json` shows
    it: plain dicts and lists (json.dumps-able), camelCase keys in Go struct
    order, RFC 3339 timestamps, defaults included, `extra` merged back, empty
    fields omitted (but metadata.name always, metadata.namespace for
    namespaced kinds). Pod status carries podIPs/hostIPs and the computed
    qosClass; kstate-internal fields (status.state, state_since,
    last_heartbeat) are not emitted.

    parse_object(to_manifest(x)) == x for every x that parse_object returned
    (internal status fields aside), and to_manifest(parse_object(d)) is a fixed
    point after one round.
    """
    spec = REGISTRY.get_kind(getattr(obj, "KIND", None))
    if spec is not None and spec.encode is not None and isinstance(obj, spec.cls):
        return spec.encode(obj)
    emitter = _EMITTERS.get(type(obj))
    if emitter is not None:
        return emitter(obj)
    if attrs.has(type(obj)):
        return generic_out(obj, _PART_EMITTERS)
    raise TypeError(f"to_manifest: not a kstate resource: {type(obj).__name__}")
