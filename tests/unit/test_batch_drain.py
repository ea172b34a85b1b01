"""The engine's batch drain (docs/performance.md, "Instants and batches";
`Engine._drain_run`): a controller with `ControllerSpec.reconcile_batch`
takes the run of its consecutive keys at the head of the queue in one call,
and the engine applies the results item by item, cutting the run wherever
the one-key engine would have done something else. Every test runs the same
work twice — once with the batch form, once without it (the one-key engine,
which is the fold) — and requires the same trace, events, steps, seeded
random state and queue.

The toy world: ConfigMap "tally" holds a counter. Controller `tally` (its
keys are arbitrary strings) reads the counter, writes it back plus one and
records an event "<key> saw <n>"; a key starting with "x" writes with a
stale uid (a conflict: the write changes nothing), a key starting with "r"
also asks to be requeued in 1 s. Its batch form is *optimistic*: item i
assumes the i writes before it landed (n0 + i) — exact only because the
engine cuts the run after a failed write or a wake-up of a lower tier.
Controller `echo` watches the tally and bumps a counter that is 1 mod 5 once
more (it changes what later tally items read). Controller `other` is a
second batch controller of the same tier, whose keys split tally's runs."""
from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kstate import Cluster
from kstate.controllers.actions import NOTHING, RecordEvent, Result, Update
from kstate.engine import core
from kstate.registry import ControllerSpec, Watch
from kstate.resources.event import ObjectReference
from kstate.resources.frozen import freeze

TALLY, ECHO, OTHER = "tally", "echo", "other"


def _count(cm) -> int:
    return int(cm.body["data"]["n"])


def _with_count(cm, n: int, by: str = ""):
    return attrs.evolve(cm, body=freeze({"data": {"n": str(n), "by": by}}))


def observe_tally(view, key):
    return key, view.get("ConfigMap", "default", "tally")


def _tally_result(key: str, cm, n: int) -> Result:
    new = _with_count(cm, n + 1, key)
    if key.startswith("x"):
        new = attrs.evolve(new, metadata=attrs.evolve(new.metadata, uid="stale"))
    ref = ObjectReference(kind="ConfigMap", namespace="default", name="tally", uid=cm.metadata.uid)
    return Result((Update(new), RecordEvent(ref, "Saw", f"{key} saw {n}", "Normal", TALLY)),
                  requeue_after=1000 if key.startswith("r") else None)


def reconcile_tally(obs, now: int) -> Result:
    key, cm = obs
    if cm is None:
        return NOTHING
    return _tally_result(key, cm, _count(cm))


def reconcile_tally_batch(observations, now: int) -> list:
    """The optimistic overlay: item i assumes every write before it landed."""
    out = []
    for i, (key, cm) in enumerate(observations):
        out.append(NOTHING if cm is None else _tally_result(key, cm, _count(cm) + i))
    return out


def watch_tally(old, new, view):
    return ("tally",) if new is not None and new.metadata.name == "tally" else ()


def reconcile_echo(obs, now: int) -> Result:
    _, cm = obs
    if cm is None or _count(cm) % 5 != 1:
        return NOTHING
    return Result((Update(_with_count(cm, _count(cm) + 1)),))


def observe_other(view, key):
    return key


def reconcile_other(key, now: int) -> Result:
    ref = ObjectReference(kind="ConfigMap", namespace="default", name=key)
    return Result((RecordEvent(ref, "Other", f"other {key}", "Normal", OTHER),))


def _controllers(batch: bool, tally_tier: int = 1, echo_tier: int = 0, calls: list = None,
                 tally_batch=reconcile_tally_batch) -> dict:
    def spy(name, fn):
        def batch_form(observations, now):
            if calls is not None:
                calls.append((name, len(observations)))
            return fn(observations, now)
        return batch_form if batch else None

    return {
        TALLY: ControllerSpec(TALLY, observe_tally, reconcile_tally, tally_tier,
                              reconcile_batch=spy(TALLY, tally_batch)),
        ECHO: ControllerSpec(ECHO, observe_tally, reconcile_echo, echo_tier,
                             watches=(Watch("ConfigMap", watch_tally),)),
        OTHER: ControllerSpec(OTHER, observe_other, reconcile_other, tally_tier,
                              reconcile_batch=spy(OTHER, lambda obs, now: [reconcile_other(k, now) for k in obs])),
    }


