"""Kubernetes manifests ⇄ kstate resources: YAML loading, strict decoding,
API-server defaulting, validation with field paths, and the way back to the
Kubernetes JSON shape.

Owns: `load_documents`, `parse_object`, `parse_manifests`, `load_file`,
`to_manifest`, `TIMING_ANNOTATIONS`. Imports the stdlib, yaml, attrs,
`kstate.errors`, `kstate.resources.*`, `kstate.units` and `kstate.io.names`;
never the engine or the controllers.

Pipeline for one document (what the API server does on `kubectl create`):

1. YAML → JSON-like data (`load_documents`): PyYAML's SafeLoader only, with the
   alias budget go-yaml enforces (billion-laughs documents are refused),
   timestamps kept as strings as go-yaml v2 does, duplicate keys refused as the
   API server's strict field validation does.
2. Strict decoding (`parse_object`): every field must be known to the kind
   (`unknown field "spec.containers[0].imagee"`), every value of the right JSON
   type; `null` means "unset", as in Go's encoding/json. Known Kubernetes fields
   kstate does not model are kept verbatim in the `extra` dicts.
3. Defaults (pkg/apis/core/v1/defaults.go SetDefaults_Pod, SetDefaults_PodSpec,
   SetDefaults_Container, SetDefaults_Probe, SetDefaults_HTTPGetAction,
   SetDefaults_NodeStatus, SetDefaults_Namespace).
4. Validation (pkg/apis/core/validation/validation.go ValidatePodCreate,
   ValidateNode, ValidateNamespace, ValidateObjectMeta …) plus kstate's timing
   annotations.

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
import ipaddress
import json
import math
import os
import re
from enum import Enum
from functools import partial
from typing import Any, Callable, Iterable, Mapping, Optional

import attrs
import yaml

from kstate.errors import SpecError, UnknownFieldError
from kstate.registry import REGISTRY
from kstate.io.names import to_camel
from kstate.resources import (
    EMPTY, Affinity, Condition, Container, ContainerPort, ContainerState, ContainerStatus,
    Event, FrozenDict, Namespace, NamespaceStatus, Node, NodeAddress,
    NodeSelectorRequirement, NodeSelectorTerm, NodeSpec, NodeStatus, ObjectMeta,
    OwnerReference, Pod, PodSpec, PodStatus, Probe, ResourceRequirements, Taint,
    Toleration, deep_freeze, thaw,
)
from kstate.resources.event import ObjectReference
from kstate.resources.meta import format_time, parse_time
from kstate.resources.quantity import parse_quantity
from kstate.resources.selector import validate_label_key, validate_label_value
from kstate.units import parse_duration

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

#: Largest YAML text accepted (characters).
MAX_INPUT_BYTES = 16 * 1024 * 1024
#: Most nodes a stream may materialise through aliases (go-yaml refuses
#: "excessive aliasing" the same way).
MAX_ALIAS_NODES = 1_000_000

ANN_START_AFTER = "kstate.io/start-after"
ANN_READY_AFTER = "kstate.io/ready-after"
ANN_EXIT_AFTER = "kstate.io/exit-after"
ANN_INIT_DURATION = "kstate.io/init-duration"
ANN_STOP_AFTER = "kstate.io/stop-after"
ANN_EXIT_CODE = "kstate.io/exit-code"
ANN_NEVER_READY = "kstate.io/never-ready"
_DURATION_ANNOTATIONS = (ANN_START_AFTER, ANN_READY_AFTER, ANN_EXIT_AFTER, ANN_INIT_DURATION,
                         ANN_STOP_AFTER)
#: The per-pod timing annotations kstate's kubelet reads; validated on Pods.
TIMING_ANNOTATIONS = frozenset(_DURATION_ANNOTATIONS + (ANN_EXIT_CODE, ANN_NEVER_READY))

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_MAX_ANNOTATIONS_SIZE = 256 * 1024  # validation.go TotalAnnotationSizeLimitB


# =================================================================== YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps and `=` as strings.

    go-yaml v2 (behind sigs.k8s.io/yaml) hands timestamp-looking scalars to the
    JSON layer as strings, so `date: 2024-01-01` stays "2024-01-01"; PyYAML's
    `tag:yaml.org,2002:value` resolver would make a lone `=` unloadable.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _yaml_error(exc: yaml.YAMLError, source: str) -> SpecError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        ctx = f" ({exc.context})" if exc.context and exc.problem else ""
        where = f" at {_mark(mark)}" if mark is not None else ""
        return SpecError(f"invalid YAML: {problem}{ctx}{where}", "", source)
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character
        code = ord(char) if isinstance(char, str) else char
        return SpecError(f"invalid YAML: {exc.reason} (#x{code:04x}) at position {exc.position}",
                         "", source)
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SpecError(f"invalid YAML: {first_line}", "", source)


def _alias_expansion(root: yaml.Node, mark_source: str) -> tuple[int, int]:
    """(expanded, distinct) node counts of one composed document.

    Memoised by node identity, so a 10-level billion-laughs document costs a
    few dozen steps; iterative, so deep documents cannot exhaust the stack.
    Also refuses recursive aliases and duplicate mapping keys.
    """
    memo: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            total = 1
            for child in _children(node):
                total += memo[id(child)]
            memo[nid] = total
            on_path.discard(nid)
            continue
        if nid in memo:
            continue
        if nid in on_path:
            raise SpecError(f"document has a recursive alias at {_mark(node.start_mark)}", "",
                            mark_source)
        on_path.add(nid)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], Any] = {}
            for k, _v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    key = (k.tag, k.value)
                    if key in seen:
                        raise SpecError(
                            f'invalid YAML: key "{k.value}" already set in map at '
                            f'{_mark(k.start_mark)}', "", mark_source)
                    seen[key] = k
        for child in _children(node):
            if id(child) not in memo:
                stack.append((child, False))
    return memo[id(root)], len(memo)


def _children(node: yaml.Node) -> Iterable[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return ()


def _json_key(k: Any) -> str:
    """Mapping keys as sigs.k8s.io/yaml turns them into JSON object keys."""
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return repr(k)
    raise SpecError(f"unsupported mapping key {k!r}: keys must be scalars", "")


def _jsonable(value: Any, memo: dict[int, Any]) -> Any:
    """YAML data → JSON data: str keys, explicit timestamps as RFC 3339 text;
    binary, sets and ordered maps are refused."""
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    vid = id(value)
    if vid in memo:
        return memo[vid]
    if isinstance(value, dict):
        out: dict = {}
        memo[vid] = out
        for k, v in value.items():
            out[_json_key(k)] = _jsonable(v, memo)
        return out
    if isinstance(value, list):
        out_l: list = []
        memo[vid] = out_l
        out_l.extend(_jsonable(v, memo) for v in value)
        return out_l
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.isoformat()
        text = value.astimezone(_dt.timezone.utc).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise SpecError(f"unsupported YAML value of type {type(value).__name__}", "")


def _load_indexed(text: str, source: str) -> list[tuple[int, Any]]:
    """[(1-based position in the stream, document)] with empty documents dropped."""
    if not isinstance(text, str):
        raise SpecError(f"YAML input must be text, not {type(text).__name__}", "", source)
    if len(text) > MAX_INPUT_BYTES:
        raise SpecError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB", "", source)
    out: list[tuple[int, Any]] = []
    aliased = 0
    loader: Optional[_Loader] = None
    try:
        loader = _Loader(text)
        index = 0
        while loader.check_node():
            node = loader.get_node()
            index += 1
            if node is None:
                continue
            expanded, distinct = _alias_expansion(node, source)
            aliased += expanded - distinct
            if aliased > MAX_ALIAS_NODES:
                raise SpecError(
                    f"document has excessive aliasing (more than {MAX_ALIAS_NODES} nodes "
                    f"reached through aliases)", "", source)
            try:
                data = loader.construct_document(node)
            except yaml.YAMLError:
                raise
            except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
                # PyYAML's constructors trip over odd explicit tags (`!!int ""`
                # → IndexError, `!!int 1_e` → ValueError, 5000-digit ints …).
                mark = f" at {_mark(node.start_mark)}"
                raise SpecError(f"invalid YAML value{mark}: {type(exc).__name__}: {exc}", "",
                                source) from None
            if data is None:
                continue
            out.append((index, _jsonable(data, {})))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except RecursionError:
        raise SpecError("document is nested too deeply", "", source) from None
    except SpecError as exc:
        raise (exc if exc.source else SpecError(exc.message, exc.path, source)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return out


def load_documents(text: str, source: str = "") -> list[dict]:
    """The mappings in a YAML stream, empty documents skipped.

    Uses PyYAML's SafeLoader only (the composer/constructor pair behind
    `yaml.safe_load_all`), composing each document first to count how many
    nodes its aliases expand to; a stream materialising more than
    MAX_ALIAS_NODES nodes through aliases, or text over MAX_INPUT_BYTES, raises
    SpecError("document has excessive aliasing …") as go-yaml does. YAML
    syntax errors raise SpecError with the line and column; a document that is
    not a mapping raises SpecError("document 2 is not a mapping (got list)").

    Example: load_documents("a: 1\\n---\\n---\\nb: 2\\n") == [{"a": 1}, {"b": 2}]
    """
    docs = []
    for index, doc in _load_indexed(text, source):
        if not isinstance(doc, dict):
            raise SpecError(f"document {index} is not a mapping (got {_json_type(doc)})", "",
                            source)
        docs.append(doc)
    return docs


# ============================================================ error context


def _json_type(v: Any) -> str:
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


def _show(v: Any) -> str:
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


def _quote_all(values: Iterable[str]) -> str:
    return ", ".join(f'"{v}"' for v in sorted(values))


def _p(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _ix(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _key(path: str, key: str) -> str:
    return f"{path}[{key}]"


class _Ctx:
    """Collects field errors in the order they are found (manifest order)."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: list[SpecError] = []

    def add(self, path: str, message: str, cls: type = SpecError) -> None:
        self.errors.append(cls(message, path))

    def required(self, path: str, detail: str = "") -> None:
        self.add(path, "Required value" + (f": {detail}" if detail else ""))

    def invalid(self, path: str, value: Any, detail: str) -> None:
        self.add(path, f"Invalid value: {_show(value)}: {detail}")

    def not_supported(self, path: str, value: Any, supported: Iterable[str]) -> None:
        self.add(path, f"Unsupported value: {_show(value)}: supported values: {_quote_all(supported)}")

    def duplicate(self, path: str, value: Any) -> None:
        self.add(path, f"Duplicate value: {_show(value)}")

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


