"""The field walker every kind's decoder is built from: strict decoding of
JSON-like data into typed values, with Kubernetes field paths and
field.Error wording, and the shared pieces of the way back (`to_manifest`).

Owns: the error context `Ctx` and the rejected-value marker `BAD`; the value
handlers (`string`, `integer`, `int64`, `boolean`, `timestamp`, `list_of`,
`strings`, the verbatim `json_*` handlers, `string_map`, `label_map`,
`annotation_map`, `one_of`, `non_negative`, `validated`, `check_str`); the
path helpers (`dot`, `at_index`, `at_key`); `struct` / `Raw` /
`top_level` / `given_or_empty` for objects; DNS-1123 and IANA service-name checks; ObjectMeta, OwnerReference
and Condition decoding (`object_meta`, `owner_reference`, `condition`,
`condition_list`) and emitting (`object_meta_out`, `condition_out`,
`time_out`, `ordered`); and `generic_out`, the fallback emitter. Imports the
stdlib, attrs, `kstate.errors`, `kstate.resources.*` and `kstate.io.names`;
never yaml, another kstate.io module, the engine or the controllers. Nothing
here knows a kind: kind-specific rules (a Pod's timing annotations, a
Namespace's name rule) come in as arguments.

A handler is `handler(ctx, value, path) -> typed value | BAD`: it records every
problem in `ctx` and returns BAD when the value cannot be used, so one pass
reports every error of a manifest.

Error conventions: every problem is a `SpecError` whose `path` is the Kubernetes
field path of the first offending field (`spec.containers[0].ports[1].containerPort`,
map entries as `metadata.annotations[kstate.io/exit-code]`,
`spec.containers[0].resources.requests[cpu]`) and whose message reads like
k8s.io/apimachinery field.Error: `Required value`, `Invalid value: "abc": must be
an integer`, `Unsupported value: "Sometimes": supported values: "Always",
"Never", "OnFailure"`, `Duplicate value: "app"`, `Forbidden: …`; unknown fields
raise `UnknownFieldError` with message `unknown field "<path>"`. Decoding and
validation collect every error in manifest field order; the first one is raised
and the others are summarised in its message (`… (and 2 more errors: …)`).
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
from enum import Enum
from functools import partial
from typing import Any, Callable, Iterable, Mapping, Optional

import attrs

from kstate.errors import SpecError, UnknownFieldError
from kstate.io.names import to_camel
from kstate.resources import (
    EMPTY, Condition, FrozenDict, ObjectMeta, OwnerReference, deep_freeze, thaw,
)
from kstate.resources.meta import format_time, parse_time
from kstate.resources.selector import validate_label_key, validate_label_value

__all__ = [
    "BAD", "INT32", "INT64", "PART_EMITTERS", "Ctx", "Raw", "annotation_map", "at_index", "at_key",
    "boolean", "check_str", "condition", "condition_list", "condition_out", "dns1123_label_error",
    "dns1123_subdomain_error", "dot", "generic_out", "given_or_empty", "iana_svc_name_error", "int64",
    "integer",
    "json_bool", "json_data", "json_int", "json_list", "json_object", "json_string", "json_type",
    "label_map", "list_of", "non_negative", "object_meta", "object_meta_out", "one_of", "ordered",
    "owner_reference", "quote_all", "show", "string", "string_map", "strings", "struct", "time_out",
    "timestamp", "top_level", "type_error", "validated",
]

#: Go's int32 and int64 ranges (the bounds of `integer` and `int64`).
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_MAX_ANNOTATIONS_SIZE = 256 * 1024  # validation.go TotalAnnotationSizeLimitB


# ============================================================ error context


def json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "list"
    if isinstance(v, dict):
        return "mapping"
    return type(v).__name__


def show(v: Any) -> str:
    """A value as field.Error prints it: strings quoted, numbers bare."""
    if isinstance(v, str):
        s = json.dumps(v if len(v) <= 80 else v[:77] + "...", ensure_ascii=False)
        return s
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        s = repr(v)
        return s if len(s) <= 40 else s[:37] + "..."
    if isinstance(v, (list, tuple)):
        return "[...]" if v else "[]"
    if isinstance(v, dict):
        return "{...}" if v else "{}"
    return repr(type(v).__name__)


def quote_all(values: Iterable[str]) -> str:
    return ", ".join(f'"{v}"' for v in sorted(values))


def dot(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def at_index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def at_key(path: str, key: str) -> str:
    return f"{path}[{key}]"


class Ctx:
    """Collects field errors in the order they are found (manifest order)."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: list[SpecError] = []

    def add(self, path: str, message: str, cls: type = SpecError) -> None:
        self.errors.append(cls(message, path))

    def required(self, path: str, detail: str = "") -> None:
        self.add(path, "Required value" + (f": {detail}" if detail else ""))

    def invalid(self, path: str, value: Any, detail: str) -> None:
        self.add(path, f"Invalid value: {show(value)}: {detail}")

    def not_supported(self, path: str, value: Any, supported: Iterable[str]) -> None:
        self.add(path, f"Unsupported value: {show(value)}: supported values: {quote_all(supported)}")

    def duplicate(self, path: str, value: Any) -> None:
        self.add(path, f"Duplicate value: {show(value)}")

    def forbidden(self, path: str, detail: str) -> None:
        self.add(path, f"Forbidden: {detail}")

    def too_long(self, path: str, limit: int) -> None:
        self.add(path, f"Too long: must have at most {limit} bytes")

    def unknown(self, path: str) -> None:
        self.add(path, f'unknown field "{path}"', UnknownFieldError)

    def raise_first(self, source: str) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        message = first.message
        rest = self.errors[1:]
        if rest:
            shown = "; ".join(str(e) for e in rest[:3])
            more = "; …" if len(rest) > 3 else ""
            noun = "error" if len(rest) == 1 else "errors"
            message = f"{message} (and {len(rest)} more {noun}: {shown}{more})"
        raise type(first)(message, first.path, source)


