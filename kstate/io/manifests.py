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

import operator
import os
import re
from collections.abc import Sequence
from typing import Any, Callable, Optional

import attrs

from kstate.errors import SpecError, UnknownFieldError
from kstate.io import apps_v1, batch_v1, core_v1, fields, selectors
from kstate.io.core_v1_pod import (  # noqa: F401 (ANN_* re-exported)
    ANN_EXIT_AFTER, ANN_EXIT_CODE, ANN_INIT_DURATION, ANN_NEVER_READY, ANN_READY_AFTER,
    ANN_START_AFTER, ANN_STOP_AFTER, TIMING_ANNOTATIONS, parse_pod_template,
    pod_template_to_manifest, qos_class,
)
from kstate.io.fields import _DNS1123_SUBDOMAIN_RE  # the test of dns1123_subdomain_error
from kstate.io.fields import (  # noqa: F401 (dns1123_* re-exported)
    Ctx, at_index, dns1123_label_error, dns1123_subdomain_error, generic_out, json_type, show,
)
from kstate.io.stored import SCHEMAS, decode_custom, is_custom_group
from kstate.io.yamlio import MAX_ALIAS_NODES, MAX_INPUT_BYTES, load_documents, load_indexed, read_text_file
from kstate.version import KUBERNETES_VERSION
from kstate.registry import REGISTRY
from kstate.resources.frozen import evolve, field_replacer
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
#: fields.dns1123_subdomain_error's test without its groups' captures.
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_SUBDOMAIN_RE.pattern.replace("(", "(?:"))


class _Template:
    """The entry of _VALIDATED found or added last and what its siblings are
    checked against: the siblings of one template come in a row, and
    comparing their metadata field by field (`rest_of`, in C, identical
    values first) costs less than the copy without the name and the hash
    that the dict's key needs. Always an entry of _VALIDATED, so both
    lookups answer alike. (A sibling is not returned as it is even when it
    equals its validation: a round trip may reorder the keys of `extra`.)
    """

    __slots__ = ("cls", "kind", "meta_cls", "rest_of", "rest", "spec", "status", "obj", "with_name",
                 "with_metadata")

    def __init__(self, doc: Any, rest: tuple, spec: Any, status: Any, obj: Any):
        m = doc.metadata
        self.cls, self.kind, self.meta_cls, self.rest_of = doc.__class__, doc.KIND, m.__class__, _rest_getter(m)
        self.rest, self.spec, self.status, self.obj = rest, spec, status, obj
        self.with_name = _replacer(obj.metadata.__class__, "name")
        self.with_metadata = _replacer(obj.__class__, "metadata")


#: (class, field) → field_replacer(class, field), made once
_REPLACERS: dict = {}


def _replacer(cls: type, name: str) -> Callable[[Any, Any], Any]:
    r = _REPLACERS.get((cls, name))
    if r is None:
        r = _REPLACERS[cls, name] = field_replacer(cls, name)
    return r


#: the _Template of the entry found or added last (None before the first)
_LAST: list = [None]
#: metadata class → operator.attrgetter of its fields but the name (all of
#: them: a field its __eq__ leaves out only makes fewer siblings found here)
_REST_GETTERS: dict = {}


def _rest_getter(m: Any) -> Callable[[Any], tuple]:
    get = _REST_GETTERS.get(m.__class__)
    if get is None:
        names = [a.name for a in attrs.fields(m.__class__) if a.name != "name"]
        get = _REST_GETTERS[m.__class__] = operator.attrgetter(*names)
    return get


def _sibling_key(doc: Any) -> Optional[tuple]:
    m = getattr(doc, "metadata", None)
    if m is None or not m.name or doc.KIND in _OTHER_NAME_RULES or not hasattr(doc, "spec"):
        return None
    return (type(doc), doc.KIND, evolve(m, name=""), id(doc.spec), id(getattr(doc, "status", None)))