_BAD = object()  # a handler's result when the value was rejected


# ---------------------------------------------------------------- scalars


def _type_error(ctx: _Ctx, path: str, v: Any, what: str) -> Any:
    ctx.invalid(path, v, f"must be {what}")
    return _BAD


def _str(ctx: _Ctx, v: Any, path: str) -> Any:
    if isinstance(v, str):
        return v
    return _type_error(ctx, path, v, "a string")


def _int(ctx: _Ctx, v: Any, path: str, bounds: tuple[int, int] = _INT32) -> Any:
    if isinstance(v, bool):
        return _type_error(ctx, path, v, "an integer")
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        v = int(v)
    if not isinstance(v, int):
        return _type_error(ctx, path, v, "an integer")
    if not bounds[0] <= v <= bounds[1]:
        bits = 32 if bounds == _INT32 else 64
        return _type_error(ctx, path, v, f"a {bits}-bit integer")
    return v


_int64 = partial(_int, bounds=_INT64)


def _bool(ctx: _Ctx, v: Any, path: str) -> Any:
    if isinstance(v, bool):
        return v
    return _type_error(ctx, path, v, "a boolean")


def _time(ctx: _Ctx, v: Any, path: str) -> Any:
    if isinstance(v, _dt.datetime) and v.tzinfo is not None:
        return (v - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)) // _dt.timedelta(milliseconds=1)
    if not isinstance(v, str):
        return _type_error(ctx, path, v, "an RFC 3339 timestamp string")
    try:
        return parse_time(v)
    except (ValueError, OverflowError):
        ctx.invalid(path, v, "must be an RFC 3339 timestamp (e.g. '2026-01-01T00:00:00Z')")
        return _BAD


def _list(ctx: _Ctx, v: Any, path: str, item: Callable[[_Ctx, Any, str], Any]) -> Any:
    if not isinstance(v, list):
        return _type_error(ctx, path, v, "a list")
    out = []
    for i, x in enumerate(v):
        ipath = _ix(path, i)
        if x is None:
            # null list items decode to the zero value in Go; kstate refuses them.
            ctx.invalid(ipath, x, "must not be null")
            continue
        r = item(ctx, x, ipath)
        if r is not _BAD:
            out.append(r)
    return tuple(out)


def _strs(ctx: _Ctx, v: Any, path: str) -> Any:
    return _list(ctx, v, path, _str)


def _json(ctx: _Ctx, v: Any, path: str) -> Any:
    """Verbatim JSON data (for `extra`), frozen."""
    stack = [(v, path)]
    while stack:
        x, p = stack.pop()
        if x is None or isinstance(x, (str, bool, int)):
            continue
        if isinstance(x, float):
            if not math.isfinite(x):
                return _type_error(ctx, p, x, "a finite number")
            continue
        if isinstance(x, dict):
            for k, y in x.items():
                if not isinstance(k, str):
                    return _type_error(ctx, p, k, "a string field name")
                stack.append((y, _p(p, k)))
            continue
        if isinstance(x, list):
            stack.extend((y, _ix(p, i)) for i, y in enumerate(x))
            continue
        return _type_error(ctx, p, x, "JSON data")
    return deep_freeze(v)


def _json_obj(ctx: _Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, dict):
        return _type_error(ctx, path, v, "a mapping")
    return _json(ctx, v, path)


def _json_list(ctx: _Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, list):
        return _type_error(ctx, path, v, "a list")
    return _json(ctx, v, path)


def _json_str(ctx: _Ctx, v: Any, path: str) -> Any:
    return _str(ctx, v, path)


def _json_bool(ctx: _Ctx, v: Any, path: str) -> Any:
    return _bool(ctx, v, path)


def _json_int(ctx: _Ctx, v: Any, path: str) -> Any:
    return _int(ctx, v, path, _INT64)


def _env_var(ctx: _Ctx, v: Any, path: str) -> Any:
    """An EnvVar: `value` must be a string (the classic `value: 8080` mistake)."""
    r = _struct(ctx, v, path, {"name": _str, "value": _str, "valueFrom": _json_obj})
    if r is None:
        return _BAD
    if r.ok("name") and not r.get("name"):
        ctx.required(_p(path, "name"))
    return _json(ctx, v, path)


def _env(ctx: _Ctx, v: Any, path: str) -> Any:
    return _list(ctx, v, path, _env_var)


def _str_map(ctx: _Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, dict):
        return _type_error(ctx, path, v, "a mapping")
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
    return FrozenDict(out) if ok else _BAD


# ---------------------------------------------------------------- structs


class _Raw:
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


def _struct(
    ctx: _Ctx,
    v: Any,
    path: str,
    fields: Mapping[str, Callable[[_Ctx, Any, str], Any]],
    extra: Mapping[str, Callable[[_Ctx, Any, str], Any]] | Iterable[str] = (),
    drop: Iterable[str] = (),
) -> Optional[_Raw]:
    """Strictly decode a JSON object: `fields` typed by their handlers, `extra`
    kept verbatim (frozen JSON; a mapping gives each its shape check), `drop`
    accepted and ignored, anything else an unknown field. A null value means
    "unset" (Go's encoding/json)."""
    if not isinstance(extra, Mapping):
        extra = dict.fromkeys(extra, _json)
    if not isinstance(v, dict):
        ctx.invalid(path, v, "must be a mapping")
        return None
    typed: dict = {}
    ext: dict = {}
    for k, x in v.items():
        kpath = _p(path, k if isinstance(k, str) else str(k))
        if not isinstance(k, str):
            ctx.unknown(kpath)
            continue
        handler = fields.get(k)
        if handler is not None:
            if x is None:
                continue
            r = handler(ctx, x, kpath)
            if r is not _BAD:
                typed[k] = r
        elif k in extra:
            if x is None:
                continue
            r = extra[k](ctx, x, kpath)
            if r is not _BAD:
                ext[k] = r
        elif k in drop:
            continue
        else:
            ctx.unknown(kpath)
    return _Raw(v, typed, ext)


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


def _iana_svc_name_error(port: str) -> Optional[str]:
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


def _check_str(ctx: _Ctx, path: str, value: Any, check: Callable[[str], Optional[str]]) -> Any:
    """A string handler that also runs a validator returning a message."""
    if not isinstance(value, str):
        return _type_error(ctx, path, value, "a string")
    msg = check(value)
    if msg:
        ctx.invalid(path, value, msg)
    return value


def _validated(check: Callable[[str], Optional[str]]) -> Callable[[_Ctx, Any, str], Any]:
    return lambda ctx, v, path: _check_str(ctx, path, v, check)


def _enum(supported: Iterable[str], allow_empty: bool = False) -> Callable[[_Ctx, Any, str], Any]:
    values = frozenset(supported)

    def handler(ctx: _Ctx, v: Any, path: str) -> Any:
        if not isinstance(v, str):
            return _type_error(ctx, path, v, "a string")
        if v not in values and not (allow_empty and v == ""):
            ctx.not_supported(path, v, values)
        return v
    return handler


def _non_negative(handler: Callable[[_Ctx, Any, str], Any]) -> Callable[[_Ctx, Any, str], Any]:
    def h(ctx: _Ctx, v: Any, path: str) -> Any:
        r = handler(ctx, v, path)
        if r is not _BAD and r < 0:
            ctx.invalid(path, r, "must be greater than or equal to 0")
        return r
    return h


def _label_map(ctx: _Ctx, v: Any, path: str) -> Any:
    """metav1validation.ValidateLabels: keys qualified names, values label values."""
    r = _str_map(ctx, v, path)
    if r is _BAD:
        return r
    for k, x in r.items():
        msg = validate_label_key(k)
        if msg:
            ctx.invalid(path, k, msg)
        msg = validate_label_value(x)
        if msg:
            ctx.invalid(path, x, msg)
    return r


def _parse_duration_msg(v: str) -> Optional[str]:
    try:
        parse_duration(v)
    except SpecError as exc:
        return exc.message
    except (ValueError, OverflowError) as exc:
        return f"invalid duration: {exc}"
    return None


def _check_timing_annotations(ctx: _Ctx, ann: Mapping[str, str], path: str) -> None:
    """kstate's pod timing annotations (specs/profiles rules read them)."""
    for k, v in ann.items():
        if k not in TIMING_ANNOTATIONS:
            continue
        kpath = _key(path, k)
        if k == ANN_EXIT_CODE:
            if not re.fullmatch(r"[0-9]{1,3}", v) or not 0 <= int(v) <= 255:
                ctx.invalid(kpath, v, "must be an integer between 0 and 255")
        elif k == ANN_NEVER_READY:
            if v not in ("true", "false"):
                ctx.not_supported(kpath, v, ("true", "false"))
        else:
            msg = _parse_duration_msg(v)
            if msg:
                ctx.invalid(kpath, v, msg)


