"""The engine's trace and event log, integer-coded and rendered on read.

Owns: the object-name table both share ((kind, namespace, name) → id), the
trace (`Trace`: one 64-bit code per entry, the time as run-length marks) and
the event log (`EventLog`: two 64-bit numbers per distinct event — its code
and the link to its object's previous event — and its first time, shared
with the events of that instant; a count only once one repeats), their
dumps for snapshots and the inverse. Must not
import anything of kstate: the engine owns the instances and builds the
public objects (`Event`) from what these render.

Why: at 150,000 pods the trace holds ~600,000 entries and the log ~750,000
events; as tuples of six strings and event keys of eight they were the
largest thing the engine kept after the pods themselves. Here an entry is
one int in an `array('Q')` — `detail id << 32 | object id`, the detail id
naming a (verb, detail) pair — and an event is (`message id << 32 | event
object id`, first time), the message id naming (reason, message, type,
source) with the involved object's `namespace/name` cut out of the message
and put back on read (the scheduler's "Successfully assigned default/p0 to
node-3" is one text for every pod bound to node-3).

Rendering gives exactly the tuples and fields the engine kept before: the
same values, in the same order. Every table is filled in the order entries
arrive (never by iterating a set), so a run fills them identically each time.
"""
from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any, Iterator, Optional

_OBJ_BITS = 32
_OBJ_MASK = (1 << _OBJ_BITS) - 1
#: the array type of the trace's and the event log's codes (unsigned, see Trace._codes).
_CODES = "Q"
#: how many distinct events an object keeps in its chain before its events
#: are found through a dictionary of its own instead (EventLog.add).
_CHAIN = 16
#: the mark that stands for the involved object's `namespace/name` in a stored
#: message; a message already holding it is stored as it is.
_HOLE = "\x00"


class Names:
    """(kind, namespace, name) → a small integer id, in order of first use.

    A name that is deleted and created again keeps its id: the trace tells
    objects apart by name, the event log by name and uid."""
    __slots__ = ("_scopes", "scopes", "scope_of", "names", "event_obj")

    def __init__(self) -> None:
        #: kind → namespace → its scope: (kind, namespace, scope id, name → id)
        self._scopes: dict[str, dict[str, tuple]] = {}
        #: scope id → (kind, namespace)
        self.scopes: list[tuple[str, str]] = []
        #: id → scope id
        self.scope_of: list[int] = []
        #: id → name
        self.names: list[str] = []
        #: id → the event object (EventLog) of the newest uid seen with it, -1: none
        self.event_obj: list[int] = []

    def scope(self, kind: str, ns: str) -> tuple:
        by_ns = self._scopes.get(kind)
        if by_ns is None:
            by_ns = self._scopes[kind] = {}
        scoped = by_ns.get(ns)
        if scoped is None:
            scoped = by_ns[ns] = (kind, ns, len(self.scopes), {})
            self.scopes.append((kind, ns))
        return scoped

    def new(self, scope: tuple, name: str) -> int:
        i = scope[3][name] = len(self.names)
        self.names.append(name)
        self.scope_of.append(scope[2])
        self.event_obj.append(-1)
        return i

    def id(self, kind: str, ns: str, name: str) -> int:
        scope = self.scope(kind, ns)
        i = scope[3].get(name)
        return self.new(scope, name) if i is None else i

    def __len__(self) -> int:
        return len(self.names)

    def dump(self) -> dict:
        return {"scopes": [list(s) for s in self.scopes], "scope_of": list(self.scope_of), "names": list(self.names)}

    @classmethod
    def load(cls, data: dict) -> "Names":
        out = cls()
        scopes = [out.scope(kind, ns) for kind, ns in data["scopes"]]
        if len(out.scopes) != len(scopes):
            raise ValueError("a scope is listed twice")
        for sid, name in zip(data["scope_of"], data["names"]):
            if out.id(*scopes[sid][:2], name) != len(out.names) - 1:
                raise ValueError(f"name {name!r} is listed twice")
        if len(out.names) != len(data["scope_of"]):
            raise ValueError("names and scopes differ in length")
        return out


