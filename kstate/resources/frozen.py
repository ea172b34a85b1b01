"""FrozenDict: the immutable, hashable mapping used for labels, annotations and
resource lists on frozen resources. Imports nothing of kstate.

Its repr is `FrozenDict({...})`, so a hypothesis counterexample prints as code
that runs again.
"""
from __future__ import annotations

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


_INIT_NAMES: dict = {}


def evolve(inst: Any, **changes: Any) -> Any:
    """`attrs.evolve`, faster: the init argument names of a class are looked
    up once instead of on every call (evolve is the engine's hottest call).
    Same semantics for kstate's classes (no private attributes, no aliases)."""
    cls = inst.__class__
    names = _INIT_NAMES.get(cls)
    if names is None:
        import attrs
        names = tuple(a.alias for a in attrs.fields(cls) if a.init)
        _INIT_NAMES[cls] = names
    for n in names:
        if n not in changes:
            changes[n] = getattr(inst, n)
    return cls(**changes)