# =============================================================== metadata


def _owner_reference(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "apiVersion": _str, "kind": _str, "name": _str, "uid": _str,
        "controller": _bool, "blockOwnerDeletion": _bool,
    })
    if r is None:
        return _BAD
    for f in ("apiVersion", "kind", "name", "uid"):
        if r.ok(f) and not r.get(f):
            ctx.required(_p(path, f))
    return OwnerReference(
        api_version=r.get("apiVersion", ""), kind=r.get("kind", ""), name=r.get("name", ""),
        uid=r.get("uid", ""), controller=r.get("controller"),
        block_owner_deletion=r.get("blockOwnerDeletion"),
    )


def _annotations(ctx: _Ctx, v: Any, path: str) -> Any:
    """ValidateAnnotations: keys are qualified names, total size ≤ 256 KiB."""
    r = _str_map(ctx, v, path)
    if r is _BAD:
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


def _meta(ctx: _Ctx, v: Any, path: str, cls: type, template: bool = False) -> ObjectMeta:
    """ValidateObjectMeta (apimachinery/pkg/api/validation/objectmeta.go) with the
    kind's name rule: DNS-1123 subdomain for Pod and Node (ValidatePodName,
    ValidateNodeName), DNS-1123 label for Namespace (ValidateNamespaceName).
    A pod template's metadata (`template=True`) needs no name and gets no
    namespace default."""
    name_check = dns1123_label_error if cls is Namespace else dns1123_subdomain_error
    r = _struct(ctx, v, path, {
        "name": _validated(lambda s: name_check(s) if s else None),
        # ValidateObjectMeta checks generateName as a prefix (maskTrailingDash).
        "generateName": _validated(
            lambda s: name_check(s[:-1] + "a" if s.endswith("-") else s) if s else None),
        "namespace": _validated(dns1123_label_error) if cls.NAMESPACED else _str,
        "uid": _str,
        "labels": _label_map,
        "annotations": _annotations,
        "ownerReferences": lambda c, x, p: _list(c, x, p, _owner_reference),
        "creationTimestamp": _time,
        "deletionTimestamp": _time,
        "deletionGracePeriodSeconds": _int64,
        "generation": _non_negative(_int64),
        "resourceVersion": _str,
        "finalizers": _strs,
    }, drop=("managedFields", "selfLink"))
    if r is None:
        return ObjectMeta()
    if (not template and r.ok("name") and r.ok("generateName") and not r.get("name")
            and not r.get("generateName")):
        ctx.required(_p(path, "name"), "name or generateName is required")
    if cls is Pod and "annotations" in r.typed:
        _check_timing_annotations(ctx, r.typed["annotations"], _p(path, "annotations"))
    refs = r.get("ownerReferences", ())
    if sum(1 for o in refs if o.controller) > 1:
        ctx.invalid(_p(path, "ownerReferences"), "",
                    "Only one reference can have Controller set to true")
    namespace = r.get("namespace", "") if cls.NAMESPACED else ""
    if cls.NAMESPACED and not namespace and not template:
        namespace = "default"
    labels = r.get("labels", EMPTY)
    if cls is Namespace and r.get("name"):
        # SetDefaults_Namespace: the immutable kubernetes.io/metadata.name label.
        labels = FrozenDict({**labels, "kubernetes.io/metadata.name": r.get("name")})
    return ObjectMeta(
        name=r.get("name", ""),
        generate_name=r.get("generateName", ""),
        namespace=namespace,
        uid=r.get("uid", ""),
        labels=labels or EMPTY,
        annotations=r.get("annotations", EMPTY) or EMPTY,
        owner_references=refs,
        creation_timestamp=r.get("creationTimestamp"),
        deletion_timestamp=r.get("deletionTimestamp"),
        deletion_grace_period_seconds=r.get("deletionGracePeriodSeconds"),
        generation=r.get("generation", 0),
        resource_version=r.get("resourceVersion", ""),
        finalizers=r.get("finalizers", ()),
    )


def _conditions(ctx: _Ctx, v: Any, path: str) -> Any:
    return _list(ctx, v, path, _condition)


def _condition(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "type": _str, "status": _str, "reason": _str, "message": _str,
        "lastTransitionTime": _time, "lastProbeTime": _time,
        "lastHeartbeatTime": _time, "lastUpdateTime": _time,
    }, drop=("observedGeneration",))
    if r is None:
        return _BAD
    if r.ok("type") and not r.get("type"):
        ctx.required(_p(path, "type"))
    return Condition(
        type=r.get("type", ""), status=r.get("status", ""), reason=r.get("reason", ""),
        message=r.get("message", ""), last_transition_time=r.get("lastTransitionTime"),
        last_probe_time=r.get("lastProbeTime"), last_heartbeat_time=r.get("lastHeartbeatTime"),
        last_update_time=r.get("lastUpdateTime"),
    )


# ============================================================== resources

_STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_STANDARD_NODE_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", "pods", "storage"})


def _is_native(name: str) -> bool:
    """helper.IsNativeResource: no domain, or a kubernetes.io domain."""
    return "/" not in name or "kubernetes.io/" in name


def _is_overcommit_allowed(name: str) -> bool:
    """v1helper.IsOvercommitAllowed: native resources except hugepages."""
    return _is_native(name) and not name.startswith("hugepages-")


def _container_resource_name_error(name: str) -> Optional[str]:
    """validation.go validateContainerResourceName."""
    if "/" not in name:
        if name in _STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-"):
            return None
        return "must be a standard resource for containers"
    msg = validate_label_key(name)
    if msg:
        return msg
    if not _is_native(name) and validate_label_key("requests." + name):
        return "doesn't follow extended resource name standard"
    return None


def _node_resource_name_error(name: str) -> Optional[str]:
    """validation.go ValidateResourceName for node capacity/allocatable."""
    if "/" not in name:
        if (name in _STANDARD_NODE_RESOURCES or name.startswith("hugepages-")
                or name.startswith("attachable-volumes-")):
            return None
        return "must be a standard resource type or fully qualified"
    return validate_label_key(name)


def _quantity_text(v: Any) -> Optional[str]:
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return None


def _quantity_map(name_error: Callable[[str], Optional[str]]) -> Callable[[_Ctx, Any, str], Any]:
    """A ResourceList: names validated, quantities parsed (ParseQuantity) and
    non-negative (ValidateResourceQuantityValue); extended resources integral."""

    def handler(ctx: _Ctx, v: Any, path: str) -> Any:
        if not isinstance(v, dict):
            return _type_error(ctx, path, v, "a mapping")
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                ctx.invalid(path, k, "resource names must be strings")
                continue
            kpath = _key(path, k)
            msg = name_error(k)
            if msg:
                ctx.invalid(kpath, k, msg)
            text = _quantity_text(x)
            if text is None:
                ctx.invalid(kpath, x, "must be a quantity (a string like '500m' or a number)")
                continue
            try:
                q = parse_quantity(text)
            except SpecError as exc:
                ctx.invalid(kpath, x, exc.message)
                continue
            except (ValueError, OverflowError, ArithmeticError):
                ctx.invalid(kpath, x, "must be a valid quantity")
                continue
            if q < 0:
                ctx.invalid(kpath, text, "must be greater than or equal to 0")
            elif not _is_native(k) and q.denominator != 1:
                ctx.invalid(kpath, text, "must be an integer")
            out[k] = text
        return FrozenDict(out)
    return handler


def _resources(ctx: _Ctx, v: Any, path: str) -> Any:
    """ValidateContainerResourceRequirements, after SetDefaults_Pod copied
    limits into unset requests. Example: requests cpu "2", limits cpu "1" →
    `resources.requests: Invalid value: "2": must be less than or equal to cpu
    limit of 1`."""
    qmap = _quantity_map(_container_resource_name_error)
    r = _struct(ctx, v, path, {"requests": qmap, "limits": qmap})
    if r is None:
        return _BAD
    requests: dict = dict(r.get("requests", EMPTY))
    limits: Mapping = r.get("limits", EMPTY)
    for name, req in requests.items():
        lim = limits.get(name)
        try:
            rq = parse_quantity(req)
        except (SpecError, ValueError, OverflowError, ArithmeticError):
            continue
        if lim is None:
            if not _is_overcommit_allowed(name):
                ctx.required(_p(path, "limits"), "Limit must be set for non overcommitable resources")
            continue
        try:
            lq = parse_quantity(lim)
        except (SpecError, ValueError, OverflowError, ArithmeticError):
            continue
        if rq != lq and not _is_overcommit_allowed(name):
            ctx.invalid(_p(path, "requests"), req, f"must be equal to {name} limit of {lim}")
        elif rq > lq:
            ctx.invalid(_p(path, "requests"), req,
                        f"must be less than or equal to {name} limit of {lim}")
    for name, lim in limits.items():  # SetDefaults_Pod: requests default to limits
        requests.setdefault(name, lim)
    return ResourceRequirements(requests=FrozenDict(requests) if requests else EMPTY,
                                limits=limits or EMPTY)


# ================================================================= probes