def _cluster(controllers: dict, latency: int = 0, n: int = 0) -> Cluster:
    c = Cluster(nodes=0, seed=7, controllers=controllers)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tally"}, "data": {"n": str(n)}})
    if latency:
        c.engine._latency = {"*": latency}
    return c


def _state(c: Cluster) -> tuple:
    eng = c.engine
    return (c.trace(), [(e.reason, e.message, e.count) for e in c.events()], eng.steps, eng.rng.getstate(),
            [list(q) for q in eng._queues], sorted(eng._queued), sorted(eng._waiting.items()), eng.now)


def _run(controllers: dict, keys: list, latency: int = 0, until: int = 0, n: int = 0) -> Cluster:
    c = _cluster(controllers, latency, n)
    for name, key in keys:
        c.engine.enqueue(name, key)
    c.advance(until)
    return c


def test_a_run_of_consecutive_keys_is_one_batch_call_and_the_trace_is_the_folds():
    """No cut needed (echo is off: the tally never becomes 1 mod 5 below 5):
    tally's four keys form one run, other's two keys split the second run."""
    keys = [(TALLY, "a"), (TALLY, "b"), (OTHER, "o1"), (OTHER, "o2"), (TALLY, "c"), (TALLY, "d")]
    calls: list = []
    batched = _run(_controllers(True, echo_tier=2, calls=calls), keys, n=2)
    folded = _run(_controllers(False, echo_tier=2), keys, n=2)
    assert calls == [(TALLY, 2), (OTHER, 2), (TALLY, 2)]
    assert _state(batched) == _state(folded)
    assert [e.message for e in batched.events() if e.reason == "Saw"] == ["a saw 2", "b saw 3", "c saw 4", "d saw 5"]


def test_a_lower_tier_woken_by_an_item_cuts_the_run():
    """echo (tier 0) wakes on every tally write; tally is tier 1. After each
    item the one-key engine runs echo first (which bumps 1 mod 5), so the
    rest of the run is observed again."""
    keys = [(TALLY, k) for k in "abcdefg"]
    calls: list = []
    batched = _run(_controllers(True, calls=calls), keys)
    folded = _run(_controllers(False), keys)
    assert _state(batched) == _state(folded)
    # every item wakes echo: cut after each, the rest re-batched; the last one alone
    assert calls == [(TALLY, 7), (TALLY, 6), (TALLY, 5), (TALLY, 4), (TALLY, 3), (TALLY, 2)]
    saw = [e.message for e in folded.events() if e.reason == "Saw"]
    assert saw == ["a saw 0", "b saw 2", "c saw 3", "d saw 4", "e saw 5", "f saw 7", "g saw 8"]


def test_a_higher_tier_woken_does_not_cut():
    keys = [(TALLY, k) for k in "abcdefg"]
    calls: list = []
    batched = _run(_controllers(True, tally_tier=0, echo_tier=1, calls=calls), keys)
    folded = _run(_controllers(False, tally_tier=0, echo_tier=1), keys)
    assert calls == [(TALLY, 7)]
    assert _state(batched) == _state(folded)


def test_a_run_longer_than_the_cap_is_taken_in_calls_of_at_most_run_max(monkeypatch):
    """`core.RUN_MAX` bounds what one batch call holds (the memory of its
    observations and Results); the rest of the run stays at the head of the
    queue and the next call takes it, the same state as the fold."""
    monkeypatch.setattr(core, "RUN_MAX", 3)
    keys = [(TALLY, k) for k in "abcdefg"]
    calls: list = []
    batched = _run(_controllers(True, tally_tier=0, echo_tier=1, calls=calls), keys)
    folded = _run(_controllers(False, tally_tier=0, echo_tier=1), keys)
    assert calls == [(TALLY, 3), (TALLY, 3)]  # the seventh, a run of one, takes the one-key path
    assert _state(batched) == _state(folded)


