"""The kubelet writes status parts in their shared form: pods of one
template taking the same step at one instant get the same container-status
and condition tuples (kubelet._DERIVED, _STATUSES), so the engine's store
shares them as written (kinds/core.py _STATUS_PARTS) without a second copy
of the status."""
import attrs

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers.actions import UpdateStatus

KEY = ("default", "p")


def _twins():
    """Observations of pod p (bound, Scheduled) and of a twin q sharing its spec's containers."""
    c = kstate.Cluster(nodes=1, seed=0)
    c.stop_controller(kl.NAME)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    c.advance("0s")
    obs = kl.observe_kubelet(c.engine, KEY)
    p = obs.pod
    q = attrs.evolve(p, metadata=attrs.evolve(p.metadata, name="q", uid=p.metadata.uid + "-q"),
                     spec=attrs.evolve(p.spec))
    assert q.spec is not p.spec and q.spec.containers is p.spec.containers
    return c, obs, attrs.evolve(obs, pod=q)


def _written(result):
    return next(a.obj for a in result.actions if type(a) is UpdateStatus)


def test_twins_admitted_at_one_instant_get_the_same_status_parts():
    c, a, b = _twins()
    now = c.engine.now
    pa, pb = _written(kl.admit_pod(a, now)), _written(kl.admit_pod(b, now))
    assert pa.status.container_statuses == pb.status.container_statuses
    assert pa.status.container_statuses is pb.status.container_statuses
    assert pa.status.conditions is pb.status.conditions


def test_twins_started_at_one_instant_get_the_same_status_parts():
    c, a, b = _twins()
    now = c.engine.now
    a = attrs.evolve(a, pod=_written(kl.admit_pod(a, now)))
    b = attrs.evolve(b, pod=_written(kl.admit_pod(b, now)))
    pa, pb = (_written(kl.reconcile_kubelet(o, now + 1000)) for o in (a, b))
    assert pa.status.state == pb.status.state == "Running"
    assert pa.status.container_statuses is pb.status.container_statuses
    assert pa.status.container_statuses[0].ready
    assert pa.status.conditions is pb.status.conditions