_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _probe(ctx: _Ctx, v: Any, path: str, kind: str) -> Any:
    """validation.go validateProbe / validateHandler with SetDefaults_Probe
    (zero timing fields take the defaults 10/1/1/3) and SetDefaults_HTTPGetAction."""
    nn = _non_negative(_int)
    r = _struct(ctx, v, path, {
        "initialDelaySeconds": nn, "timeoutSeconds": nn, "periodSeconds": nn,
        "successThreshold": nn, "failureThreshold": nn,
        "exec": _json_obj, "httpGet": _json_obj, "tcpSocket": _json_obj, "grpc": _json_obj,
        "terminationGracePeriodSeconds": _int64,
    })
    if r is None:
        return _BAD
    handlers = [h for h in r.raw if h in _PROBE_HANDLERS and r.raw[h] is not None]
    if not handlers:
        ctx.required(path, "must specify a handler type")
    for h in handlers[1:]:
        ctx.forbidden(_p(path, h), "may not specify more than 1 handler type")
    handler: dict = {}
    for h in handlers:
        if h not in r.typed:
            continue
        body = r.typed[h]
        if h in ("httpGet", "tcpSocket", "grpc") and body.get("port") is None:
            ctx.required(_p(_p(path, h), "port"))
        if h == "httpGet":
            body = FrozenDict({**body, "path": body.get("path") or "/",
                               "scheme": body.get("scheme") or "HTTP"})
        if h == "exec" and not isinstance(body.get("command", ()), tuple):
            ctx.invalid(_p(_p(path, h), "command"), thaw(body.get("command")), "must be a list")
        handler[h] = body
    tgps = r.get("terminationGracePeriodSeconds")
    if tgps is not None:
        if kind == "readinessProbe":
            ctx.invalid(_p(path, "terminationGracePeriodSeconds"), tgps,
                        "must not be set for readinessProbes")
        elif tgps <= 0:
            ctx.invalid(_p(path, "terminationGracePeriodSeconds"), tgps, "must be greater than 0")
        handler["terminationGracePeriodSeconds"] = tgps
    success = r.get("successThreshold") or 1
    if kind != "readinessProbe" and success != 1:
        ctx.invalid(_p(path, "successThreshold"), success, "must be 1")
    return Probe(
        initial_delay_seconds=r.get("initialDelaySeconds") or 0,
        period_seconds=r.get("periodSeconds") or 10,
        timeout_seconds=r.get("timeoutSeconds") or 1,
        success_threshold=success,
        failure_threshold=r.get("failureThreshold") or 3,
        handler=FrozenDict(handler) if handler else EMPTY,
    )


# ============================================================= containers

#: Container fields kstate carries verbatim in Container.extra, with their JSON shape.
_CONTAINER_EXTRA: dict[str, Callable[[_Ctx, Any, str], Any]] = {
    "env": _env, "envFrom": _json_list, "volumeMounts": _json_list,
    "volumeDevices": _json_list, "imagePullPolicy": _json_str, "workingDir": _json_str,
    "securityContext": _json_obj, "lifecycle": _json_obj, "terminationMessagePath": _json_str,
    "terminationMessagePolicy": _json_str, "stdin": _json_bool, "stdinOnce": _json_bool,
    "tty": _json_bool, "resizePolicy": _json_list, "restartPolicyRules": _json_list,
}
_PROTOCOLS = ("TCP", "UDP", "SCTP")


def _port_number(lo: int) -> Callable[[_Ctx, Any, str], Any]:
    def h(ctx: _Ctx, v: Any, path: str) -> Any:
        r = _int(ctx, v, path)
        if r is not _BAD and r != 0 and not lo <= r <= 65535:
            ctx.invalid(path, r, "must be between 1 and 65535, inclusive")
        return r
    return h


def _container_port(ctx: _Ctx, v: Any, path: str) -> Any:
    """validation.go validateContainerPorts (one entry)."""
    r = _struct(ctx, v, path, {
        "name": _validated(_iana_svc_name_error),
        "hostPort": _port_number(1),
        "containerPort": _port_number(1),
        "protocol": _enum(_PROTOCOLS, allow_empty=True),
        "hostIP": _str,
    })
    if r is None:
        return _BAD
    if r.ok("containerPort") and not r.get("containerPort"):
        ctx.required(_p(path, "containerPort"))
    return ContainerPort(
        container_port=r.get("containerPort", 0),
        name=r.get("name", ""),
        protocol=r.get("protocol") or "TCP",
        host_port=r.get("hostPort") or None,
    )