def test_a_failed_write_cuts_the_run():
    """'xb' writes with a stale uid: nothing is written, and the items after
    it — computed assuming it landed — are discarded and observed again."""
    keys = [(TALLY, k) for k in ("a", "xb", "c", "d")]
    calls: list = []
    batched = _run(_controllers(True, echo_tier=2, calls=calls), keys, n=2)
    folded = _run(_controllers(False, echo_tier=2), keys, n=2)
    assert calls == [(TALLY, 4), (TALLY, 2)]
    assert _state(batched) == _state(folded)
    assert [e.message for e in folded.events() if e.reason == "Saw"] == ["a saw 2", "xb saw 3", "c saw 3", "d saw 4"]


def test_without_the_cuts_the_optimistic_batch_would_diverge(monkeypatch):
    """The cut tests above can fail: with the cut rule switched off the
    optimistic overlay gives different results."""
    keys = [(TALLY, k) for k in ("a", "xb", "c", "d")]
    folded = _run(_controllers(False, echo_tier=2), keys, n=2)
    monkeypatch.setattr(core.Engine, "_apply_checked", lambda self, r: self.apply_result(r) or True)
    assert _state(_run(_controllers(True, echo_tier=2), keys, n=2)) != _state(folded)
    keys = [(TALLY, k) for k in "abcdefg"]
    folded = _run(_controllers(False), keys)

    class NoLowerTier(list):
        """The queues, but the batch sees no tier below its own."""
        def __getitem__(self, i):
            return [] if isinstance(i, slice) else super().__getitem__(i)

    batched = _cluster(_controllers(True))
    batched.engine._queues = NoLowerTier(batched.engine._queues)
    for name, key in keys:
        batched.engine.enqueue(name, key)
    batched.advance(0)
    assert [e.message for e in batched.events() if e.reason == "Saw"] != \
        [e.message for e in folded.events() if e.reason == "Saw"]


def test_latency_draws_happen_in_item_order():
    """Under control-plane latency each watch event's delay is drawn when
    its item is applied, as in the one-key engine; delays of 0 wake echo at
    once (a cut), longer ones fire later."""
    keys = [(TALLY, k) for k in ("a", "b", "rc", "d", "e", "rf", "g")]
    batched = _run(_controllers(True), keys, latency=3, until=5000)
    folded = _run(_controllers(False), keys, latency=3, until=5000)
    assert _state(batched) == _state(folded)
    assert batched.engine.steps > 9


def test_an_earlier_item_that_wakes_a_later_one_does_not_queue_it_twice():
    """Keys a, b, c are queued; a's write wakes c through a watch, c's wakes
    b. The one-key engine finds c still queued when a is applied and adds
    nothing; b, already done, is queued again behind. So must the batch,
    whose keys stay marked until their item is applied: a, b, c, then b."""
    def wakes(old, new, view):
        by = new.body["data"].get("by") if new is not None and new.metadata.name == "tally" else None
        return {"a": ("c",), "c": ("b",)}.get(by, ())

    observed: list = []

    def counting(obs, now):
        observed.append(obs[0])
        return reconcile_tally(obs, now)

    def counting_batch(observations, now):
        observed.extend(o[0] for o in observations)
        return reconcile_tally_batch(observations, now)

    def run(batch: bool):
        observed.clear()
        ctrls = _controllers(batch, echo_tier=2)
        ctrls[TALLY] = ctrls[TALLY]._replace(
            reconcile=counting, watches=(Watch("ConfigMap", wakes),),
            reconcile_batch=counting_batch if batch else None)
        c = _cluster(ctrls, n=2)
        for k in ("a", "b", "c"):
            c.engine.enqueue(TALLY, k)
        c.engine.run_to(c.engine.now)
        return _state(c), list(observed)

    batched, b_obs = run(True)
    folded, f_obs = run(False)
    assert batched == folded
    assert f_obs == ["a", "b", "c", "b"] and b_obs == f_obs


