"""YAML text → JSON-like documents, as the API server's YAML layer
(sigs.k8s.io/yaml over go-yaml v2) reads it.

Owns: `load_documents`, `load_indexed`, `MAX_INPUT_BYTES`, `MAX_ALIAS_NODES`.
PyYAML's SafeLoader only, with the alias budget go-yaml enforces
(billion-laughs documents are refused), timestamps kept as strings as go-yaml
v2 does, duplicate keys refused as the API server's strict field validation
does. Every problem is a `SpecError` (see kstate.io.fields for the
conventions). Imports the stdlib, yaml, `kstate.errors` and `kstate.io.fields`;
never a kind module, the engine or the controllers. Knows nothing of kinds:
documents come out as plain dicts and lists.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Iterable, Optional

import yaml

from kstate.errors import SpecError
from kstate.io.fields import json_type

__all__ = ["MAX_ALIAS_NODES", "MAX_INPUT_BYTES", "load_documents", "load_indexed", "read_text_file"]

#: Largest YAML text accepted (characters).
MAX_INPUT_BYTES = 16 * 1024 * 1024
#: Most nodes a stream may materialise through aliases (go-yaml refuses
#: "excessive aliasing" the same way).
MAX_ALIAS_NODES = 1_000_000


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


def _no_sexagesimal(construct):
    """go-yaml v2 (resolve.go) reads plain ints and floats with strconv, which
    knows no YAML 1.1 base-60 numbers: `1:30` is the string "1:30" for
    kubectl, not 90 as PyYAML's 1.1 resolver makes it."""
    def h(loader, node):
        if isinstance(node.value, str) and ":" in node.value:
            return node.value
        return construct(loader, node)
    return h


_Loader.add_constructor("tag:yaml.org,2002:int", _no_sexagesimal(yaml.SafeLoader.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _no_sexagesimal(yaml.SafeLoader.construct_yaml_float))


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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(s: str) -> str:
    """A YAML string as go-yaml reads it: a `\\uD800`-style escape of a lone
    surrogate is not a character (yaml_parser_scan_flow_scalar: "found
    invalid Unicode character escape code"), and could not be written out."""
    if not s.isascii() and _SURROGATE.search(s):
        raise SpecError("found invalid Unicode character escape code (a lone UTF-16 surrogate)", "")
    return s


def _json_key(k: Any) -> str:
    """Mapping keys as sigs.k8s.io/yaml turns them into JSON object keys."""
    if isinstance(k, str):
        return _text(k)
    if k is None:
        # sigs.k8s.io/yaml convertToJSONableObject: a nil key is an error.
        raise SpecError("unsupported map key of type: <nil>, key: <nil> (a null mapping key)", "")
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
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (bool, int, float)) or value is None:
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


def read_text_file(path: str) -> str:
    """The UTF-8 text of a regular file of at most MAX_INPUT_BYTES, or a
    SpecError (source = the path): a device (/dev/zero), FIFO or directory is
    refused before it is read, so reading never hangs or fills memory."""
    import os
    try:
        if not os.path.isfile(path):
            raise SpecError("cannot read file: " + ("not a regular file" if os.path.exists(path)
                                                     else "No such file or directory"), "", path)
        with open(path, encoding="utf-8") as f:
            text = f.read(MAX_INPUT_BYTES + 1)
    except SpecError:
        raise
    except OSError as exc:
        raise SpecError(f"cannot read file: {exc.strerror or exc}", "", path) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"file is not UTF-8 text: {exc.reason} at byte {exc.start}", "", path) from None
    except ValueError as exc:   # an embedded NUL in the path
        raise SpecError(f"cannot read file: {exc}", "", path) from None
    if len(text) > MAX_INPUT_BYTES:
        raise SpecError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB", "", path)
    return text


def load_indexed(text: str, source: str) -> list[tuple[int, Any]]:
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
    for index, doc in load_indexed(text, source):
        if not isinstance(doc, dict):
            raise SpecError(f"document {index} is not a mapping (got {json_type(doc)})", "",
                            source)
        docs.append(doc)
    return docs
