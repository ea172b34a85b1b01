"""Label selectors: the `LabelSelector` value, matching labels against it, the
kubectl `-l` string syntax, and label key / value validation.

Owns: `Requirement`, `LabelSelector`, `matches`, `parse_selector`,
`selector_to_string`, `selector_to_dict`, `selector_from_labels`,
`validate_label_key`, `validate_label_value`. Must not import anything of
kstate except `kstate.errors` and `kstate.resources.frozen` (a leaf module:
stdlib and attrs only besides those).

Mirrors:
  * k8s.io/apimachinery/pkg/labels/selector.go — Requirement.Matches, the
    Lexer / Parser behind labels.Parse (same tokens, same error texts), and
    Requirement.String for rendering;
  * k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go — LabelSelectorAsSelector
    (nil selector matches nothing, empty selector matches everything,
    matchLabels and matchExpressions ANDed, the operator check);
  * k8s.io/apimachinery/pkg/util/validation/validation.go — IsQualifiedName
    and IsValidLabelValue, with their messages as released.

Not supported: the `>` / `<` (Gt / Lt) operators of labels.Parse, which a
metav1.LabelSelector cannot carry either; parse_selector rejects them.
"""
from __future__ import annotations

import re
from typing import Mapping

import attrs

from kstate.errors import SpecError
from kstate.resources.frozen import EMPTY, FrozenDict, freeze

__all__ = [
    "IN",
    "NOT_IN",
    "EXISTS",
    "DOES_NOT_EXIST",
    "OPERATORS",
    "Requirement",
    "LabelSelector",
    "matches",
    "parse_selector",
    "selector_to_string",
    "selector_to_dict",
    "selector_from_labels",
    "validate_label_key",
    "validate_label_value",
]

IN = "In"
NOT_IN = "NotIn"
EXISTS = "Exists"
DOES_NOT_EXIST = "DoesNotExist"
OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST)
# labels.Parse spellings that a metav1 LabelSelector stores as In / NotIn.
_ALIASES = {"=": IN, "==": IN, "!=": NOT_IN, "in": IN, "notin": NOT_IN}


# --------------------------------------------------------------- validation