def test_a_timer_an_earlier_item_sets_for_a_later_one_is_dropped_when_the_later_one_runs():
    """a's write wakes c 500 ms later (a delayed watch, a workqueue
    AddAfter). c runs at this instant anyway, after a, and its reconcile
    replaces that wake-up: the timer is dropped, in the batch as in the
    one-key engine, and c does not run again at 500 ms."""
    def later(old, new, view):
        by = new.body["data"].get("by") if new is not None and new.metadata.name == "tally" else None
        return ("c",) if by == "a" else ()

    def run(batch: bool):
        ctrls = _controllers(batch, echo_tier=2)
        ctrls[TALLY] = ctrls[TALLY]._replace(watches=(Watch("ConfigMap", later, delay=500),))
        c = _cluster(ctrls, n=2)
        for k in ("a", "b", "c"):
            c.engine.enqueue(TALLY, k)
        c.advance(1000)
        return c

    batched, folded = run(True), run(False)
    assert _state(batched) == _state(folded)
    assert [e.message for e in folded.events() if e.reason == "Saw"] == ["a saw 2", "b saw 3", "c saw 4"]


def test_a_batch_that_raises_is_folded_item_by_item_and_an_item_that_raises_keeps_the_rest_queued():
    def broken_batch(observations, now):
        raise RuntimeError("batch form bug")

    keys = [(TALLY, k) for k in "abcd"]
    with pytest.raises(RuntimeError, match="batch form bug"):   # see the next test
        _run(_controllers(True, echo_tier=2, tally_batch=broken_batch), keys, n=2)

    def raising(obs, now):
        if obs[0] == "c":
            raise RuntimeError("reconcile bug")
        return reconcile_tally(obs, now)

    states = []
    for batch in (True, False):
        ctrls = _controllers(batch, echo_tier=2)
        ctrls[TALLY] = ctrls[TALLY]._replace(
            reconcile=raising,
            reconcile_batch=(lambda obs, now: [raising(o, now) for o in obs]) if batch else None)
        c = _cluster(ctrls, n=2)
        for name, key in keys:
            c.engine.enqueue(name, key)
        with pytest.raises(RuntimeError, match="reconcile bug"):
            c.engine.run_to(c.engine.now)
        states.append(_state(c))
        assert [list(q) for q in c.engine._queues][1] == [(TALLY, "d")]
    assert states[0] == states[1]


def test_a_batch_form_may_answer_a_prefix_and_the_engine_folds_the_rest():
    """A batch form that cannot foresee item k returns items 0..k-1; the
    engine observes and reconciles the rest one at a time, each after the
    item before was applied (here the optimistic overlay stops before the
    first 'x' key, which it could not foresee)."""
    calls: list = []

    def until_x(observations, now):
        cut = next((i for i, (key, _) in enumerate(observations) if i and key.startswith("x")), len(observations))
        return reconcile_tally_batch(observations[:cut], now)

    keys = [(TALLY, k) for k in ("a", "b", "xc", "d", "xe")]
    batched = _run(_controllers(True, echo_tier=2, calls=calls, tally_batch=until_x), keys, n=2)
    folded = _run(_controllers(False, echo_tier=2), keys, n=2)
    assert calls == [(TALLY, 5)]      # xc, d, xe folded by the engine: no second batch call
    assert _state(batched) == _state(folded)


@pytest.mark.parametrize("answer", [lambda obs: [], lambda obs: [NOTHING] * (len(obs) + 1)])
def test_a_batch_form_must_answer_at_least_one_and_at_most_every_key(answer):
    ctrls = _controllers(True, echo_tier=2, tally_batch=lambda obs, now: answer(obs))
    c = _cluster(ctrls)
    for k in "ab":
        c.engine.enqueue(TALLY, k)
    with pytest.raises(ValueError, match="reconcile_batch returned [03] results for 2 keys"):
        c.engine.run_to(c.engine.now)
    assert list(c.engine._queues[1]) == [(TALLY, "a"), (TALLY, "b")]


def test_an_interrupt_inside_the_batch_call_leaves_the_run_queued():
    class Interrupt(BaseException):
        pass

    def interrupted(observations, now):
        raise Interrupt()

    c = _cluster(_controllers(True, echo_tier=2, tally_batch=interrupted))
    for k in "abc":
        c.engine.enqueue(TALLY, k)
    with pytest.raises(Interrupt):
        c.engine.run_to(c.engine.now)
    assert list(c.engine._queues[1]) == [(TALLY, k) for k in "abc"]
    assert sorted(i for i in c.engine._queued if i[0] == TALLY) == [(TALLY, k) for k in "abc"]