BAD = object()  # a handler's result when the value was rejected


# ---------------------------------------------------------------- scalars


def type_error(ctx: Ctx, path: str, v: Any, what: str) -> Any:
    ctx.invalid(path, v, f"must be {what}")
    return BAD


def string(ctx: Ctx, v: Any, path: str) -> Any:
    if isinstance(v, str):
        return v
    return type_error(ctx, path, v, "a string")


def integer(ctx: Ctx, v: Any, path: str, bounds: tuple[int, int] = INT32) -> Any:
    if isinstance(v, bool):
        return type_error(ctx, path, v, "an integer")
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        v = int(v)
    if not isinstance(v, int):
        return type_error(ctx, path, v, "an integer")
    if not bounds[0] <= v <= bounds[1]:
        bits = 32 if bounds == INT32 else 64
        return type_error(ctx, path, v, f"a {bits}-bit integer")
    return v


int64 = partial(integer, bounds=INT64)


def boolean(ctx: Ctx, v: Any, path: str) -> Any:
    if isinstance(v, bool):
        return v
    return type_error(ctx, path, v, "a boolean")


def timestamp(ctx: Ctx, v: Any, path: str) -> Any:
    if isinstance(v, _dt.datetime) and v.tzinfo is not None:
        return (v - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)) // _dt.timedelta(milliseconds=1)
    if not isinstance(v, str):
        return type_error(ctx, path, v, "an RFC 3339 timestamp string")
    try:
        return parse_time(v)
    except (ValueError, OverflowError):
        ctx.invalid(path, v, "must be an RFC 3339 timestamp (e.g. '2026-01-01T00:00:00Z')")
        return BAD


