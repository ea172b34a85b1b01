"""FrozenDict: the immutable, hashable mapping used for labels, annotations and
resource lists on frozen resources. Imports nothing of kstate.

Its repr is `FrozenDict({...})`, so a hypothesis counterexample prints as code
that runs again.
"""
from __future__ import annotations

from types import MemberDescriptorType
from typing import Any, Iterable, Mapping


class FrozenDict(dict):
    """A dict that refuses mutation and hashes by content (keys sorted)."""

    __slots__ = ("_hash",)

    def __init__(self, *args: Any, **kwargs: Any):
        dict.__init__(self, *args, **kwargs)
        self._hash = None

    def _immutable(self, *_a: Any, **_k: Any):
        raise TypeError("FrozenDict is immutable; build a new one with .set() or FrozenDict({**d, ...})")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _immutable  # type: ignore[assignment]
    __ior__ = _immutable  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        h = self._hash
        if h is None:
            h = hash(tuple(sorted(self.items())))
            self._hash = h
        return h

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> "FrozenDict":
        return self

    def __deepcopy__(self, memo) -> "FrozenDict":
        return self

    def set(self, key: Any, value: Any) -> "FrozenDict":
        """A copy with `key` set to `value`."""
        d = dict(self)
        d[key] = value
        return FrozenDict(d)

    def without(self, *keys: Any) -> "FrozenDict":
        """A copy without `keys` (absent keys ignored)."""
        return FrozenDict({k: v for k, v in self.items() if k not in keys})


EMPTY = FrozenDict()

#: attrs field metadata for an optional field added after ReplicaSet names
#: were fixed: the pod-template hash (kstate.controllers.deployment_util.
#: compute_hash) leaves such a field out while it holds its default, so adding
#: the field does not change the hash, and so the name, of every existing
#: template's ReplicaSet.
HASH_OMIT_DEFAULT_KEY = "kstate.hash_omit_default"
HASH_OMIT_DEFAULT = {HASH_OMIT_DEFAULT_KEY: True}


def freeze(m: Mapping | Iterable | None) -> FrozenDict:
    """A FrozenDict of `m` (None → the shared empty one)."""
    if not m:
        return EMPTY
    if isinstance(m, FrozenDict):
        return m
    return FrozenDict(m)


def deep_freeze(value: Any) -> Any:
    """JSON-like data made immutable: dicts → FrozenDict, lists → tuples.

    Used for the parts of a manifest kstate carries but does not model
    (env, volumes, securityContext …) so that they round-trip unchanged.
    """
    if isinstance(value, dict):
        return FrozenDict({k: deep_freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(deep_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of `deep_freeze`: plain dicts and lists again."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


_REPLACERS: dict = {}
_MISSING = object()


def _slot_setter(cls: type, name: str):
    """The `__set__` of the slot that holds field `name` of a slotted class
    (None for a class with a `__dict__`): writing through it skips
    object.__setattr__'s attribute lookup, about half the cost of a copy."""
    for klass in cls.__mro__:
        d = klass.__dict__.get(name)
        if d is not None:
            return d.__set__ if isinstance(d, MemberDescriptorType) else None
    return None


def _make_replacer(cls: type):
    """A function `(inst, **changes) -> copy` generated once per class: a new
    instance filled field by field (what attrs' frozen __init__ does, minus
    its argument handling), which is what `attrs.evolve` costs most of.
    Classes with converters, validators or a post-init hook keep the plain
    path through their __init__, so their rules still run."""
    import attrs
    fields = [a for a in attrs.fields(cls) if a.init]
    plain = (all(a.converter is None and a.validator is None and a.alias == a.name for a in fields)
             and not hasattr(cls, "__attrs_post_init__"))
    names = tuple(a.alias for a in fields)
    if not plain:
        def replace(inst, **changes):
            for n in names:
                if n not in changes:
                    changes[n] = getattr(inst, n)
            return cls(**changes)
        return replace
    args = ", ".join(f"{n}=_M" for n in names)
    ns = {"_M": _MISSING, "_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    lines = []
    for i, n in enumerate(names):
        slot = _slot_setter(cls, n)
        if slot is None:
            lines.append(f"    _set(new, {n!r}, inst.{n} if {n} is _M else {n})")
        else:
            ns[f"_s{i}"] = slot
            lines.append(f"    _s{i}(new, inst.{n} if {n} is _M else {n})")
    body = "\n".join(lines)
    src = f"def replace(inst, {args}):\n    new = _new(_cls)\n{body}\n    return new\n"
    exec(src, ns)  # noqa: S102  (generated from the class's own field names)
    return ns["replace"]


def evolve(inst: Any, **changes: Any) -> Any:
    """`attrs.evolve`, faster: a replacer generated once per class (see
    `_make_replacer`) instead of attrs' per-call field walk and __init__;
    evolve is the engine's hottest call. Same result for kstate's classes."""
    cls = inst.__class__
    replace = _REPLACERS.get(cls)
    if replace is None:
        replace = _REPLACERS[cls] = _make_replacer(cls)
    return replace(inst, **changes)


def field_replacer(cls: type, *names: str):
    """A function `(inst, *values) -> copy` with fields `names` set to
    `values`, in that order: `evolve(inst, **dict(zip(names, values)))`,
    generated once, without the keyword handling (the engine stamps every
    write's resourceVersion so, and a created object's server fields).
    Classes `evolve` builds through their __init__ keep that path."""
    import attrs
    fields = [a for a in attrs.fields(cls) if a.init]
    known = {a.alias for a in fields}
    for name in names:
        if name not in known:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
    if len(set(names)) != len(names):
        raise TypeError(f"a field is named twice: {names}")
    if not all(a.converter is None and a.validator is None and a.alias == a.name for a in fields) or hasattr(
            cls, "__attrs_post_init__"):
        return lambda inst, *values: evolve(inst, **dict(zip(names, values)))
    ns = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    lines = []
    for i, a in enumerate(fields):
        value = f"v{names.index(a.name)}" if a.name in names else f"inst.{a.name}"
        slot = _slot_setter(cls, a.name)
        if slot is None:
            lines.append(f"    _set(new, {a.name!r}, {value})")
        else:
            ns[f"_s{i}"] = slot
            lines.append(f"    _s{i}(new, {value})")
    args = "".join(f", v{j}" for j in range(len(names)))
    body = "\n".join(lines)
    exec(f"def replace(inst{args}):\n    new = _new(_cls)\n{body}\n    return new\n", ns)  # noqa: S102
    return ns["replace"]
