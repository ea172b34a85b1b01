"""FrozenDict: the immutable, hashable mapping used for labels, annotations and
resource lists on frozen resources. Imports nothing of kstate.

Its repr is `FrozenDict({...})`, so a hypothesis counterexample prints as code
that runs again.
"""
from __future__ import annotations

from types import MemberDescriptorType
from typing import Any, Iterable, Mapping, Optional


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
    object.__setattr__'s attribute lookup."""
    for klass in cls.__mro__:
        d = klass.__dict__.get(name)
        if d is not None:
            return d.__set__ if isinstance(d, MemberDescriptorType) else None
    return None


def _writable_twin(cls: type, names: tuple) -> Optional[type]:
    """A subclass of the slotted frozen class `cls` that adds no slot and
    lets its fields be assigned, or None where that cannot be made (a
    metaclass, an __init_subclass__ hook, a field not in a slot, a layout
    __class__ assignment refuses).

    A copy is filled as an instance of it — plain attribute stores, which
    the interpreter specialises for slots — and then becomes an instance of
    `cls` by `__class__` assignment (same layout, so allowed). attrs' frozen
    __setattr__ costs a Python call per field; a slot descriptor's __set__
    ~700 machine instructions (a C call with an argument tuple). Both
    __setattr__ and __delattr__ are object's, so the type's setattr slot is
    the generic one; so is its __init__ (and __new__, the class having no
    other), so that calling the twin makes an empty instance — ~25 ns
    sooner than `object.__new__(twin)`, a builtin called with an argument."""
    if type(cls) is not type or "__slots__" not in cls.__dict__ or any(
            "__init_subclass__" in k.__dict__ for k in cls.__mro__[:-1]) or cls.__new__ is not object.__new__:
        return None
    if any(_slot_setter(cls, n) is None for n in names):
        return None
    twin = type(cls.__name__, (cls,), {"__slots__": (), "__setattr__": object.__setattr__,
                                       "__delattr__": object.__delattr__, "__init__": object.__init__,
                                       "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    try:
        probe = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:
        return None
    return twin


def _copier(cls: type, fields: list, value_of: dict, args: str):
    """Generate `replace(inst<args>)`: a new instance of `cls` with each of
    `fields` (attrs attributes, in order) set to `value_of[name]` (source
    text) or else copied from `inst`."""
    names = tuple(a.name for a in fields)
    twin = _writable_twin(cls, names)
    ns = {"_M": _MISSING, "_new": object.__new__, "_set": object.__setattr__, "_cls": cls, "_twin": twin}
    lines = []
    for i, n in enumerate(names):
        value = value_of.get(n, f"inst.{n}")
        if twin is not None:
            lines.append(f"    new.{n} = {value}")
            continue
        slot = _slot_setter(cls, n)
        if slot is None:
            lines.append(f"    _set(new, {n!r}, {value})")
        else:
            ns[f"_s{i}"] = slot
            lines.append(f"    _s{i}(new, {value})")
    if twin is not None:
        src = f"def replace(inst{args}):\n    new = _twin()\n" + "\n".join(lines) + \
            "\n    new.__class__ = _cls\n    return new\n"
    else:
        src = f"def replace(inst{args}):\n    new = _new(_cls)\n" + "\n".join(lines) + "\n    return new\n"
    exec(src, ns)  # noqa: S102  (generated from the class's own field names)
    return ns["replace"]


def _plain(cls: type, fields: list) -> bool:
    """No converter, validator, alias or post-init hook: a copy may skip __init__."""
    return (all(a.converter is None and a.validator is None and a.alias == a.name for a in fields)
            and not hasattr(cls, "__attrs_post_init__"))


def _make_replacer(cls: type):
    """A function `(inst, **changes) -> copy` generated once per class: a new
    instance filled field by field (what attrs' frozen __init__ does, minus
    its argument handling), which is what `attrs.evolve` costs most of.
    Classes with converters, validators or a post-init hook keep the plain
    path through their __init__, so their rules still run."""
    import attrs
    fields = [a for a in attrs.fields(cls) if a.init]
    names = tuple(a.alias for a in fields)
    if not _plain(cls, fields):
        def replace(inst, **changes):
            for n in names:
                if n not in changes:
                    changes[n] = getattr(inst, n)
            return cls(**changes)
        return replace
    return _copier(cls, fields, {n: f"inst.{n} if {n} is _M else {n}" for n in names},
                   "".join(f", {n}=_M" for n in names))


def evolve(inst: Any, **changes: Any) -> Any:
    """`attrs.evolve`, faster: a replacer generated once per class (see
    `_make_replacer`, `_writable_twin`) instead of attrs' per-call field walk
    and __init__; evolve is the engine's hottest call (17 a pod at scale).
    Same result for kstate's classes."""
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
    if not _plain(cls, fields):
        return lambda inst, *values: evolve(inst, **dict(zip(names, values)))
    return _copier(cls, fields, {n: f"v{j}" for j, n in enumerate(names)},
                   "".join(f", v{j}" for j in range(len(names))))