def _image_pull_policy_default(image: str) -> str:
    """SetDefaults_Container: Always for `:latest` or an untagged, undigested
    image, else IfNotPresent (parsers.ParseImageName)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    if tag == "latest" or (not tag and not digest):
        return "Always"
    return "IfNotPresent"


def _container(ctx: _Ctx, v: Any, path: str, init: bool) -> Any:
    """validation.go validateContainerCommon / validateInitContainers /
    validateContainers for one container, with SetDefaults_Container."""
    r = _struct(ctx, v, path, {
        "name": _validated(dns1123_label_error),
        "image": _str,
        "command": _strs,
        "args": _strs,
        "ports": lambda c, x, p: _list(c, x, p, _container_port),
        "resources": _resources,
        "readinessProbe": partial(_probe, kind="readinessProbe"),
        "livenessProbe": partial(_probe, kind="livenessProbe"),
        "startupProbe": partial(_probe, kind="startupProbe"),
        "restartPolicy": _enum(("Always",) if init else ("Always", "OnFailure", "Never"),
                               allow_empty=True),
    }, extra=_CONTAINER_EXTRA)
    if r is None:
        return _BAD
    if r.ok("name") and not r.get("name"):
        ctx.required(_p(path, "name"))
    if r.ok("image") and not r.get("image", "").strip():
        ctx.required(_p(path, "image"))
    restart = r.get("restartPolicy") or None
    if restart and not init:
        ctx.forbidden(_p(path, "restartPolicy"), "may not be set for non-init containers")
    if init and restart != "Always":
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if r.given(probe):
                ctx.forbidden(_p(path, probe),
                              "may not be set for init containers without restartPolicy=Always")
    ports = r.get("ports", ())
    seen: dict[str, int] = {}
    for i, port in enumerate(ports):
        if port.name:
            if port.name in seen:
                ctx.duplicate(_p(_ix(_p(path, "ports"), i), "name"), port.name)
            seen[port.name] = i
    extra = dict(r.extra)
    for key, choices in (("imagePullPolicy", ("Always", "IfNotPresent", "Never")),
                         ("terminationMessagePolicy", ("File", "FallbackToLogsOnError"))):
        val = extra.get(key)
        if val is not None and val != "" and val not in choices:
            ctx.not_supported(_p(path, key), val, choices)
    for key in ("imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy"):
        if extra.get(key) == "":
            del extra[key]
    image = r.get("image", "")
    extra.setdefault("imagePullPolicy", _image_pull_policy_default(image))
    extra.setdefault("terminationMessagePath", "/dev/termination-log")
    extra.setdefault("terminationMessagePolicy", "File")
    return Container(
        name=r.get("name", ""),
        image=image,
        command=r.get("command", ()),
        args=r.get("args", ()),
        ports=ports,
        resources=r.get("resources", ResourceRequirements()),
        readiness_probe=r.get("readinessProbe"),
        liveness_probe=r.get("livenessProbe"),
        startup_probe=r.get("startupProbe"),
        restart_policy=restart,
        extra=FrozenDict(extra),
    )


# ======================================================= tolerations, affinity

_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _toleration(ctx: _Ctx, v: Any, path: str) -> Any:
    """validation.go validateTolerations (one entry). An empty operator means
    Equal; an empty key needs operator Exists."""
    r = _struct(ctx, v, path, {
        "key": _validated(lambda k: validate_label_key(k) if k else None),
        "operator": _enum(("Equal", "Exists"), allow_empty=True),
        "value": _str,
        "effect": _enum(_TAINT_EFFECTS, allow_empty=True),
        "tolerationSeconds": _int64,
    })
    if r is None:
        return _BAD
    key, op, value = r.get("key", ""), r.get("operator", ""), r.get("value", "")
    effect, seconds = r.get("effect", ""), r.get("tolerationSeconds")
    if r.ok("key") and r.ok("operator") and not key and op != "Exists":
        ctx.invalid(_p(path, "operator"), op,
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"')
    if op == "Exists" and value:
        ctx.invalid(_p(path, "operator"), value,
                    "value must be empty when `operator` is 'Exists'")
    elif op in ("Equal", "") and value:
        msg = validate_label_value(value)
        if msg:
            ctx.invalid(_p(path, "value"), value, msg)
    if seconds is not None and r.ok("effect") and effect != "NoExecute":
        ctx.invalid(_p(path, "effect"), effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set")
    return Toleration(key=key, operator=op or "Equal", value=value, effect=effect,
                      toleration_seconds=seconds)


_NODE_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def _node_selector_requirement(ctx: _Ctx, v: Any, path: str, fields: bool) -> Any:
    """validation.go ValidateNodeSelectorRequirement (matchExpressions) and
    validateNodeFieldSelectorRequirement (matchFields: only metadata.name)."""
    r = _struct(ctx, v, path, {
        "key": _str,
        "operator": _enum(("In", "NotIn") if fields else _NODE_SELECTOR_OPS),
        "values": _strs,
    })
    if r is None:
        return _BAD
    key, op, values = r.get("key", ""), r.get("operator", ""), r.get("values", ())
    if r.ok("key"):
        if fields:
            if key != "metadata.name":
                ctx.invalid(_p(path, "key"), key, "a valid field selector key is required")
        elif not key:
            ctx.required(_p(path, "key"))
        else:
            msg = validate_label_key(key)
            if msg:
                ctx.invalid(_p(path, "key"), key, msg)
    if r.ok("operator") and not op:
        ctx.required(_p(path, "operator"))
    vpath = _p(path, "values")
    if op in ("In", "NotIn"):
        if fields and len(values) != 1:
            ctx.required(vpath, "must be only one value when `operator` is 'In' or 'NotIn' "
                                "for node field selector")
        elif not values:
            ctx.required(vpath, "must be specified when `operator` is 'In' or 'NotIn'")
    elif op in ("Exists", "DoesNotExist"):
        if values:
            ctx.forbidden(vpath, "may not be specified when `operator` is 'Exists' or "
                                 "'DoesNotExist'")
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            ctx.required(vpath, "must be specified single value when `operator` is 'Lt' or 'Gt'")
        elif not re.fullmatch(r"[+-]?[0-9]{1,19}", values[0]):
            ctx.invalid(_ix(vpath, 0), values[0], "must be an integer")
    return NodeSelectorRequirement(key=key, operator=op, values=values)


def _node_selector_term(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "matchExpressions": lambda c, x, p: _list(
            c, x, p, partial(_node_selector_requirement, fields=False)),
        "matchFields": lambda c, x, p: _list(
            c, x, p, partial(_node_selector_requirement, fields=True)),
    })
    if r is None:
        return _BAD
    return NodeSelectorTerm(match_expressions=r.get("matchExpressions", ()),
                            match_fields=r.get("matchFields", ()))


def _node_selector(ctx: _Ctx, v: Any, path: str) -> Any:
    """validation.go ValidateNodeSelector: at least one term."""
    r = _struct(ctx, v, path, {
        "nodeSelectorTerms": lambda c, x, p: _list(c, x, p, _node_selector_term),
    })
    if r is None:
        return _BAD
    terms = r.get("nodeSelectorTerms", ())
    if r.ok("nodeSelectorTerms") and not terms:
        ctx.required(_p(path, "nodeSelectorTerms"), "must have at least one node selector term")
    return terms


def _node_affinity(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "requiredDuringSchedulingIgnoredDuringExecution": _node_selector,
    }, extra={"preferredDuringSchedulingIgnoredDuringExecution": _json_list})
    if r is None:
        return _BAD
    return r.get("requiredDuringSchedulingIgnoredDuringExecution"), r.extra


def _affinity(ctx: _Ctx, v: Any, path: str) -> Any:
    """Typed: nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution; the
    preferred node terms and pod (anti-)affinity are carried in `extra`
    (`extra["nodeAffinity"]` holds only the node-affinity remainder)."""
    r = _struct(ctx, v, path, {"nodeAffinity": _node_affinity},
                extra={"podAffinity": _json_obj, "podAntiAffinity": _json_obj})
    if r is None:
        return _BAD
    required, rest = r.get("nodeAffinity", (None, {}))
    extra = {}
    if rest:
        extra["nodeAffinity"] = FrozenDict(rest)
    extra.update(r.extra)
    return Affinity(required_node_terms=required, extra=FrozenDict(extra) if extra else EMPTY)


def _readiness_gate(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {"conditionType": _validated(validate_label_key)})
    if r is None:
        return _BAD
    if r.ok("conditionType") and not r.get("conditionType"):
        ctx.required(_p(path, "conditionType"))
    return r.get("conditionType", "")


# =================================================================== pods

def _active_deadline(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _int(ctx, v, path, _INT64)
    if r is not _BAD and r < 1:
        ctx.invalid(path, r, "must be between 1 and 2147483647, inclusive")
    return r


#: PodSpec fields kstate carries verbatim in PodSpec.extra, with their JSON shape.
_POD_SPEC_EXTRA: dict[str, Callable[[_Ctx, Any, str], Any]] = {
    "volumes": _json_list, "dnsPolicy": _json_str, "dnsConfig": _json_obj,
    "hostNetwork": _json_bool, "hostPID": _json_bool, "hostIPC": _json_bool,
    "serviceAccountName": _json_str, "serviceAccount": _json_str,
    "automountServiceAccountToken": _json_bool, "securityContext": _json_obj,
    "imagePullSecrets": _json_list, "priorityClassName": _json_str,
    "preemptionPolicy": _json_str, "runtimeClassName": _json_str,
    "enableServiceLinks": _json_bool, "topologySpreadConstraints": _json_list,
    "activeDeadlineSeconds": _active_deadline, "shareProcessNamespace": _json_bool,
    "overhead": _json_obj, "setHostnameAsFQDN": _json_bool, "os": _json_obj,
    "hostAliases": _json_list, "schedulingGates": _json_list, "ephemeralContainers": _json_list,
    "hostUsers": _json_bool, "resourceClaims": _json_list,
}
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def _pod_spec(ctx: _Ctx, v: Any, path: str) -> Any:
    """validation.go ValidatePodSpec (the parts kstate models) with
    SetDefaults_PodSpec / SetDefaults_Pod: restartPolicy Always,
    terminationGracePeriodSeconds 30, schedulerName default-scheduler,
    dnsPolicy ClusterFirst, securityContext {}, enableServiceLinks true,
    hostPort = containerPort under hostNetwork."""
    r = _struct(ctx, v, path, {
        "initContainers": lambda c, x, p: _list(c, x, p, partial(_container, init=True)),
        "containers": lambda c, x, p: _list(c, x, p, partial(_container, init=False)),
        "restartPolicy": _enum(_RESTART_POLICIES, allow_empty=True),
        "terminationGracePeriodSeconds": _non_negative(_int64),
        "nodeSelector": _label_map,
        "affinity": _affinity,
        "tolerations": lambda c, x, p: _list(c, x, p, _toleration),
        "nodeName": _validated(lambda s: dns1123_subdomain_error(s) if s else None),
        "schedulerName": _validated(lambda s: dns1123_subdomain_error(s) if s else None),
        "hostname": _validated(lambda s: dns1123_label_error(s) if s else None),
        "subdomain": _validated(lambda s: dns1123_label_error(s) if s else None),
        "priority": _int,
        "readinessGates": lambda c, x, p: _list(c, x, p, _readiness_gate),
    }, extra=_POD_SPEC_EXTRA)
    if r is None:
        return _BAD
    init = r.get("initContainers", ())
    containers = r.get("containers", ())
    if r.ok("containers") and not r.raw.get("containers"):
        ctx.required(_p(path, "containers"))
    # Names unique across init and app containers (validateInitContainers runs first).
    names: set[str] = set()
    for field, group in (("initContainers", init), ("containers", containers)):
        for i, c in enumerate(group):
            if c.name and c.name in names:
                ctx.duplicate(_p(_ix(_p(path, field), i), "name"), c.name)
            names.add(c.name)
    extra = dict(r.extra)
    dns = extra.get("dnsPolicy")
    if dns not in (None, "") and dns not in _DNS_POLICIES:
        ctx.not_supported(_p(path, "dnsPolicy"), dns, _DNS_POLICIES)
    host_network = extra.get("hostNetwork") is True
    # AccumulateUniqueHostPorts: one (hostPort, protocol) per pod.
    host_ports: set[tuple[int, str]] = set()
    for field, group in (("initContainers", init), ("containers", containers)):
        fixed = []
        for i, c in enumerate(group):
            ports = c.ports
            if host_network:
                ports = tuple(p if p.host_port else attrs.evolve(p, host_port=p.container_port)
                              for p in ports)
                if ports != c.ports:
                    c = attrs.evolve(c, ports=ports)
            for j, port in enumerate(ports):
                if port.host_port:
                    hp = (port.host_port, port.protocol)
                    if hp in host_ports:
                        ctx.duplicate(_p(_ix(_p(_ix(_p(path, field), i), "ports"), j), "hostPort"),
                                      f"{port.host_port}/{port.protocol}")
                    host_ports.add(hp)
            fixed.append(c)
        if field == "initContainers":
            init = tuple(fixed)
        else:
            containers = tuple(fixed)
    if not extra.get("dnsPolicy"):
        extra["dnsPolicy"] = "ClusterFirst"
    extra.setdefault("securityContext", FrozenDict())
    extra.setdefault("enableServiceLinks", True)
    return PodSpec(
        containers=containers,
        init_containers=init,
        restart_policy=r.get("restartPolicy") or "Always",
        termination_grace_period_seconds=r.get("terminationGracePeriodSeconds", 30),
        node_selector=r.get("nodeSelector", EMPTY) or EMPTY,
        affinity=r.get("affinity"),
        tolerations=r.get("tolerations", ()),
        node_name=r.get("nodeName", ""),
        scheduler_name=r.get("schedulerName") or "default-scheduler",
        hostname=r.get("hostname", ""),
        subdomain=r.get("subdomain", ""),
        priority=r.get("priority"),
        readiness_gates=r.get("readinessGates", ()),
        extra=FrozenDict(extra),
    )


def _container_state(ctx: _Ctx, v: Any, path: str) -> Any:
    state = _struct(ctx, v, path, {
        "waiting": lambda c, x, p: _struct(c, x, p, {"reason": _str, "message": _str}),
        "running": lambda c, x, p: _struct(c, x, p, {"startedAt": _time}),
        "terminated": lambda c, x, p: _struct(c, x, p, {
            "exitCode": _int, "signal": _int, "reason": _str, "message": _str,
            "startedAt": _time, "finishedAt": _time, "containerID": _str,
        }),
    })
    if state is None:
        return _BAD
    kinds = [k for k in ("waiting", "running", "terminated") if state.given(k)]
    for k in kinds[1:]:
        ctx.forbidden(_p(path, k), "may not specify more than 1 state")
    for kind in kinds:
        r = state.get(kind)
        if r is None:
            return _BAD
        return ContainerState(
            kind=kind, reason=r.get("reason", ""), message=r.get("message", ""),
            exit_code=r.get("exitCode", 0) if kind == "terminated" else None,
            started_at=r.get("startedAt"), finished_at=r.get("finishedAt"),
        )
    return ContainerState()


def _container_status(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "name": _str, "image": _str, "ready": _bool, "started": _bool,
        "restartCount": _non_negative(_int), "state": _container_state,
        "lastState": _container_state, "containerID": _str,
    }, drop=("imageID", "resources", "allocatedResources", "volumeMounts", "user",
             "allocatedResourcesStatus", "stopSignal"))
    if r is None:
        return _BAD
    return ContainerStatus(
        name=r.get("name", ""), image=r.get("image", ""), ready=r.get("ready", False),
        started=r.get("started"), restart_count=r.get("restartCount", 0),
        state=r.get("state", ContainerState()), last_state=r.get("lastState", ContainerState()),
        container_id=r.get("containerID", ""),
    )


def _ip_entry(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {"ip": _str})
    return _BAD if r is None else r.get("ip", "")


def _pod_status(ctx: _Ctx, v: Any, path: str) -> Any:
    """PodStatus as `kubectl get -o json` shows it; qosClass is recomputed."""
    r = _struct(ctx, v, path, {
        "phase": _enum(("Pending", "Running", "Succeeded", "Failed", "Unknown"), allow_empty=True),
        "conditions": _conditions,
        "message": _str, "reason": _str, "nominatedNodeName": _str,
        "hostIP": _str, "hostIPs": lambda c, x, p: _list(c, x, p, _ip_entry),
        "podIP": _str, "podIPs": lambda c, x, p: _list(c, x, p, _ip_entry),
        "startTime": _time,
        "initContainerStatuses": lambda c, x, p: _list(c, x, p, _container_status),
        "containerStatuses": lambda c, x, p: _list(c, x, p, _container_status),
    }, drop=("qosClass", "ephemeralContainerStatuses", "resize", "resourceClaimStatuses",
             "observedGeneration", "extendedResourceClaimStatus"))
    if r is None:
        return _BAD
    pod_ips, host_ips = r.get("podIPs", ()), r.get("hostIPs", ())
    return PodStatus(
        phase=r.get("phase") or "Pending",
        conditions=r.get("conditions", ()),
        container_statuses=r.get("containerStatuses", ()),
        init_container_statuses=r.get("initContainerStatuses", ()),
        pod_ip=r.get("podIP") or (pod_ips[0] if pod_ips else ""),
        host_ip=r.get("hostIP") or (host_ips[0] if host_ips else ""),
        start_time=r.get("startTime"),
        reason=r.get("reason", ""),
        message=r.get("message", ""),
        nominated_node_name=r.get("nominatedNodeName", ""),
    )


def _top(fields: dict) -> dict:
    return {"apiVersion": _str, "kind": _str, **fields}


def _decode_pod(ctx: _Ctx, doc: dict) -> Pod:
    """ValidatePodCreate (validation.go): ValidateObjectMeta + ValidatePodSpec."""
    r = _struct(ctx, doc, "", _top({
        "metadata": lambda c, x, p: _meta(c, x, p, Pod),
        "spec": _pod_spec,
        "status": _pod_status,
    }))
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    if doc.get("spec") is None:
        ctx.required("spec.containers")
    spec = r.get("spec") or PodSpec(containers=())
    return Pod(metadata=r.get("metadata", ObjectMeta(namespace="default")), spec=spec,
               status=r.get("status", PodStatus()))


# ================================================================== nodes


def _cidr_error(value: str) -> Optional[str]:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return "must be a valid CIDR (e.g. 10.244.1.0/24)"
    if "/" not in value:
        return "must be a valid CIDR (e.g. 10.244.1.0/24)"
    return None


def _taint(ctx: _Ctx, v: Any, path: str) -> Any:
    """validation.go validateNodeTaints (one entry)."""
    r = _struct(ctx, v, path, {
        "key": _validated(validate_label_key),
        "value": _validated(validate_label_value),
        "effect": _enum(_TAINT_EFFECTS),
        "timeAdded": _time,
    })
    if r is None:
        return _BAD
    if r.ok("key") and not r.get("key"):
        ctx.required(_p(path, "key"))
    if r.ok("effect") and not r.get("effect"):
        ctx.required(_p(path, "effect"))
    return Taint(key=r.get("key", ""), effect=r.get("effect", ""), value=r.get("value", ""),
                 time_added=r.get("timeAdded"))


def _node_spec(ctx: _Ctx, v: Any, path: str) -> Any:
    """ValidateNode's spec part; Convert_v1_NodeSpec_To_core_NodeSpec keeps
    podCIDR and podCIDRs[0] in step."""
    r = _struct(ctx, v, path, {
        "podCIDR": _validated(lambda s: _cidr_error(s) if s else None),
        "podCIDRs": lambda c, x, p: _list(c, x, p, _validated(_cidr_error)),
        "unschedulable": _bool,
        "taints": lambda c, x, p: _list(c, x, p, _taint),
        "providerID": _str,
    }, drop=("externalID", "configSource", "doNotUseExternalID"))
    if r is None:
        return _BAD
    cidr, cidrs = r.get("podCIDR", ""), r.get("podCIDRs", ())
    if len(cidrs) > 2:
        ctx.invalid(_p(path, "podCIDRs"), "", "may specify no more than one CIDR for each IP family")
    elif len(cidrs) == 2 and not _cidr_error(cidrs[0]) and not _cidr_error(cidrs[1]):
        if (ipaddress.ip_network(cidrs[0], strict=False).version
                == ipaddress.ip_network(cidrs[1], strict=False).version):
            ctx.invalid(_p(path, "podCIDRs"), "", "may specify no more than one CIDR for each IP family")
    if cidr and cidrs and cidrs[0] != cidr:
        ctx.invalid(_p(path, "podCIDRs"), cidrs[0], "must equal podCIDR (the first CIDR)")
    if cidr and not cidrs:
        cidrs = (cidr,)
    elif cidrs and not cidr:
        cidr = cidrs[0]
    taints = r.get("taints", ())
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate(taints):
        if (t.key, t.effect) in seen:
            ctx.duplicate(_ix(_p(path, "taints"), i), f"{t.key}:{t.effect}")
        seen.add((t.key, t.effect))
    return NodeSpec(pod_cidr=cidr, pod_cidrs=cidrs, unschedulable=r.get("unschedulable", False),
                    taints=taints, provider_id=r.get("providerID", ""))


def _address(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {"type": _str, "address": _str})
    if r is None:
        return _BAD
    return NodeAddress(type=r.get("type", ""), address=r.get("address", ""))


def _node_status(ctx: _Ctx, v: Any, path: str) -> Any:
    """SetDefaults_NodeStatus: allocatable defaults to capacity; kstate also
    defaults capacity pods to "110" (the kubelet's maxPods)."""
    qmap = _quantity_map(_node_resource_name_error)
    r = _struct(ctx, v, path, {
        "capacity": qmap, "allocatable": qmap, "conditions": _conditions,
        "addresses": lambda c, x, p: _list(c, x, p, _address),
    }, drop=("nodeInfo", "daemonEndpoints", "images", "phase", "volumesInUse",
             "volumesAttached", "config", "runtimeHandlers", "features", "declaredFeatures"))
    if r is None:
        return _BAD
    return _node_status_defaults(NodeStatus(
        capacity=r.get("capacity", EMPTY), allocatable=r.get("allocatable", EMPTY),
        conditions=r.get("conditions", ()), addresses=r.get("addresses", ()),
    ), "allocatable" in r.typed)


def _node_status_defaults(status: NodeStatus, has_allocatable: bool) -> NodeStatus:
    capacity = status.capacity
    if "pods" not in capacity:
        capacity = FrozenDict({**capacity, "pods": "110"})
    allocatable = status.allocatable if has_allocatable else capacity
    if "pods" not in allocatable:
        allocatable = FrozenDict({**allocatable, "pods": capacity["pods"]})
    return attrs.evolve(status, capacity=capacity, allocatable=allocatable)


def _decode_node(ctx: _Ctx, doc: dict) -> Node:
    """ValidateNode (validation.go)."""
    r = _struct(ctx, doc, "", _top({
        "metadata": lambda c, x, p: _meta(c, x, p, Node),
        "spec": _node_spec,
        "status": _node_status,
    }))
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    status = r.get("status") or _node_status_defaults(NodeStatus(), False)
    return Node(metadata=r.get("metadata", ObjectMeta()), spec=r.get("spec", NodeSpec()),
                status=status)


# ============================================================= namespaces


def _decode_namespace(ctx: _Ctx, doc: dict) -> Namespace:
    """ValidateNamespace (validation.go): the name is a DNS-1123 label."""
    r = _struct(ctx, doc, "", _top({
        "metadata": lambda c, x, p: _meta(c, x, p, Namespace),
        "spec": lambda c, x, p: _struct(c, x, p, {"finalizers": _strs}),
        "status": lambda c, x, p: _struct(c, x, p, {
            "phase": _enum(("Active", "Terminating"), allow_empty=True),
        }, drop=("conditions",)),
    }))
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    status = r.get("status")
    phase = (status.get("phase") if status is not None else None) or "Active"
    return Namespace(metadata=r.get("metadata", ObjectMeta()), status=NamespaceStatus(phase=phase))


# ========================================================== pod templates


def parse_pod_template(value: Any, path: str = "spec.template",
                       source: str = "") -> tuple[ObjectMeta, PodSpec]:
    """A PodTemplateSpec (`{metadata, spec}`, as in a Deployment's
    `spec.template`) → (ObjectMeta, PodSpec), decoded, defaulted and validated
    like a Pod's (ValidatePodTemplateSpec): no name required, no namespace
    defaulted, kstate timing annotations checked. Errors carry paths under
    `path` (`spec.template.spec.containers[0].image`).
    """
    ctx = _Ctx()
    try:
        r = _struct(ctx, value, path, {
            "metadata": lambda c, x, p: _meta(c, x, p, Pod, template=True),
            "spec": _pod_spec,
        })
        if r is not None and value.get("spec") is None:
            ctx.required(_p(_p(path, "spec"), "containers"))
    except RecursionError:
        raise SpecError("object is nested too deeply", path, source) from None
    ctx.raise_first(source)
    assert r is not None
    return r.get("metadata", ObjectMeta()), r.get("spec")


def pod_template_to_manifest(metadata: ObjectMeta, spec: PodSpec) -> dict:
    """The inverse of parse_pod_template: `{"metadata": …, "spec": …}`
    (metadata without name/namespace when they are empty)."""
    meta = _meta_out(metadata, bool(metadata.namespace))
    if not meta.get("name"):
        meta.pop("name", None)
    return {"metadata": meta, "spec": _pod_spec_out(spec)}


# ================================================================ dispatch

_DECODERS: dict[tuple[str, str], Callable[[_Ctx, dict], Any]] = {
    ("v1", "Pod"): _decode_pod,
    ("v1", "Node"): _decode_node,
    ("v1", "Namespace"): _decode_namespace,
}
_KIND_VERSIONS = {kind: version for version, kind in _DECODERS}


def _check_kind(doc: dict, source: str) -> Callable[[_Ctx, dict], Any]:
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if kind is None or kind == "":
        raise SpecError("Required value: kind is required", "kind", source)
    if not isinstance(kind, str):
        raise SpecError(f"Invalid value: {_show(kind)}: must be a string", "kind", source)
    if api_version is None or api_version == "":
        raise SpecError("Required value: apiVersion is required", "apiVersion", source)
    if not isinstance(api_version, str):
        raise SpecError(f"Invalid value: {_show(api_version)}: must be a string", "apiVersion",
                        source)
    decoder = _DECODERS.get((api_version, kind))
    if decoder is not None:
        return decoder
    spec = REGISTRY.by_api(api_version, kind)
    if spec is not None and spec.decode is not None:
        return spec.decode
    if is_custom_group(api_version) and REGISTRY.get_kind(kind) is None:
        return decode_custom      # the cluster checks its CustomResourceDefinition
    path = "apiVersion" if kind in _KIND_VERSIONS or REGISTRY.get_kind(kind) is not None else "kind"
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
        raise SpecError(f"object is not a mapping (got {_json_type(doc)})", "", source)
    decoder = _check_kind(doc, source)
    ctx = _Ctx()
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


def _expand(doc: Any, source: str) -> list[Any]:
    """Objects of one document: a `v1 List` expands to its items."""
    if _is_resource(doc):
        return [doc]
    if not isinstance(doc, dict):
        raise SpecError(f"object is not a mapping (got {_json_type(doc)})", "", source)
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
        raise SpecError(f"Invalid value: {_show(items)}: must be a list", "items", source)
    out = []
    for i, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise SpecError(f"Invalid value: {_show(item)}: must be a mapping", "", source)
            out.append(parse_object(item, source))
        except SpecError as exc:
            raise exc.at(_ix("items", i)) from None
    return out


def parse_manifests(value: Any, source: str = "") -> tuple[Resource, ...]:
    """Resources from a resource object (returned as is), a dict, a list of
    those, or YAML text; `kind: List` documents expand to their items.

    All or nothing: the first bad document raises SpecError and nothing is
    returned. `source` names the input in errors ("<string>" for text without
    one); with several documents it becomes "web.yaml (document 2)", counting
    every document of the stream from 1 (empty ones included).
    """
    if isinstance(value, str):
        src = source or "<string>"
        docs = _load_indexed(value, src)
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
            raise SpecError(f"document {index} is not a mapping (got {_json_type(doc)})", "", dsrc)
        out.extend(_expand(doc, dsrc))
    return tuple(out)


def load_file(path: str | os.PathLike) -> tuple[Resource, ...]:
    """parse_manifests of a file's text, with the file name as source."""
    src = os.fspath(path)
    try:
        with open(src, "r", encoding="utf-8") as f:
            text = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read file: {exc.strerror or exc}", "", src) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"file is not UTF-8 text: {exc.reason} at byte {exc.start}", "", src) from None
    return parse_manifests(text, src)


# ============================================================ to_manifest


def _ordered(d: dict, order: Iterable[str]) -> dict:
    out = {k: d[k] for k in order if k in d}
    for k, v in d.items():
        if k not in out:
            out[k] = v
    return out


def _t(ms: Optional[int]) -> Optional[str]:
    return format_time(ms)


def _meta_out(meta: ObjectMeta, namespaced: bool) -> dict:
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
        d["creationTimestamp"] = _t(meta.creation_timestamp)
    if meta.deletion_timestamp is not None:
        d["deletionTimestamp"] = _t(meta.deletion_timestamp)
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


def _condition_out(c: Condition, pod: bool = False) -> dict:
    d: dict = {"type": c.type, "status": c.status}
    if pod or c.last_probe_time is not None:
        d["lastProbeTime"] = _t(c.last_probe_time)
    if c.last_heartbeat_time is not None:
        d["lastHeartbeatTime"] = _t(c.last_heartbeat_time)
    if c.last_transition_time is not None:
        d["lastTransitionTime"] = _t(c.last_transition_time)
    if c.last_update_time is not None:
        d["lastUpdateTime"] = _t(c.last_update_time)
    if c.reason:
        d["reason"] = c.reason
    if c.message:
        d["message"] = c.message
    return d


def _probe_out(p: Probe) -> dict:
    d: dict = {}
    handler = thaw(p.handler)
    tgps = handler.pop("terminationGracePeriodSeconds", None)
    d.update(handler)
    if p.initial_delay_seconds:
        d["initialDelaySeconds"] = p.initial_delay_seconds
    d["timeoutSeconds"] = p.timeout_seconds
    d["periodSeconds"] = p.period_seconds
    d["successThreshold"] = p.success_threshold
    d["failureThreshold"] = p.failure_threshold
    if tgps is not None:
        d["terminationGracePeriodSeconds"] = tgps
    return d


def _port_out(p: ContainerPort) -> dict:
    d: dict = {}
    if p.name:
        d["name"] = p.name
    if p.host_port:
        d["hostPort"] = p.host_port
    d["containerPort"] = p.container_port
    d["protocol"] = p.protocol
    return d


def _resources_out(r: ResourceRequirements) -> dict:
    d: dict = {}
    if r.limits:
        d["limits"] = dict(r.limits)
    if r.requests:
        d["requests"] = dict(r.requests)
    return d


_CONTAINER_ORDER = (
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
)


def _container_out(c: Container) -> dict:
    d: dict = thaw(c.extra)
    d["name"] = c.name
    d["image"] = c.image
    if c.command:
        d["command"] = list(c.command)
    if c.args:
        d["args"] = list(c.args)
    if c.ports:
        d["ports"] = [_port_out(p) for p in c.ports]
    d["resources"] = _resources_out(c.resources)
    if c.restart_policy:
        d["restartPolicy"] = c.restart_policy
    for key, probe in (("livenessProbe", c.liveness_probe), ("readinessProbe", c.readiness_probe),
                       ("startupProbe", c.startup_probe)):
        if probe is not None:
            d[key] = _probe_out(probe)
    return _ordered(d, _CONTAINER_ORDER)


def _toleration_out(t: Toleration) -> dict:
    d: dict = {}
    if t.key:
        d["key"] = t.key
    d["operator"] = t.operator
    if t.value:
        d["value"] = t.value
    if t.effect:
        d["effect"] = t.effect
    if t.toleration_seconds is not None:
        d["tolerationSeconds"] = t.toleration_seconds
    return d


def _requirement_out(r: NodeSelectorRequirement) -> dict:
    d: dict = {"key": r.key, "operator": r.operator}
    if r.values:
        d["values"] = list(r.values)
    return d


def _term_out(t: NodeSelectorTerm) -> dict:
    d: dict = {}
    if t.match_expressions:
        d["matchExpressions"] = [_requirement_out(r) for r in t.match_expressions]
    if t.match_fields:
        d["matchFields"] = [_requirement_out(r) for r in t.match_fields]
    return d


def _affinity_out(a: Affinity) -> dict:
    d: dict = thaw(a.extra)
    node = d.pop("nodeAffinity", {})
    if a.required_node_terms is not None:
        node = {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [_term_out(t) for t in a.required_node_terms]}, **node}
    if node:
        d["nodeAffinity"] = node
    return _ordered(d, ("nodeAffinity", "podAffinity", "podAntiAffinity"))


