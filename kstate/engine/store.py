"""The indexed object store. Engine-private: controllers read it only through
the engine's View.

Indexes: by kind (→ namespace → name), by uid, by owner uid, by label (kind,
namespace, key, value), and by place — a secondary key a kind declares in its
KindSpec (`place`: pods by node, nodes by zone). Every index is a dict of
sets, so maintenance is O(labels) per write and a read costs what it returns;
callers sort what they iterate. The store knows no kind by name.

Each stored object has one `(namespace, name)` tuple, its member (by_kind
maps a name to it): the place index holds it, and so do the engine's declared
indexes keyed by that pair (`member`), instead of an equal tuple each — at
150,000 pods every private copy of that pair is ~9 MiB.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

Key = tuple[str, str, str]  # (kind, namespace, name)
_NO_PLACE = (None, None)


class Store:
    def __init__(self, place_of: Optional[dict[str, Callable[[Any], Optional[str]]]] = None,
                 place_reads: Optional[dict[str, str]] = None) -> None:
        self.objects: dict[Key, Any] = {}
        #: kind → namespace → name → the object's member tuple (namespace, name)
        self.by_kind: dict[str, dict[str, dict[str, tuple[str, str]]]] = {}
        self.by_uid: dict[str, Key] = {}
        self.by_owner: dict[str, set[Key]] = {}
        self.by_label: dict[tuple[str, str, str, str], set[str]] = {}
        #: kind → place → {(namespace, name)}
        self.by_place: dict[str, dict[str, set[tuple[str, str]]]] = {}
        self.place_of = dict(place_of or {})
        #: kind → the one field its place reads (KindSpec.place_reads)
        self.place_reads = dict(place_reads or {})
        #: kind → (place, the field it reads or None): one lookup per write
        self._places = {k: (f, self.place_reads.get(k)) for k, f in self.place_of.items()}

    def get(self, kind: str, namespace: str, name: str) -> Optional[Any]:
        return self.objects.get((kind, namespace, name))

    def __len__(self) -> int:
        return len(self.objects)

    def put(self, obj: Any) -> Optional[Any]:
        """Insert or replace; returns the previous object. A replace that
        keeps the field a kind's place reads (`place_reads`: a pod's spec on
        a status write) keeps its place without computing it."""
        m = obj.metadata
        kind = obj.KIND
        key = (kind, m.namespace, m.name)
        old = self.objects.get(key)
        self.objects[key] = obj
        place, reads = self._places.get(kind, _NO_PLACE)
        if old is None:
            member = (m.namespace, m.name)
            self.by_kind.setdefault(kind, {}).setdefault(m.namespace, {})[m.name] = member
            if m.uid:
                self.by_uid[m.uid] = key
            if m.labels:
                self._index_labels(obj, key, add=True)
            if m.owner_references:      # a bare pod has none: no call
                self._index_owner(obj, key, add=True)
            if place is not None:
                self._index_place(kind, place(obj), member, add=True)
        else:
            om = old.metadata
            if om.labels is not m.labels and om.labels != m.labels:
                self._index_labels(old, key, add=False)
                self._index_labels(obj, key, add=True)
            if om.owner_references is not m.owner_references and om.owner_references != m.owner_references:
                self._index_owner(old, key, add=False)
                self._index_owner(obj, key, add=True)
            if place is not None and (reads is None or getattr(old, reads) is not getattr(obj, reads)):
                self._move_place(place, key, old, obj)
        return old

    def put_status(self, key: Key, cur: Any, obj: Any) -> bool:
        """`put(obj)` for `obj` the stored `cur` with another status and
        resourceVersion only (a status write: the same spec object, the
        metadata's other fields the same objects): the kind, uid, label and
        owner indexes stay as they are, and so does a place that reads
        another field than the status. False, writing nothing, if `cur` is
        not the object stored at `key`."""
        objects = self.objects
        if objects.get(key) is not cur:
            return False
        objects[key] = obj
        place, reads = self._places.get(key[0], _NO_PLACE)
        if place is not None and (reads is None or reads == "status"):
            self._move_place(place, key, cur, obj)
        return True

    def _move_place(self, place, key: Key, old: Any, obj: Any) -> None:
        """The stored object at `key` replaced `old` by `obj`: refile it if
        its place changed."""
        before, after = place(old), place(obj)
        if before != after:
            kind, ns, name = key
            member = self.by_kind[kind][ns][name]
            self._index_place(kind, before, member, add=False)
            self._index_place(kind, after, member, add=True)

    def remove(self, kind: str, namespace: str, name: str) -> Optional[Any]:
        key = (kind, namespace, name)
        old = self.objects.pop(key, None)
        if old is None:
            return None
        names = self.by_kind[kind][namespace]
        member = names.pop(name)
        if not names:
            del self.by_kind[kind][namespace]
        self.by_uid.pop(old.metadata.uid, None)
        self._index_labels(old, key, add=False)
        self._index_owner(old, key, add=False)
        place = self.place_of.get(kind)
        if place is not None:
            self._index_place(kind, place(old), member, add=False)
        return old

    # -- reads

    def member(self, kind: str, namespace: str, name: str) -> tuple[str, str]:
        """The stored object's (namespace, name) tuple, shared by the indexes
        that file it under that pair; an equal new tuple if it is not stored."""
        try:
            return self.by_kind[kind][namespace][name]
        except KeyError:
            return (namespace, name)

    def list(self, kind: str, namespace: Optional[str] = None) -> list:
        """Objects of a kind, sorted by namespace then name."""
        spaces = self.by_kind.get(kind, {})
        out = []
        for ns in sorted(spaces) if namespace is None else [namespace]:
            for name in sorted(spaces.get(ns, ())):
                out.append(self.objects[(kind, ns, name)])
        return out

    def count(self, kind: str) -> int:
        return sum(len(v) for v in self.by_kind.get(kind, {}).values())

    def with_label(self, kind: str, namespace: str, key: str, value: str) -> set[str]:
        return self.by_label.get((kind, namespace, key, value), set())

    def placed(self, kind: str, place: str) -> list:
        return [self.objects[(kind, ns, n)] for ns, n in sorted(self.by_place.get(kind, {}).get(place, ()))]

    def owned_by(self, uid: str, kind: Optional[str] = None) -> list:
        keys = sorted(k for k in self.by_owner.get(uid, ()) if kind is None or k[0] == kind)
        return [self.objects[k] for k in keys]

    def namespaces_of(self, kind: str) -> list[str]:
        return sorted(self.by_kind.get(kind, {}))

    # -- index maintenance

    def _index_labels(self, obj: Any, key: Key, add: bool) -> None:
        kind, ns, name = key
        for k, v in obj.metadata.labels.items():
            ik = (kind, ns, k, v)
            if add:
                self.by_label.setdefault(ik, set()).add(name)
            else:
                s = self.by_label.get(ik)
                if s is not None:
                    s.discard(name)
                    if not s:
                        del self.by_label[ik]

    def _index_owner(self, obj: Any, key: Key, add: bool) -> None:
        for ref in obj.metadata.owner_references:
            if add:
                self.by_owner.setdefault(ref.uid, set()).add(key)
            else:
                s = self.by_owner.get(ref.uid)
                if s is not None:
                    s.discard(key)
                    if not s:
                        del self.by_owner[ref.uid]

    def _index_place(self, kind: str, place: Optional[str], member: tuple[str, str], add: bool) -> None:
        if place is None:
            return
        index = self.by_place.setdefault(kind, {})
        if add:
            index.setdefault(place, set()).add(member)
        else:
            s = index.get(place)
            if s is not None:
                s.discard(member)
                if not s:
                    del index[place]

    def all_objects(self) -> Iterable[Any]:
        for key in sorted(self.objects):
            yield self.objects[key]