def list_of(ctx: Ctx, v: Any, path: str, item: Callable[[Ctx, Any, str], Any]) -> Any:
    if not isinstance(v, list):
        return type_error(ctx, path, v, "a list")
    out = []
    for i, x in enumerate(v):
        ipath = at_index(path, i)
        if x is None:
            # null list items decode to the zero value in Go; kstate refuses them.
            ctx.invalid(ipath, x, "must not be null")
            continue
        r = item(ctx, x, ipath)
        if r is not BAD:
            out.append(r)
    return tuple(out)


def strings(ctx: Ctx, v: Any, path: str) -> Any:
    return list_of(ctx, v, path, string)


def json_data(ctx: Ctx, v: Any, path: str) -> Any:
    """Verbatim JSON data (for `extra`), frozen."""
    stack = [(v, path)]
    while stack:
        x, p = stack.pop()
        if x is None or isinstance(x, (str, bool, int)):
            continue
        if isinstance(x, float):
            if not math.isfinite(x):
                return type_error(ctx, p, x, "a finite number")
            continue
        if isinstance(x, dict):
            for k, y in x.items():
                if not isinstance(k, str):
                    return type_error(ctx, p, k, "a string field name")
                stack.append((y, dot(p, k)))
            continue
        if isinstance(x, list):
            stack.extend((y, at_index(p, i)) for i, y in enumerate(x))
            continue
        return type_error(ctx, p, x, "JSON data")
    return deep_freeze(v)


def json_object(ctx: Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, dict):
        return type_error(ctx, path, v, "a mapping")
    return json_data(ctx, v, path)


def json_list(ctx: Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, list):
        return type_error(ctx, path, v, "a list")
    return json_data(ctx, v, path)


def json_string(ctx: Ctx, v: Any, path: str) -> Any:
    return string(ctx, v, path)


def json_bool(ctx: Ctx, v: Any, path: str) -> Any:
    return boolean(ctx, v, path)


def json_int(ctx: Ctx, v: Any, path: str) -> Any:
    return integer(ctx, v, path, INT64)


def string_map(ctx: Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, dict):
        return type_error(ctx, path, v, "a mapping")
    out = {}
    ok = True
    for k, x in v.items():
        if not isinstance(k, str):
            ctx.invalid(path, k, "keys must be strings")
            ok = False
        elif not isinstance(x, str):
            # Errors on map entries sit at the map's path, the key in the message.
            ctx.invalid(path, x, f'value of "{k}" must be a string')
            ok = False
        else:
            out[k] = x
    return FrozenDict(out) if ok else BAD


# ---------------------------------------------------------------- structs


class Raw:
    """A decoded mapping: the raw dict, the typed fields, the verbatim extras."""

    __slots__ = ("raw", "typed", "extra")

    def __init__(self, raw: dict, typed: dict, extra: dict):
        self.raw, self.typed, self.extra = raw, typed, extra

    def get(self, key: str, default: Any = None) -> Any:
        return self.typed.get(key, default)

    def given(self, key: str) -> bool:
        """The manifest set `key` to a non-null value."""
        return self.raw.get(key) is not None

    def ok(self, key: str) -> bool:
        """`key` is absent/null, or it decoded without error."""
        return self.raw.get(key) is None or key in self.typed