def _validated_sibling(doc: Any) -> Any:
    """The validation of `doc` if a resource object that differs from it only
    by its name was validated (the round trip of `_expand`), else None."""
    m = getattr(doc, "metadata", None)
    t = _LAST[0]
    if (t is not None and doc.__class__ is t.cls and m.__class__ is t.meta_cls and doc.spec is t.spec
            and getattr(doc, "status", None) is t.status and m.name and doc.KIND == t.kind):
        rest = t.rest_of(m)
        if rest != t.rest:
            t = None
    else:
        t = None
    if t is None:
        if not _is_resource(doc):
            return None
        key = _sibling_key(doc)
        hit = _VALIDATED.get(key) if key is not None else None
        if hit is None or hit[0] is not doc.spec or hit[1] is not getattr(doc, "status", None):
            return None
        rest = _rest_getter(m)(m)
        t = _LAST[0] = _Template(doc, rest, *hit)
    name = m.name
    if len(name) > 253 or _DNS1123_SUBDOMAIN.fullmatch(name) is None:
        return None              # the full decode reports it (dns1123_subdomain_error) at its path
    obj = t.obj
    return t.with_metadata(obj, t.with_name(obj.metadata, name))


def _remember_validated(doc: Any, obj: Any) -> None:
    key = _sibling_key(doc)
    if key is None:
        return
    if len(_VALIDATED) > 1024:
        _VALIDATED.clear()
    m = doc.metadata
    hit = _VALIDATED[key] = (doc.spec, getattr(doc, "status", None), obj)
    _LAST[0] = _Template(doc, _rest_getter(m)(m), *hit)


def _expand(doc: Any, source: str) -> list[Any]:
    """Objects of one document: a `v1 List` expands to its items. A resource
    object (perhaps built or changed with attrs.evolve) is validated exactly
    like a manifest: through its Kubernetes JSON shape and back (the caller
    has looked for a validated sibling first: `_validated_sibling`)."""
    if _is_resource(doc):
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
    return tuple(parse_manifest_sources(value, source, schemas=schemas)[0])


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
    objs, sources = parse_manifest_sources(value, source, schemas=schemas)
    return tuple(zip(objs, sources))


def parse_manifest_sources(value: Any, source: str = "",
                           schemas: bool = False) -> tuple[list, "DocumentSources"]:
    """`parse_sourced_manifests` as two sequences, the resources and their
    sources (a `DocumentSources`, whose strings are made when read: an apply
    reads one only for an error)."""
    token = SCHEMAS.set(KUBERNETES_VERSION if schemas else None)
    try:
        return _parse_manifests(value, source)
    finally:
        SCHEMAS.reset(token)


class DocumentSources(Sequence):
    """The source of each object of a `parse_manifest_sources`: `source`, or
    "source (document i)" with several documents, where i is the document the
    object came from (`indices`, or with None: object k came from document
    k + 1)."""

    __slots__ = ("_source", "_many", "_indices", "_len")

    def __init__(self, source: str, many: bool, indices: Optional[list], length: int):
        self._source, self._many, self._indices, self._len = source, many, indices, length

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._len))]
        k = operator.index(i)
        if k < 0:
            k += self._len
        if not 0 <= k < self._len:
            raise IndexError("document source index out of range")
        return _doc_source(self._source, self._indices[k] if self._indices is not None else k + 1, self._many)


def _parse_manifests(value: Any, source: str) -> tuple[list, DocumentSources]:
    text = isinstance(value, str)
    if text:
        src = source or "<string>"
        docs = load_indexed(value, src)
        many = len(docs) > 1
    elif isinstance(value, list):
        src = source
        docs = enumerate(value, 1)
        many = len(value) > 1
    elif isinstance(value, dict) or _is_resource(value):
        src = source
        docs, many = [(1, value)], False
    else:
        raise SpecError("manifests must be a mapping, a list, YAML text or a resource object "
                        f"(got {type(value).__name__})", "", source)
    out: list[Any] = []
    # the document of each object, kept only from the first object whose
    # document is not its position (a List's items, an empty YAML document);
    # a validated sibling is a list's element (text has no resource objects),
    # at its position unless an earlier document was a List
    indices: Optional[list] = None
    for index, doc in docs:
        if text and not isinstance(doc, dict):
            raise SpecError(f"document {index} is not a mapping (got {json_type(doc)})", "",
                            _doc_source(src, index, many))
        hit = None if text else _validated_sibling(doc)
        if hit is not None:
            out.append(hit)
            if indices is not None:
                indices.append(index)
            continue
        objs = _expand(doc, _doc_source(src, index, many))
        if indices is None and (len(objs) != 1 or index != len(out) + 1):
            indices = list(range(1, len(out) + 1))
        out.extend(objs)
        if indices is not None:
            indices.extend([index] * len(objs))
    return out, DocumentSources(src, many, indices, len(out))


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