_POD_SPEC_ORDER = (
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
    "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
    "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
    "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
    "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
    "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
    "resourceClaims",
)


def _pod_spec_out(s: PodSpec) -> dict:
    d: dict = thaw(s.extra)
    if s.init_containers:
        d["initContainers"] = [_container_out(c) for c in s.init_containers]
    d["containers"] = [_container_out(c) for c in s.containers]
    d["restartPolicy"] = s.restart_policy
    d["terminationGracePeriodSeconds"] = s.termination_grace_period_seconds
    if s.node_selector:
        d["nodeSelector"] = dict(s.node_selector)
    if s.node_name:
        d["nodeName"] = s.node_name
    if s.hostname:
        d["hostname"] = s.hostname
    if s.subdomain:
        d["subdomain"] = s.subdomain
    if s.affinity is not None:
        d["affinity"] = _affinity_out(s.affinity)
    d["schedulerName"] = s.scheduler_name
    if s.tolerations:
        d["tolerations"] = [_toleration_out(t) for t in s.tolerations]
    if s.priority is not None:
        d["priority"] = s.priority
    if s.readiness_gates:
        d["readinessGates"] = [{"conditionType": g} for g in s.readiness_gates]
    return _ordered(d, _POD_SPEC_ORDER)


def _state_out(s: ContainerState) -> dict:
    if s.kind == "running":
        body: dict = {}
        if s.started_at is not None:
            body["startedAt"] = _t(s.started_at)
        return {"running": body}
    if s.kind == "waiting":
        body = {}
        if s.reason:
            body["reason"] = s.reason
        if s.message:
            body["message"] = s.message
        return {"waiting": body}
    if s.kind == "terminated":
        body = {"exitCode": s.exit_code if s.exit_code is not None else 0}
        if s.reason:
            body["reason"] = s.reason
        if s.message:
            body["message"] = s.message
        if s.started_at is not None:
            body["startedAt"] = _t(s.started_at)
        if s.finished_at is not None:
            body["finishedAt"] = _t(s.finished_at)
        return {"terminated": body}
    return {}