def struct(
    ctx: Ctx,
    v: Any,
    path: str,
    fields: Mapping[str, Callable[[Ctx, Any, str], Any]],
    extra: Mapping[str, Callable[[Ctx, Any, str], Any]] | Iterable[str] = (),
    drop: Iterable[str] = (),
) -> Optional[Raw]:
    """Strictly decode a JSON object: `fields` typed by their handlers, `extra`
    kept verbatim (frozen JSON; a mapping gives each its shape check), `drop`
    accepted and ignored, anything else an unknown field. A null value means
    "unset" (Go's encoding/json)."""
    if not isinstance(extra, Mapping):
        extra = dict.fromkeys(extra, json_data)
    if not isinstance(v, dict):
        ctx.invalid(path, v, "must be a mapping")
        return None
    typed: dict = {}
    ext: dict = {}
    for k, x in v.items():
        kpath = dot(path, k if isinstance(k, str) else str(k))
        if not isinstance(k, str):
            ctx.unknown(kpath)
            continue
        handler = fields.get(k)
        if handler is not None:
            if x is None:
                continue
            r = handler(ctx, x, kpath)
            if r is not BAD:
                typed[k] = r
        elif k in extra:
            if x is None:
                continue
            r = extra[k](ctx, x, kpath)
            if r is not BAD:
                ext[k] = r
        elif k in drop:
            continue
        else:
            ctx.unknown(kpath)
    return Raw(v, typed, ext)


def top_level(ctx: Ctx, doc: dict, fields: Mapping[str, Callable[[Ctx, Any, str], Any]]) -> Raw:
    """A whole object (`doc` is a mapping): apiVersion, kind and `fields`
    decoded strictly; no metadata at all is `metadata.name: Required value`
    (ValidateObjectMeta), reported after the fields' own errors."""
    r = struct(ctx, doc, "", {"apiVersion": string, "kind": string, **fields})
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    return r


def given_or_empty(ctx: Ctx, r: Raw, path: str, key: str,
                   handler: Callable[[Ctx, Any, str], Any]) -> Any:
    """`r`'s decoded `key`; when the manifest left it out (or null), `handler`
    run on `{}` at its path, so that its defaults apply and its required
    fields are reported (`spec.template.spec.containers: Required value`)."""
    if r.raw.get(key) is None:
        return handler(ctx, {}, dot(path, key))
    return r.get(key)


def decode_spec_status(ctx: Ctx, doc: dict, cls: type, spec_handler: Callable[[Ctx, Any, str], Any],
                       spec_cls: type, status_handler: Callable[[Ctx, Any, str], Any],
                       status_default: Any) -> tuple:
    """The top level of a kind with metadata, spec and status: (metadata,
    spec or None when it was refused, status). A missing spec is decoded
    from `{}` so its defaults apply and its required fields are reported."""
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, cls),
        "spec": spec_handler,
        "status": status_handler,
    })
    spec = given_or_empty(ctx, r, "", "spec", spec_handler)
    return (r.get("metadata", ObjectMeta(namespace="default")), spec if isinstance(spec, spec_cls) else None,
            r.get("status", status_default))


# ============================================================ validators


_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + r"(\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1123_LABEL_ERR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    f"regex used for validation is '{_DNS1123_LABEL_FMT}')")
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    f"regex used for validation is '{_DNS1123_SUBDOMAIN_FMT}')")


def dns1123_label_error(value: str) -> Optional[str]:
    """validation.go IsDNS1123Label: None or the message."""
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1123_LABEL_RE.fullmatch(value):
        errs.append(_DNS1123_LABEL_ERR)
    return "; ".join(errs) or None


def dns1123_subdomain_error(value: str) -> Optional[str]:
    """validation.go IsDNS1123Subdomain: None or the message."""
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(_DNS1123_SUBDOMAIN_ERR)
    return "; ".join(errs) or None