class Trace(Sequence):
    """Every applied change as `(t, verb, kind, namespace, name, detail)`
    tuples — `t` in ms since the engine's start — read like a list: `len`,
    indexing, slices (lists of tuples), iteration and `==` with a list or
    another trace. A slice of the tail costs what its length costs, so a
    reader that keeps a cursor (`trace[seen:]`) pays for the new entries
    only."""
    __slots__ = ("_names", "_codes", "_mark_at", "_mark_t", "_t", "_details", "_verb_of", "_detail_of", "_scope",
                 "_last_verb", "_last_detail", "_last_d")

    def __init__(self, names: Names) -> None:
        self._names = names
        #: one per entry: detail id << 32 | object id. Unsigned: an unsigned
        #: array takes an int directly, a signed one through PyArg_Parse
        #: (~300 machine instructions more an append, one a write).
        self._codes = array(_CODES)
        #: the time changes at entry _mark_at[k] to _mark_t[k]
        self._mark_at: list[int] = []
        self._mark_t: list[int] = []
        self._t: Any = None
        #: verb → detail → detail id << 32; and back
        self._details: dict[str, dict[str, int]] = {}
        self._verb_of: list[str] = []
        self._detail_of: list[str] = []
        #: the scope (Names.scope) of the last entry: most entries share it
        self._scope: tuple = (None, None, -1, {})
        #: the last entry's verb, detail and detail id << 32
        self._last_verb: Any = None
        self._last_detail: Any = None
        self._last_d = 0

    def add(self, t: int, verb: str, kind: str, ns: str, name: str, detail: str) -> None:
        codes = self._codes
        if t != self._t:
            self._t = t
            self._mark_at.append(len(codes))
            self._mark_t.append(t)
        # entries come in runs of one (verb, detail): a batch's creates,
        # its kubelet's status writes
        if detail == self._last_detail and verb == self._last_verb:
            d = self._last_d
        else:
            by_detail = self._details.get(verb)
            if by_detail is None:
                by_detail = self._details[verb] = {}
            d = by_detail.get(detail)
            if d is None:
                d = by_detail[detail] = len(self._verb_of) << _OBJ_BITS
                self._verb_of.append(verb)
                self._detail_of.append(detail)
            self._last_verb, self._last_detail, self._last_d = verb, detail, d
        scope = self._scope
        if kind != scope[0] or ns != scope[1]:
            scope = self._scope = self._names.scope(kind, ns)
        o = scope[3].get(name)
        if o is None:
            o = self._names.new(scope, name)
        codes.append(d | o)

    # ------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._codes)

    def _render(self, start: int, stop: int) -> list[tuple]:
        if start >= stop:
            return []
        codes, mark_at, mark_t = self._codes, self._mark_at, self._mark_t
        verbs, details = self._verb_of, self._detail_of
        names, scope_of, scopes = self._names.names, self._names.scope_of, self._names.scopes
        out = []
        k = bisect_right(mark_at, start) - 1
        i = start
        while i < stop:
            t = mark_t[k]
            k += 1
            end = mark_at[k] if k < len(mark_at) and mark_at[k] < stop else stop
            for code in codes[i:end]:
                d = code >> _OBJ_BITS
                o = code & _OBJ_MASK
                kind, ns = scopes[scope_of[o]]
                out.append((t, verbs[d], kind, ns, names[o], details[d]))
            i = end
        return out

    def __getitem__(self, i):
        n = len(self._codes)
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step == 1:
                return self._render(start, stop)
            return [self._render(j, j + 1)[0] for j in range(start, stop, step)]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("trace index out of range")
        return self._render(i, i + 1)[0]

    def __iter__(self) -> Iterator[tuple]:
        n = len(self._codes)
        step = 4096
        for start in range(0, n, step):
            yield from self._render(start, min(n, start + step))

    def __eq__(self, other) -> bool:
        if isinstance(other, Trace):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        if isinstance(other, list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))

    # ------------------------------------------------------------ snapshots

    def dump(self) -> dict:
        return {"codes": self._codes.tolist(), "mark_at": list(self._mark_at), "mark_t": list(self._mark_t),
                "verbs": list(self._verb_of), "details": list(self._detail_of)}

    @classmethod
    def load(cls, data: dict, names: Names) -> "Trace":
        out = cls(names)
        for verb, detail in zip(data["verbs"], data["details"]):
            out._details.setdefault(verb, {})[detail] = len(out._verb_of) << _OBJ_BITS
            out._verb_of.append(verb)
            out._detail_of.append(detail)
        try:
            out._codes = array(_CODES, data["codes"])
        except OverflowError:
            raise ValueError("a trace entry is negative or too large") from None
        out._mark_at, out._mark_t = list(data["mark_at"]), list(data["mark_t"])
        if len(out._mark_at) != len(out._mark_t) or (out._codes and out._mark_at[:1] != [0]):
            raise ValueError("trace marks do not match its entries")
        out._t = out._mark_t[-1] if out._mark_t else None
        for code in out._codes:
            if code >> _OBJ_BITS >= len(out._verb_of) or code & _OBJ_MASK >= len(names):
                raise ValueError(f"trace entry {code} names no detail or object")
        return out


