"""Fuzz of the public API (issue 13 acceptance): every Cluster method, called
with wrong types and out-of-range values in each argument, raises only
KstateError subclasses, and a refused call leaves the snapshot unchanged."""
import inspect

import pytest

import kstate

BAD = [None, True, -1, 2**64, 1.5, float("nan"), "", "x", "\ud800", [], ["a"], {}, {"a": ["x"]}, object(), b"x"]

#: methods that only read, or whose (valid) defaults make every call legal
SKIP = {"snapshot", "restore", "engine", "now", "elapsed_ms", "trace", "violations"}


def _cluster():
    c = kstate.Cluster(nodes=2, seed=0)
    c.apply_file("specs/manifests/web-deployment.yaml")
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    c.run_until_stable()
    return c


VALID = {"kind": "deploy", "name": "web", "namespace": "default", "container": "nginx", "image": "nginx:2",
         "replicas": 3, "duration": "1s", "timeout": "1m", "value": None, "source": "", "path": None}


def _calls():
    for name, fn in inspect.getmembers(kstate.Cluster, predicate=inspect.isfunction):
        if name.startswith("_") or name in SKIP:
            continue
        params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
        for i, p in enumerate(params):
            for bad in BAD:
                yield name, p.name, i, bad


CALLS = list(_calls())


@pytest.fixture(scope="module")
def cluster():
    return _cluster()


@pytest.mark.parametrize("method,param,index,bad", CALLS,
                         ids=[f"{m}-{p}-{type(b).__name__}{j}" for j, (m, p, _, b) in enumerate(CALLS)])
def test_wrong_arguments_raise_kstate_errors_and_change_nothing(cluster, method, param, index, bad):
    fn = getattr(cluster, method)
    sig = inspect.signature(fn)
    args = {}
    for p in sig.parameters.values():
        if p.name == param:
            args[p.name] = bad
        elif p.default is inspect.Parameter.empty:
            args[p.name] = VALID.get(p.name, "web")
    before = cluster.snapshot()
    try:
        fn(**args)
    except kstate.KstateError:
        assert cluster.snapshot() == before, f"{method}({param}={bad!r}) was refused but changed the cluster"
        return
    # accepted: fine, but the cluster must still be sound
    assert cluster.violations() == []