def _container_status_out(s: ContainerStatus) -> dict:
    d: dict = {
        "name": s.name,
        "state": _state_out(s.state),
        "lastState": _state_out(s.last_state),
        "ready": s.ready,
        "restartCount": s.restart_count,
        "image": s.image,
    }
    if s.container_id:
        d["containerID"] = s.container_id
    if s.started is not None:
        d["started"] = s.started
    return d


_QOS_RESOURCES = ("cpu", "memory")


def qos_class(spec: PodSpec) -> str:
    """pkg/apis/core/helper/qos/qos.go GetPodQOS (ComputePodQOS).

    Only cpu and memory count. BestEffort: no container has a positive request
    or limit; Guaranteed: every container has cpu and memory limits and the
    summed requests equal the summed limits; else Burstable. Example: one
    container with limits cpu 1, memory 1Gi (requests defaulted to them) →
    Guaranteed; add a container with no resources → Burstable.
    """
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for c in spec.containers + spec.init_containers:
        for name, text in c.resources.requests.items():
            if name in _QOS_RESOURCES:
                q = _safe_quantity(text)
                if q > 0:
                    requests[name] = requests.get(name, 0) + q
        found = set()
        for name, text in c.resources.limits.items():
            if name in _QOS_RESOURCES:
                q = _safe_quantity(text)
                if q > 0:
                    found.add(name)
                    limits[name] = limits.get(name, 0) + q
        if not found.issuperset(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, q in requests.items():
            if limits.get(name) != q:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _safe_quantity(text: Any) -> Any:
    try:
        return parse_quantity(text)
    except (SpecError, ValueError, OverflowError, ArithmeticError):
        return 0


def _pod_status_out(s: PodStatus, spec: PodSpec) -> dict:
    d: dict = {"phase": s.phase}
    if s.conditions:
        d["conditions"] = [_condition_out(c, pod=True) for c in s.conditions]
    if s.message:
        d["message"] = s.message
    if s.reason:
        d["reason"] = s.reason
    if s.nominated_node_name:
        d["nominatedNodeName"] = s.nominated_node_name
    if s.host_ip:
        d["hostIP"] = s.host_ip
        d["hostIPs"] = [{"ip": s.host_ip}]
    if s.pod_ip:
        d["podIP"] = s.pod_ip
        d["podIPs"] = [{"ip": s.pod_ip}]
    if s.start_time is not None:
        d["startTime"] = _t(s.start_time)
    if s.init_container_statuses:
        d["initContainerStatuses"] = [_container_status_out(c) for c in s.init_container_statuses]
    if s.container_statuses:
        d["containerStatuses"] = [_container_status_out(c) for c in s.container_statuses]
    d["qosClass"] = qos_class(spec)
    return d


def _pod_out(p: Pod) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": _meta_out(p.metadata, True),
        "spec": _pod_spec_out(p.spec),
        "status": _pod_status_out(p.status, p.spec),
    }