def iana_svc_name_error(port: str) -> Optional[str]:
    """validation.go IsValidPortName (IANA_SVC_NAME, RFC 6335)."""
    errs = []
    if len(port) > 15:
        errs.append("must be no more than 15 characters")
    if not re.fullmatch(r"[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port.startswith("-") or port.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return "; ".join(errs) or None


def check_str(ctx: Ctx, path: str, value: Any, check: Callable[[str], Optional[str]]) -> Any:
    """A string handler that also runs a validator returning a message."""
    if not isinstance(value, str):
        return type_error(ctx, path, value, "a string")
    msg = check(value)
    if msg:
        ctx.invalid(path, value, msg)
    return value


def validated(check: Callable[[str], Optional[str]]) -> Callable[[Ctx, Any, str], Any]:
    return lambda ctx, v, path: check_str(ctx, path, v, check)


def one_of(supported: Iterable[str], allow_empty: bool = False) -> Callable[[Ctx, Any, str], Any]:
    values = frozenset(supported)

    def handler(ctx: Ctx, v: Any, path: str) -> Any:
        if not isinstance(v, str):
            return type_error(ctx, path, v, "a string")
        if v not in values and not (allow_empty and v == ""):
            ctx.not_supported(path, v, values)
        return v
    return handler


def non_negative(handler: Callable[[Ctx, Any, str], Any]) -> Callable[[Ctx, Any, str], Any]:
    def h(ctx: Ctx, v: Any, path: str) -> Any:
        r = handler(ctx, v, path)
        if r is not BAD and r < 0:
            ctx.invalid(path, r, "must be greater than or equal to 0")
        return r
    return h


def label_map(ctx: Ctx, v: Any, path: str) -> Any:
    """metav1validation.ValidateLabels: keys qualified names, values label values."""
    r = string_map(ctx, v, path)
    if r is BAD:
        return r
    for k, x in r.items():
        msg = validate_label_key(k)
        if msg:
            ctx.invalid(path, k, msg)
        msg = validate_label_value(x)
        if msg:
            ctx.invalid(path, x, msg)
    return r


# =============================================================== metadata


def owner_reference(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "apiVersion": string, "kind": string, "name": string, "uid": string,
        "controller": boolean, "blockOwnerDeletion": boolean,
    })
    if r is None:
        return BAD
    for f in ("apiVersion", "kind", "name", "uid"):
        if r.ok(f) and not r.get(f):
            ctx.required(dot(path, f))
    return OwnerReference(
        api_version=r.get("apiVersion", ""), kind=r.get("kind", ""), name=r.get("name", ""),
        uid=r.get("uid", ""), controller=r.get("controller"),
        block_owner_deletion=r.get("blockOwnerDeletion"),
    )


def annotation_map(ctx: Ctx, v: Any, path: str) -> Any:
    """ValidateAnnotations: keys are qualified names, total size ≤ 256 KiB."""
    r = string_map(ctx, v, path)
    if r is BAD:
        return r
    size = 0
    for k, x in r.items():
        msg = validate_label_key(k)
        if msg:
            ctx.invalid(path, k, msg)
        size += len(k.encode("utf-8", "surrogatepass")) + len(x.encode("utf-8", "surrogatepass"))
    if size > _MAX_ANNOTATIONS_SIZE:
        ctx.too_long(path, _MAX_ANNOTATIONS_SIZE)
    return r


