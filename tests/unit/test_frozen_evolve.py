"""frozen.evolve gives what attrs.evolve gives, for every shape of class the
generated replacer handles: slotted (fields written through their slots),
inherited slots, a class with a __dict__, and one with a validator."""
from __future__ import annotations

from typing import Optional

import attrs
import pytest

from kstate.resources.frozen import FrozenDict, evolve, field_replacer
from kstate.resources.meta import ObjectMeta


@attrs.frozen
class _Base:
    a: int
    b: str = "b"


@attrs.frozen
class _Child(_Base):
    c: Optional[int] = None


@attrs.frozen(slots=False)
class _Dicted:
    a: int
    b: str = "b"


@attrs.frozen
class _Checked:
    a: int = attrs.field(validator=attrs.validators.instance_of(int))
    b: str = "b"


@pytest.mark.parametrize("inst,changes", [
    (_Base(1), {"a": 2}),
    (_Base(1), {"b": "x"}),
    (_Base(1), {}),
    (_Child(1, "y", 3), {"a": 5}),
    (_Child(1, "y", 3), {"c": None, "b": "z"}),
    (_Dicted(1), {"b": "q"}),
    (_Checked(1), {"b": "q"}),
    (ObjectMeta(name="p", namespace="ns", uid="u", resource_version="4", finalizers=("f",)),
     {"resource_version": "5"}),
    (ObjectMeta(name="p", namespace="ns", uid="u", resource_version="4"), {"name": "q", "generation": 2}),
])
def test_evolve_is_attrs_evolve(inst, changes):
    got = evolve(inst, **changes)
    want = attrs.evolve(inst, **changes)
    assert type(got) is type(want)
    assert repr(got) == repr(want)
    assert got == want and hash(got) == hash(want)
    assert got is not inst


def test_evolve_leaves_the_original_alone():
    inst = _Child(1, "y", 3)
    evolve(inst, a=9, c=7)
    assert inst == _Child(1, "y", 3)


def test_evolve_runs_a_validator():
    with pytest.raises(TypeError):
        evolve(_Checked(1), a="not an int")


def test_evolve_refuses_an_unknown_field():
    with pytest.raises(TypeError):
        evolve(_Base(1), nope=1)


@pytest.mark.parametrize("inst,name,value", [
    (_Base(1), "a", 2),
    (_Child(1, "y", 3), "c", 4),
    (_Dicted(1), "b", "q"),
    (ObjectMeta(name="p", namespace="ns", uid="u", resource_version="4", labels=FrozenDict({"a": "b"})),
     "resource_version", "5"),
])
def test_field_replacer_is_evolve_of_one_field(inst, name, value):
    got = field_replacer(type(inst), name)(inst, value)
    assert repr(got) == repr(attrs.evolve(inst, **{name: value})) and got is not inst


def test_field_replacer_keeps_a_validator_and_refuses_an_unknown_field():
    with pytest.raises(TypeError):
        field_replacer(_Checked, "a")(_Checked(1), "x")
    with pytest.raises(TypeError):
        field_replacer(_Base, "nope")


def test_field_replacer_of_several_fields_takes_them_in_its_order():
    meta = ObjectMeta(name="p", namespace="ns", labels=FrozenDict({"a": "b"}), finalizers=("f",))
    stamp = field_replacer(ObjectMeta, "resource_version", "uid", "creation_timestamp")
    got = stamp(meta, "7", "u-1", 1000)
    assert repr(got) == repr(attrs.evolve(meta, resource_version="7", uid="u-1", creation_timestamp=1000))
    assert repr(field_replacer(_Checked, "b", "a")(_Checked(1), "z", 2)) == repr(_Checked(2, "z"))
    with pytest.raises(TypeError):
        field_replacer(ObjectMeta, "uid", "uid")


class _Hooked:
    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _Hooked.seen.append(cls)


_Hooked.seen = []


@attrs.frozen
class _WithHook(_Hooked):
    a: int = 0


class _Meta(type):
    pass


@attrs.frozen
class _WithMeta(metaclass=_Meta):
    a: int = 0


@attrs.frozen
class _WithNew:
    """A class of its own __new__: a twin, made by calling it, would run it."""
    a: int = 0

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)


def test_a_copy_is_an_instance_of_the_class_itself_and_stays_frozen():
    import weakref
    from kstate.resources.frozen import _writable_twin
    meta = ObjectMeta(name="p", labels=FrozenDict({"a": "b"}))
    for got in (evolve(meta, uid="u"), field_replacer(ObjectMeta, "uid")(meta, "u")):
        assert type(got) is ObjectMeta and got.__class__ is ObjectMeta
        assert weakref.ref(got)() is got and hash(got) == hash(attrs.evolve(meta, uid="u"))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            got.uid = "x"
    assert _writable_twin(ObjectMeta, ("name",)) is not None


@pytest.mark.parametrize("inst", [_WithHook(1), _WithMeta(1), _Dicted(1), _WithNew(1)])
def test_classes_a_writable_twin_cannot_serve_are_copied_all_the_same(inst):
    from kstate.resources.frozen import _writable_twin
    before = list(_Hooked.seen)
    assert _writable_twin(type(inst), ("a",)) is None
    assert _Hooked.seen == before                       # no subclass was made to find that out
    got = evolve(inst, a=2)
    assert type(got) is type(inst) and repr(got) == repr(attrs.evolve(inst, a=2))
    assert repr(field_replacer(type(inst), "a")(inst, 3)) == repr(attrs.evolve(inst, a=3))