def _taint_out(t: Taint) -> dict:
    d: dict = {"key": t.key}
    if t.value:
        d["value"] = t.value
    d["effect"] = t.effect
    if t.time_added is not None:
        d["timeAdded"] = _t(t.time_added)
    return d


def _node_out(n: Node) -> dict:
    spec: dict = {}
    s = n.spec
    if s.pod_cidr or s.pod_cidrs:
        spec["podCIDR"] = s.pod_cidr or s.pod_cidrs[0]
        spec["podCIDRs"] = list(s.pod_cidrs) or [s.pod_cidr]
    if s.provider_id:
        spec["providerID"] = s.provider_id
    if s.unschedulable:
        spec["unschedulable"] = True
    if s.taints:
        spec["taints"] = [_taint_out(t) for t in s.taints]
    st = n.status
    status: dict = {}
    if st.capacity:
        status["capacity"] = dict(st.capacity)
    if st.allocatable:
        status["allocatable"] = dict(st.allocatable)
    if st.conditions:
        status["conditions"] = [_condition_out(c) for c in st.conditions]
    if st.addresses:
        status["addresses"] = [{"type": a.type, "address": a.address} for a in st.addresses]
    return {"apiVersion": "v1", "kind": "Node", "metadata": _meta_out(n.metadata, False),
            "spec": spec, "status": status}


def _namespace_out(ns: Namespace) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta_out(ns.metadata, False),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": ns.status.phase}}


def _event_out(e: Event) -> dict:
    ref: ObjectReference = e.involved_object
    inv: dict = {"kind": ref.kind}
    if ref.namespace:
        inv["namespace"] = ref.namespace
    inv["name"] = ref.name
    if ref.uid:
        inv["uid"] = ref.uid
    if ref.api_version:
        inv["apiVersion"] = ref.api_version
    d: dict = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": _meta_out(e.metadata, True),
        "involvedObject": inv,
        "reason": e.reason,
        "message": e.message,
        "source": {"component": e.source} if e.source else {},
        "firstTimestamp": _t(e.first_timestamp),
        "lastTimestamp": _t(e.last_timestamp),
        "count": e.count,
        "type": e.type,
    }
    return d


_TIME_SUFFIXES = ("_time", "_timestamp", "_at")


def _generic_out(value: Any) -> Any:
    """Fallback for kinds and parts without a dedicated emitter: attrs fields
    → camelCase (names.to_camel), `extra` merged in, None / "" / empty
    collections omitted, `*_time`, `*_timestamp`, `*_at` ints as RFC 3339."""
    emitter = _PART_EMITTERS.get(type(value))
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
                d["metadata"] = _meta_out(v, bool(getattr(cls, "NAMESPACED", v.namespace)))
                continue
            if v is None or (isinstance(v, (str, tuple, list, dict)) and not v):
                continue
            if isinstance(v, int) and not isinstance(v, bool) and f.name.endswith(_TIME_SUFFIXES):
                d[to_camel(f.name)] = _t(v)
                continue
            d[to_camel(f.name)] = _generic_out(v)
        return d
    if isinstance(value, dict):
        return {str(k): _generic_out(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [_generic_out(v) for v in items]
    return value


_PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    ObjectMeta: lambda m: _meta_out(m, bool(m.namespace)),
    PodSpec: _pod_spec_out,
    Container: _container_out,
    Probe: _probe_out,
    ContainerPort: _port_out,
    ResourceRequirements: _resources_out,
    Toleration: _toleration_out,
    Affinity: _affinity_out,
    NodeSelectorTerm: _term_out,
    NodeSelectorRequirement: _requirement_out,
    Condition: _condition_out,
    ContainerStatus: _container_status_out,
    ContainerState: _state_out,
    Taint: _taint_out,
    FrozenDict: thaw,
}

_EMITTERS: dict[type, Callable[[Any], dict]] = {
    Pod: _pod_out,
    Node: _node_out,
    Namespace: _namespace_out,
    Event: _event_out,
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
    emitter = _EMITTERS.get(type(obj))
    if emitter is not None:
        return emitter(obj)
    spec = REGISTRY.get_kind(getattr(obj, "KIND", None))
    if spec is not None and spec.encode is not None:
        return spec.encode(obj)
    if attrs.has(type(obj)):
        return _generic_out(obj)
    raise TypeError(f"to_manifest: not a kstate resource: {type(obj).__name__}")


# ===================================================== workload kinds (hook)
# Registered last: kstate.io.workloads imports the helpers above.
from kstate.io import workloads as _workloads  # noqa: E402

_DECODERS.update(_workloads.DECODERS)
_KIND_VERSIONS.update({kind: version for version, kind in _workloads.DECODERS})
_EMITTERS.update(_workloads.EMITTERS)

from kstate.io.stored import decode_custom, is_custom_group  # noqa: E402
_PART_EMITTERS.update(_workloads.PART_EMITTERS)