def object_meta(
    ctx: Ctx,
    v: Any,
    path: str,
    cls: type,
    template: bool = False,
    name_check: Callable[[str], Optional[str]] = dns1123_subdomain_error,
    check_annotations: Optional[Callable[[Ctx, Mapping[str, str], str], None]] = None,
) -> ObjectMeta:
    """ValidateObjectMeta (apimachinery/pkg/api/validation/objectmeta.go) with the
    kind's name rule `name_check`: DNS-1123 subdomain by default (ValidatePodName,
    ValidateNodeName); a Namespace passes dns1123_label_error
    (ValidateNamespaceName). `cls.NAMESPACED` decides whether a namespace is
    read and defaulted. A pod template's metadata (`template=True`) needs no
    name and gets no namespace default. `check_annotations(ctx, annotations,
    path)` runs the kind's own annotation rules (a Pod's timing annotations)
    right after the name check."""
    r = struct(ctx, v, path, {
        "name": validated(lambda s: name_check(s) if s else None),
        # ValidateObjectMeta checks generateName as a prefix (maskTrailingDash).
        "generateName": validated(
            lambda s: name_check(s[:-1] + "a" if s.endswith("-") else s) if s else None),
        "namespace": validated(dns1123_label_error) if cls.NAMESPACED else string,
        "uid": string,
        "labels": label_map,
        "annotations": annotation_map,
        "ownerReferences": lambda c, x, p: list_of(c, x, p, owner_reference),
        "creationTimestamp": timestamp,
        "deletionTimestamp": timestamp,
        "deletionGracePeriodSeconds": int64,
        "generation": non_negative(int64),
        "resourceVersion": string,
        "finalizers": strings,
    }, drop=("managedFields", "selfLink"))
    if r is None:
        return ObjectMeta()
    if (not template and r.ok("name") and r.ok("generateName") and not r.get("name")
            and not r.get("generateName")):
        ctx.required(dot(path, "name"), "name or generateName is required")
    if check_annotations is not None and "annotations" in r.typed:
        check_annotations(ctx, r.typed["annotations"], dot(path, "annotations"))
    refs = r.get("ownerReferences", ())
    if sum(1 for o in refs if o.controller) > 1:
        ctx.invalid(dot(path, "ownerReferences"), "",
                    "Only one reference can have Controller set to true")
    fins = r.get("finalizers", ()) or ()
    if "orphan" in fins and "foregroundDeletion" in fins:
        # objectmeta.go ValidateFinalizers: the GC could not honour both.
        ctx.invalid(dot(path, "finalizers"), "",
                    "finalizer orphan and foregroundDeletion cannot be both set")
    namespace = r.get("namespace", "") if cls.NAMESPACED else ""
    if cls.NAMESPACED and not namespace and not template:
        namespace = "default"
    return ObjectMeta(
        name=r.get("name", ""),
        generate_name=r.get("generateName", ""),
        namespace=namespace,
        uid=r.get("uid", ""),
        labels=r.get("labels", EMPTY) or EMPTY,
        annotations=r.get("annotations", EMPTY) or EMPTY,
        owner_references=refs,
        creation_timestamp=r.get("creationTimestamp"),
        deletion_timestamp=r.get("deletionTimestamp"),
        deletion_grace_period_seconds=r.get("deletionGracePeriodSeconds"),
        generation=r.get("generation", 0),
        resource_version=r.get("resourceVersion", ""),
        finalizers=r.get("finalizers", ()),
    )


def condition_list(ctx: Ctx, v: Any, path: str) -> Any:
    return list_of(ctx, v, path, condition)


def condition(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "type": string, "status": string, "reason": string, "message": string,
        "lastTransitionTime": timestamp, "lastProbeTime": timestamp,
        "lastHeartbeatTime": timestamp, "lastUpdateTime": timestamp,
    }, drop=("observedGeneration",))
    if r is None:
        return BAD
    if r.ok("type") and not r.get("type"):
        ctx.required(dot(path, "type"))
    return Condition(
        type=r.get("type", ""), status=r.get("status", ""), reason=r.get("reason", ""),
        message=r.get("message", ""), last_transition_time=r.get("lastTransitionTime"),
        last_probe_time=r.get("lastProbeTime"), last_heartbeat_time=r.get("lastHeartbeatTime"),
        last_update_time=r.get("lastUpdateTime"),
    )


# ============================================================ to_manifest


def ordered(d: dict, order: Iterable[str]) -> dict:
    out = {k: d[k] for k in order if k in d}
    for k, v in d.items():
        if k not in out:
            out[k] = v
    return out


def time_out(ms: Optional[int]) -> Optional[str]:
    return format_time(ms)