class _Ref:
    """The involved object `EventLog.add` is given field by field."""
    __slots__ = ("kind", "namespace", "name", "uid")

    def __init__(self, kind: str, namespace: str, name: str, uid: str) -> None:
        self.kind, self.namespace, self.name, self.uid = kind, namespace, name, uid


class EventLog:
    """Every distinct event (client-go's EventCorrelator aggregation: the same
    object, reason, message, type and source again is a repeat of the first),
    in order of first occurrence — its serial.

    An event object is a (name id, uid) pair. An object's distinct events are
    chained newest first (a pod has five); past _CHAIN of them a dictionary
    of its own takes over. The last involved object's events are also kept
    as a code → serial dictionary, built from the chain when another object
    takes its place: events come in runs per object (a pod's kubelet
    events), so a repeat is found with one lookup."""
    __slots__ = ("_names", "_obj_name", "_obj_uid", "_other", "_head", "_msgs", "_msg_of", "_codes",
                 "_first", "_prev", "_repeats", "_last", "_last_e", "_last_ref", "_last_idx", "_last_inv", "_scope")

    def __init__(self, names: Names) -> None:
        self._names = names
        #: event object id → name id, uid
        self._obj_name: list[int] = []
        self._obj_uid: list[str] = []
        #: (name id, uid) → event object, for the uids a name had before its
        #: newest (that one is in Names.event_obj)
        self._other: dict[tuple[int, str], int] = {}
        #: event object id → its newest event's serial (-1: none), or for an
        #: object with more than _CHAIN events, its code → serial dictionary
        self._head: list = []
        #: (reason, message template, type, source) → message id; and back
        self._msgs: dict[tuple, int] = {}
        self._msg_of: list[tuple] = []
        #: per serial: message id << 32 | event object id; first time; the
        #: object's previous event (-1: none). The times are the engine's
        #: clock values, shared by the events of an instant.
        self._codes = array(_CODES)
        self._first: list[int] = []
        self._prev = array("q")
        #: serial → [count, last time], once an event repeats
        self._repeats: dict[int, list] = {}
        #: the last involved object: kind, namespace, name, uid, its id,
        #: `namespace/name`, its events' code → serial, the reference given
        self._last: tuple = ()
        self._last_e = -1
        self._last_ref = ""
        self._last_idx: dict = {}
        self._last_inv: Any = None
        #: the scope (Names.scope) of the last involved object
        self._scope: tuple = (None, None, -1, {})

    def __len__(self) -> int:
        return len(self._codes)

    def _object(self, kind: str, ns: str, name: str, uid: str) -> int:
        names = self._names
        scope = names.scope(kind, ns)
        nid = scope[3].get(name)
        if nid is None:
            nid = names.new(scope, name)
        latest = names.event_obj
        e = latest[nid]
        if e >= 0:
            if self._obj_uid[e] == uid:
                return e
            found = self._other.get((nid, uid))
            if found is not None:
                return found
            # a new object under a name used before: it becomes the newest
            self._other[(nid, self._obj_uid[e])] = e
        e = latest[nid] = len(self._obj_uid)
        self._obj_name.append(nid)
        self._obj_uid.append(uid)
        self._head.append(-1)
        return e

    def _message(self, key: tuple) -> int:
        m = self._msgs[key] = len(self._msg_of)
        self._msg_of.append(key)
        return m

    @staticmethod
    def _key(ref: str, reason: str, message: str, type_: str, source: str) -> tuple:
        """The message's key: (reason, message, type, source), or with the
        involved object's `namespace/name` (`name` without a namespace:
        `ref`) cut out of the message, (reason, template, type, source,
        True) — unless the message holds the mark already."""
        template = message.replace(ref, _HOLE) if ref else message
        if template is message or _HOLE in message:
            return reason, message, type_, source
        return reason, template, type_, source, True

    def add(self, kind: str, ns: str, name: str, uid: str, reason: str, message: str, type_: str, source: str,
            now: int) -> None:
        self.add_ref(_Ref(kind, ns, name, uid), reason, message, type_, source, now)

    def _switch(self, inv) -> tuple:
        """Make `inv` (anything with kind, namespace, name and uid) the last
        involved object: its event object, `namespace/name` and code →
        serial dictionary of its events (built from its chain, or the
        object's own past _CHAIN)."""
        obj = (inv.kind, inv.namespace, inv.name, inv.uid)
        if obj == self._last:
            last = self._last_e, self._last_ref, self._last_idx
        else:
            kind, ns, name, uid = obj
            # _object's common case inlined: a name known with this uid, in
            # the scope of the last object (a pod's namespace)
            scope = self._scope
            if kind != scope[0] or ns != scope[1]:
                scope = self._scope = self._names.scope(kind, ns)
            nid = scope[3].get(name)
            e = -1 if nid is None else self._names.event_obj[nid]
            if e < 0 and nid is not None:
                # a name the trace knows, without an event yet (a pod's first, its
                # scheduler's): _object's last step, the name already found
                e = self._names.event_obj[nid] = len(self._obj_uid)
                self._obj_name.append(nid)
                self._obj_uid.append(uid)
                self._head.append(-1)
            elif e < 0 or self._obj_uid[e] != uid:
                e = self._object(kind, ns, name, uid)
            h = self._head[e]
            if type(h) is int:
                codes, prev = self._codes, self._prev
                idx = {}
                while h >= 0:
                    idx[codes[h]] = h
                    h = prev[h]
            else:
                idx = h
            last = self._last_e, self._last_ref, self._last_idx = e, f"{ns}/{name}" if ns else name, idx
            self._last = obj
        self._last_inv = inv
        return last

    def add_ref(self, inv, reason: str, message: str, type_: str, source: str, now: int) -> None:
        """Record an event of `inv`, an ObjectReference (or anything with its
        kind, namespace, name and uid; taken to stay as it is)."""
        # _key and _new inlined for the common cases: this runs for every
        # event a controller records (five a pod at scale), and a pod's
        # kubelet events come one after another with one reference, hence
        # the last object kept — found by identity first — with a dictionary
        # of its events, so a repeat is found without walking its chain.
        # (A message without the object's name comes back from replace as
        # the same object; were it a copy, the key would only be longer.)
        if inv is self._last_inv:
            e, ref, idx = self._last_e, self._last_ref, self._last_idx
        else:
            e, ref, idx = self._switch(inv)
        template = message.replace(ref, _HOLE) if ref else message
        if template is message or _HOLE in message:
            key: tuple = (reason, message, type_, source)
        else:
            key = (reason, template, type_, source, True)
        m = self._msgs.get(key)
        if m is None:
            m = self._message(key)
        code = m << _OBJ_BITS | e
        s = idx.get(code)
        if s is None:
            codes = self._codes
            h = self._head[e]
            if type(h) is int:
                if len(idx) >= _CHAIN:
                    self._new(e, code, now)
                    self._last = ()
                    self._last_inv = None
                    return
                s = self._head[e] = len(codes)
                self._prev.append(h)
            else:
                s = len(codes)
                self._prev.append(-1)
            codes.append(code)
            self._first.append(now)
            idx[code] = s
            return
        rep = self._repeats.get(s)
        if rep is None:
            self._repeats[s] = [2, now]
        else:
            rep[0] += 1
            rep[1] = now

    def _new(self, e: int, code: int, first: int) -> int:
        """Append a distinct event of object e (known not to be one yet)."""
        serial = len(self._codes)
        h = self._head[e]
        self._codes.append(code)
        self._first.append(first)
        if type(h) is int:
            self._prev.append(h)
            n, s = 0, h
            while s >= 0:
                s = self._prev[s]
                n += 1
            if n < _CHAIN:
                self._head[e] = serial
                return serial
            index = {}
            s = serial
            while s >= 0:
                index[self._codes[s]] = s
                s = self._prev[s]
            self._head[e] = index
        else:
            self._prev.append(-1)
            h[code] = serial
        return serial

    def add_record(self, key: tuple, count: int, last: int, first: int) -> None:
        """Append an event as `records` gives it (restoring older snapshots)."""
        kind, ns, name, uid, reason, message, type_, source = key
        e = self._object(kind, ns, name, uid)
        mkey = self._key(f"{ns}/{name}" if ns else name, reason, message, type_, source)
        m = self._msgs.get(mkey)
        # _new passes the last object's dictionary by
        self._last, self._last_inv = (), None
        serial = self._new(e, (self._message(mkey) if m is None else m) << _OBJ_BITS | e, first)
        if count != 1:
            self._repeats[serial] = [count, last]

    # ------------------------------------------------------------ reading

    def _render(self, code: int) -> tuple:
        e = code & _OBJ_MASK
        nid = self._obj_name[e]
        kind, ns = self._names.scopes[self._names.scope_of[nid]]
        name = self._names.names[nid]
        msg = self._msg_of[code >> _OBJ_BITS]
        if len(msg) == 4:
            reason, message, type_, source = msg
        else:
            reason, template, type_, source, _ = msg
            message = template.replace(_HOLE, f"{ns}/{name}" if ns else name)
        return kind, ns, name, self._obj_uid[e], reason, message, type_, source

    def select(self, kind: Optional[str] = None, name: Optional[str] = None,
               namespace: Optional[str] = None) -> Iterator[tuple]:
        """(serial, key, count, first, last) of each event whose involved
        object matches, in serial order; key is (kind, namespace, name, uid,
        reason, message, type, source)."""
        names, scope_of, scopes = self._names.names, self._names.scope_of, self._names.scopes
        obj_name, first, repeats = self._obj_name, self._first, self._repeats
        for serial, code in enumerate(self._codes):
            if kind is not None or name is not None or namespace is not None:
                nid = obj_name[code & _OBJ_MASK]
                k, ns = scopes[scope_of[nid]]
                if (kind is not None and k != kind) or (name is not None and names[nid] != name) or (
                        namespace is not None and ns != namespace):
                    continue
            f = first[serial]
            rep = repeats.get(serial)
            count, last = (1, f) if rep is None else rep
            yield serial, self._render(code), count, f, last

    def records(self) -> list[list]:
        """[key, count, last, first, serial] per event, in serial order."""
        return [[key, count, last, f, serial] for serial, key, count, f, last in self.select()]

    # ------------------------------------------------------------ snapshots

    def dump(self) -> dict:
        return {"obj_name": list(self._obj_name), "obj_uid": list(self._obj_uid),
                "messages": [list(m) for m in self._msg_of], "codes": self._codes.tolist(),
                "first": list(self._first), "repeats": [[s, c, t] for s, (c, t) in self._repeats.items()]}

    @classmethod
    def load(cls, data: dict, names: Names) -> "EventLog":
        out = cls(names)
        for nid, uid in zip(data["obj_name"], data["obj_uid"]):
            # the same steps as when each object was first seen, in its order
            kind, ns = names.scopes[names.scope_of[nid]]
            if out._object(kind, ns, names.names[nid], uid) != len(out._obj_uid) - 1:
                raise ValueError(f"event object {nid}/{uid} listed twice")
        for m in data["messages"]:
            key = tuple(m)
            if key in out._msgs:
                raise ValueError(f"event message {key} listed twice")
            out._message(key)
        if len(data["codes"]) != len(data["first"]):
            raise ValueError("event codes and times differ in length")
        times: dict[int, int] = {}
        for code, first in zip(data["codes"], data["first"]):
            e = code & _OBJ_MASK
            if code < 0 or e >= len(out._obj_uid) or code >> _OBJ_BITS >= len(out._msg_of):
                raise ValueError(f"event {code} names no object or message")
            out._new(e, code, times.setdefault(first, first))
        for s, c, t in data["repeats"]:
            if not 0 <= s < len(out._codes):
                raise ValueError(f"repeat of event {s}, which does not exist")
            out._repeats[s] = [c, t]
        return out