def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.go RegexError, byte for byte (including its double spaces)."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    out = msg + " (e.g. "
    for i, ex in enumerate(examples):
        if i:
            out += " or "
        out += f"'{ex}', "
    return out + f"regex used for validation is '{fmt}')"


_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_QUALIFIED_NAME_RE = re.compile(_QUALIFIED_NAME_FMT)
_QUALIFIED_NAME_MAX = 63

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1123_SUBDOMAIN_MAX = 253

_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_LABEL_VALUE_MAX = 63


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def _label_key_errors(key: str) -> list[str]:
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > _DNS1123_SUBDOMAIN_MAX:
                errs.append("prefix part " + _max_len_error(_DNS1123_SUBDOMAIN_MAX))
            if not _DNS1123_SUBDOMAIN_RE.fullmatch(prefix):
                errs.append("prefix part " + _regex_error(
                    _DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    else:
        return ["a qualified name " + _regex_error(
            _QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > _QUALIFIED_NAME_MAX:
        errs.append("name part " + _max_len_error(_QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append("name part " + _regex_error(
            _QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def validate_label_key(key: str) -> str | None:
    """None if `key` is a valid label key ([DNS-1123 subdomain "/"] name), else
    Kubernetes' messages (IsQualifiedName) joined with "; "."""
    if type(key) is not str:
        return "must be a string"
    errs = _label_key_errors(key)
    return "; ".join(errs) if errs else None


def validate_label_value(value: str) -> str | None:
    """None if `value` is a valid label value (empty, or ≤63 characters of the
    qualified-name alphabet), else Kubernetes' messages joined with "; "."""
    if type(value) is not str:
        return "must be a string"
    errs = []
    if len(value) > _LABEL_VALUE_MAX:
        errs.append(_max_len_error(_LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return "; ".join(errs) if errs else None


# ------------------------------------------------------------------- values

def _normalize_operator(op: str) -> str:
    return _ALIASES.get(op, op)


def _check_requirement(instance: "Requirement", _attr: object, _value: object) -> None:
    op = instance.operator
    if op in (IN, NOT_IN):
        if not instance.values:
            raise SpecError("for 'in', 'notin' operators, values set can't be empty", "values")
    elif op in (EXISTS, DOES_NOT_EXIST):
        if instance.values:
            raise SpecError("values set must be empty for exists and does not exist", "values")
    else:
        raise SpecError(f'"{op}" is not a valid label selector operator', "operator")


@attrs.frozen(slots=True)
class Requirement:
    """One matchExpressions entry: `key` `operator` `values`.

    `operator` is In, NotIn, Exists or DoesNotExist; the selector-string
    spellings "=", "==", "in" (→ In) and "!=", "notin" (→ NotIn) are accepted
    and normalized. In / NotIn need at least one value, Exists / DoesNotExist
    none (NewRequirement's rules); a breach raises SpecError whose path is
    "operator" or "values", relative to the expression.
    """

    key: str
    operator: str = attrs.field(converter=_normalize_operator)
    values: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_check_requirement)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches for the four LabelSelector operators."""
        op = self.operator
        if op == IN:
            v = labels.get(self.key)
            return v is not None and v in self.values
        if op == NOT_IN:
            v = labels.get(self.key)
            return v is None or v not in self.values
        if op == EXISTS:
            return self.key in labels
        return self.key not in labels


@attrs.frozen(slots=True)
class LabelSelector:
    """metav1.LabelSelector: `match_labels` and `match_expressions`, ANDed.

    An empty selector matches every label set; "no selector" is `None` at the
    use site and matches nothing (see `matches`).
    """

    match_labels: FrozenDict = attrs.field(default=EMPTY, converter=freeze)
    match_expressions: tuple[Requirement, ...] = attrs.field(default=(), converter=tuple)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether `labels` satisfies every matchLabels pair and expression."""
        # dict_items <= dict_items is a C-level subset test (length check, then
        # one lookup and compare per pair); it also works for any Mapping.
        if self.match_labels and not self.match_labels.items() <= labels.items():
            return False
        for r in self.match_expressions:
            if not r.matches(labels):
                return False
        return True

    def is_empty(self) -> bool:
        """True when the selector does not restrict anything (matches all)."""
        return not self.match_labels and not self.match_expressions


def matches(selector: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """LabelSelectorAsSelector(selector).Matches(labels): None matches nothing,
    an empty selector everything."""
    if selector is None:
        return False
    # Inlined LabelSelector.matches: this runs for every pod in hot loops.
    ml = selector.match_labels
    if ml and not ml.items() <= labels.items():
        return False
    for r in selector.match_expressions:
        if not r.matches(labels):
            return False
    return True


def selector_from_labels(mapping: Mapping[str, str] | None) -> LabelSelector:
    """labels.SelectorFromSet: a selector requiring exactly these pairs
    (None or empty → the empty selector, which matches everything)."""
    return LabelSelector(match_labels=freeze(mapping))


# ------------------------------------------------------------------ parsing

# Tokens (selector.go Token).
_ERROR, _EOS, _CPAR, _COMMA, _NOT, _DEQ, _EQ, _GT, _IDENT, _IN, _LT, _NEQ, _NOTIN, _OPAR = range(14)
_STRING_TO_TOKEN = {
    ")": _CPAR, ",": _COMMA, "!": _NOT, "==": _DEQ, "=": _EQ, ">": _GT,
    "in": _IN, "<": _LT, "!=": _NEQ, "notin": _NOTIN, "(": _OPAR,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_BINARY_OPERATORS = "in, notin, =, ==, !="


def _lex(s: str) -> list[tuple[int, str]]:
    """The whole token stream of `s`, ending with an end-of-string token."""
    items: list[tuple[int, str]] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _WHITESPACE:
            i += 1
        if i >= n:
            items.append((_EOS, ""))
            return items
        ch = s[i]
        if ch in _SPECIAL:
            # Longest run of special characters that is still a token.
            buf, last, j = "", None, i
            while j < n and s[j] in _SPECIAL:
                buf += s[j]
                tok = _STRING_TO_TOKEN.get(buf)
                if tok is not None:
                    last = (tok, buf)
                elif last is not None:
                    break
                j += 1
            if last is None:
                items.append((_ERROR, f"error expected: keyword found '{buf}'"))
                i = j
            else:
                items.append(last)
                i += len(last[1])
        else:
            j = i
            while j < n and s[j] not in _SPECIAL and s[j] not in _WHITESPACE:
                j += 1
            word = s[i:j]
            items.append((_STRING_TO_TOKEN.get(word, _IDENT), word))
            i = j


class _Parser:
    """selector.go Parser: recursive descent over the scanned tokens."""

    __slots__ = ("items", "pos")

    def __init__(self, text: str):
        self.items = _lex(text)
        self.pos = 0

    def lookahead(self, values: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_IN, _NOTIN):
            tok = _IDENT
        return tok, lit

    def consume(self, values: bool) -> tuple[int, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[tuple[str, str, tuple[str, ...]]]:
        reqs: list[tuple[str, str, tuple[str, ...]]] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_IDENT, _NOT):
                try:
                    reqs.append(self.requirement())
                except _ParseError as e:
                    raise _ParseError(f"unable to parse requirement: {e}") from None
                t, l = self.consume(True)
                if t == _EOS:
                    return reqs
                if t == _COMMA:
                    t2, l2 = self.lookahead(True)
                    if t2 not in (_IDENT, _NOT):
                        raise _ParseError(f"found '{l2}', expected: identifier after ','")
                else:
                    raise _ParseError(f"found '{l}', expected: ',' or 'end of string'")
            elif tok == _EOS:
                return reqs
            else:
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> tuple[str, str, tuple[str, ...]]:
        # parseKeyAndInferOperator
        op = None
        tok, lit = self.consume(True)
        if tok == _NOT:
            op = "!"
            tok, lit = self.consume(True)
        if tok != _IDENT:
            raise _ParseError(f"found '{lit}', expected: identifier")
        key = lit
        err = validate_label_key(key)
        if err:
            raise _ParseError(f'Invalid value: "{key}": {err}')
        t, _ = self.lookahead(True)
        if t in (_EOS, _COMMA):
            return (key, DOES_NOT_EXIST if op == "!" else EXISTS, ())
        if op == "!":
            return (key, DOES_NOT_EXIST, ())
        # parseOperator
        tok, lit = self.consume(False)
        if tok == _IN:
            op, values = "in", self.set_values()
        elif tok == _NOTIN:
            op, values = "notin", self.set_values()
        elif tok in (_EQ, _DEQ, _NEQ):
            op, values = lit, self.exact_value()
        elif tok in (_GT, _LT):
            raise _ParseError(
                f"found '{lit}', expected: {_BINARY_OPERATORS} "
                "(a LabelSelector has no Gt / Lt operators)")
        else:
            raise _ParseError(f"found '{lit}', expected: {_BINARY_OPERATORS}")
        for i, v in enumerate(values):
            verr = validate_label_value(v)
            if verr:
                raise _ParseError(f'values[{i}][{key}]: Invalid value: "{v}": {verr}')
        return (key, op, values)

    def set_values(self) -> tuple[str, ...]:
        tok, lit = self.consume(True)
        if tok != _OPAR:
            raise _ParseError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_IDENT, _COMMA):
            s = self.identifiers()
            if self.consume(True)[0] != _CPAR:
                raise _ParseError(f"found '{lit}', expected: ')'")
            return tuple(sorted(s))
        if tok == _CPAR:
            self.consume(True)
            return ("",)
        raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        s: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _IDENT:
                s.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 == _COMMA:
                    continue
                if tok2 == _CPAR:
                    return s
                raise _ParseError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _COMMA:
                if not s:
                    s.add("")
                tok2, _ = self.lookahead(True)
                if tok2 == _CPAR:
                    s.add("")
                    return s
                if tok2 == _COMMA:
                    s.add("")
                continue
            raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> tuple[str, ...]:
        tok, _ = self.lookahead(True)
        if tok in (_EOS, _COMMA):
            return ("",)
        tok, lit = self.consume(True)
        if tok == _IDENT:
            return (lit,)
        raise _ParseError(f"found '{lit}', expected: identifier")


class _ParseError(Exception):
    pass


def parse_selector(text: str) -> LabelSelector:
    """labels.Parse: the kubectl `-l` syntax as a LabelSelector.

    `a=b,c==d,e!=f,g in (h,i),j notin (k),l,!m`; whitespace between tokens is
    ignored; "" is the empty selector (matches everything). `k=v` / `k==v` land
    in match_labels when `k` occurs in no other requirement; everything else
    (including repeated keys) becomes a match expression. Errors raise
    SpecError with labels.Parse's message and an empty path.
    """
    if type(text) is not str:
        raise SpecError(f"a label selector must be a string, not {type(text).__name__}", "")
    try:
        reqs = _Parser(text).parse()
    except _ParseError as e:
        raise SpecError(str(e), "") from None
    counts: dict[str, int] = {}
    for key, _op, _vals in reqs:
        counts[key] = counts.get(key, 0) + 1
    labels: dict[str, str] = {}
    exprs: list[Requirement] = []
    # Stable sort by key, as parse() sorts ByKey for a deterministic result.
    for key, op, vals in sorted(reqs, key=lambda r: r[0]):
        if op in ("=", "==") and counts[key] == 1:
            labels[key] = vals[0]
        else:
            exprs.append(Requirement(key, op, vals))
    return LabelSelector(match_labels=freeze(labels), match_expressions=tuple(exprs))


# ---------------------------------------------------------------- rendering

def _requirement_string(r: Requirement) -> str:
    op = r.operator
    if op == EXISTS:
        return r.key
    if op == DOES_NOT_EXIST:
        return "!" + r.key
    word = " in " if op == IN else " notin "
    return f"{r.key}{word}({','.join(sorted(set(r.values)))})"


def selector_to_string(sel: LabelSelector | None) -> str:
    """The selector in kubectl syntax, requirements sorted by key, values sorted:
    `app=web,tier in (a,b)`. The empty selector renders as "" (which parses
    back to it); None, which no string can express, as "<none>"."""
    if sel is None:
        return "<none>"
    parts: list[tuple[str, int, str]] = [(k, 0, f"{k}={v}") for k, v in sel.match_labels.items()]
    parts.extend((r.key, 1, _requirement_string(r)) for r in sel.match_expressions)
    parts.sort(key=lambda p: (p[0], p[1]))
    return ",".join(p[2] for p in parts)


def selector_to_dict(sel: LabelSelector | None) -> dict | None:
    """The Kubernetes JSON shape: {"matchLabels": {...}, "matchExpressions":
    [{"key", "operator", "values"}]}, empty parts (and empty values) omitted.
    None → None."""
    if sel is None:
        return None
    out: dict = {}
    if sel.match_labels:
        out["matchLabels"] = {k: sel.match_labels[k] for k in sorted(sel.match_labels)}
    if sel.match_expressions:
        exprs = []
        for r in sel.match_expressions:
            d: dict = {"key": r.key, "operator": r.operator}
            if r.values:
                d["values"] = list(r.values)
            exprs.append(d)
        out["matchExpressions"] = exprs
    return out