def object_meta_out(meta: ObjectMeta, namespaced: bool) -> dict:
    """ObjectMeta in Go struct order; empty fields omitted but name kept."""
    d: dict = {"name": meta.name}
    if meta.generate_name:
        d["generateName"] = meta.generate_name
    if namespaced:
        d["namespace"] = meta.namespace
    if meta.uid:
        d["uid"] = meta.uid
    if meta.resource_version:
        d["resourceVersion"] = meta.resource_version
    if meta.generation:
        d["generation"] = meta.generation
    if meta.creation_timestamp is not None:
        d["creationTimestamp"] = time_out(meta.creation_timestamp)
    if meta.deletion_timestamp is not None:
        d["deletionTimestamp"] = time_out(meta.deletion_timestamp)
    if meta.deletion_grace_period_seconds is not None:
        d["deletionGracePeriodSeconds"] = meta.deletion_grace_period_seconds
    if meta.labels:
        d["labels"] = dict(meta.labels)
    if meta.annotations:
        d["annotations"] = dict(meta.annotations)
    if meta.owner_references:
        refs = []
        for o in meta.owner_references:
            ref = {"apiVersion": o.api_version, "kind": o.kind, "name": o.name, "uid": o.uid}
            if o.controller is not None:
                ref["controller"] = o.controller
            if o.block_owner_deletion is not None:
                ref["blockOwnerDeletion"] = o.block_owner_deletion
            refs.append(ref)
        d["ownerReferences"] = refs
    if meta.finalizers:
        d["finalizers"] = list(meta.finalizers)
    return d


def condition_out(c: Condition, pod: bool = False) -> dict:
    d: dict = {"type": c.type, "status": c.status}
    if pod or c.last_probe_time is not None:
        d["lastProbeTime"] = time_out(c.last_probe_time)
    if c.last_heartbeat_time is not None:
        d["lastHeartbeatTime"] = time_out(c.last_heartbeat_time)
    if c.last_transition_time is not None:
        d["lastTransitionTime"] = time_out(c.last_transition_time)
    if c.last_update_time is not None:
        d["lastUpdateTime"] = time_out(c.last_update_time)
    if c.reason:
        d["reason"] = c.reason
    if c.message:
        d["message"] = c.message
    return d


_TIME_SUFFIXES = ("_time", "_timestamp", "_at")

#: The emitters of the parts every group shares, for generic_out.
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    ObjectMeta: lambda m: object_meta_out(m, bool(m.namespace)),
    Condition: condition_out,
    FrozenDict: thaw,
}


def generic_out(value: Any,
                part_emitters: Mapping[type, Callable[[Any], Any]] = PART_EMITTERS) -> Any:
    """Fallback for kinds and parts without a dedicated emitter: attrs fields
    → camelCase (names.to_camel), `extra` merged in, None / "" / empty
    collections omitted, `*_time`, `*_timestamp`, `*_at` ints as RFC 3339.
    A value whose type is in `part_emitters` (kstate.io.manifests passes every
    group's) is emitted by its emitter, at any depth."""
    emitter = part_emitters.get(type(value))
    if emitter is not None:
        return emitter(value)
    if isinstance(value, Enum):
        return value.value
    if attrs.has(type(value)):
        cls = type(value)
        d: dict = {}
        if isinstance(getattr(cls, "KIND", None), str):
            d["apiVersion"] = getattr(cls, "API_VERSION", "v1")
            d["kind"] = cls.KIND
        for f in attrs.fields(cls):
            v = getattr(value, f.name)
            if f.name == "extra" and isinstance(v, dict):
                d.update(thaw(v))
                continue
            if f.name == "metadata" and isinstance(v, ObjectMeta):
                d["metadata"] = object_meta_out(v, bool(getattr(cls, "NAMESPACED", v.namespace)))
                continue
            if v is None or (isinstance(v, (str, tuple, list, dict)) and not v):
                continue
            if isinstance(v, int) and not isinstance(v, bool) and f.name.endswith(_TIME_SUFFIXES):
                d[to_camel(f.name)] = time_out(v)
                continue
            d[to_camel(f.name)] = generic_out(v, part_emitters)
        return d
    if isinstance(value, dict):
        return {str(k): generic_out(v, part_emitters) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [generic_out(v, part_emitters) for v in items]
    return value