def test_a_stopped_controller_parks_its_keys_and_batches_them_when_it_starts():
    calls: list = []
    c = _cluster(_controllers(True, echo_tier=2, calls=calls))
    c.stop_controller(TALLY)
    for k in "abc":
        c.engine.enqueue(TALLY, k)
    c.advance(0)
    assert calls == [] and list(c.engine._parked) == [(TALLY, k) for k in "abc"]
    c.start_controller(TALLY)
    c.advance(0)
    assert calls == [(TALLY, 3)]
    assert [e.message for e in c.events() if e.reason == "Saw"] == ["a saw 0", "b saw 1", "c saw 2"]


def test_the_livelock_guard_counts_items_not_calls(monkeypatch):
    """Keys that requeue at once forever: the guard trips after the same
    number of items, batched or not, with the same queue left behind."""
    monkeypatch.setattr(core, "MAX_STEPS_PER_INSTANT", 10)

    def spin(obs, now):
        return attrs.evolve(reconcile_tally(obs, now), requeue_after=0)

    states = []
    for batch in (True, False):
        ctrls = _controllers(batch, echo_tier=2)
        ctrls[TALLY] = ctrls[TALLY]._replace(
            reconcile=spin, reconcile_batch=(lambda obs, now: [
                attrs.evolve(r, requeue_after=0) for r in reconcile_tally_batch(obs, now)]) if batch else None)
        c = _cluster(ctrls)
        for k in "abcd":
            c.engine.enqueue(TALLY, k)
        with pytest.raises(core.Livelock):
            c.engine.run_to(c.engine.now)
        states.append(_state(c))
        assert len([e for e in c.events() if e.reason == "Saw"]) == 11
    assert states[0] == states[1]


def test_replacing_reconcile_or_observe_drops_the_batch_form():
    spec = _controllers(True)[TALLY]
    assert spec.reconcile_batch is not None
    assert spec._replace(tier=3).reconcile_batch is not None
    assert spec._replace(reconcile=reconcile_tally).reconcile_batch is None
    assert spec._replace(observe=observe_tally).reconcile_batch is None
    assert spec._replace(observe=observe_tally, reconcile_batch=len).reconcile_batch is len


KEYS = st.lists(st.tuples(st.sampled_from((TALLY, TALLY, TALLY, OTHER)),
                          st.sampled_from(("a", "b", "c", "xd", "xe", "rf", "rg", "h", "i", "j", "k"))),
                max_size=14)


@settings(deadline=None)
@given(keys=KEYS, tally_tier=st.integers(0, 2), echo_tier=st.integers(0, 2), latency=st.sampled_from((0, 0, 2, 40)),
       n=st.integers(0, 6))
def test_a_batch_form_equal_to_the_fold_gives_the_same_run(keys, tally_tier, echo_tier, latency, n):
    """Property: for random queue contents, tiers, control-plane latency and
    starting counts, the engine with the (optimistic, cut-protected) batch
    forms produces exactly the one-key engine's run over 3 simulated seconds."""
    batched = _run(_controllers(True, tally_tier, echo_tier), keys, latency, 3000, n)
    folded = _run(_controllers(False, tally_tier, echo_tier), keys, latency, 3000, n)
    assert _state(batched) == _state(folded)


def test_a_batch_form_that_raises_on_its_own_is_not_hidden_by_the_fold():
    """The engine folds a run whose batch call raised, so that an error the
    one-key reconcile shares surfaces at the same state; when the fold runs
    clean the error was the batch form's alone, and it is raised after it."""
    def buggy(observations, now):
        raise KeyError("batch-only bug")

    ctrls = _controllers(True, echo_tier=2, tally_batch=buggy)
    c = _cluster(ctrls, n=2)
    for k in "ab":
        c.engine.enqueue(TALLY, k)
    with pytest.raises(KeyError, match="batch-only bug"):
        c.engine.run_to(c.engine.now)
    # the fold applied both items before the error was raised
    assert _count(c.get("ConfigMap", "tally")) == 4
    assert [e.message for e in c.events() if e.reason == "Saw"] == ["a saw 2", "b saw 3"]
