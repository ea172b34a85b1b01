"""The Endpoints and EndpointSlice controllers (issue 10, item 2): exact
actions per reconcile, user-managed endpoints of selectorless Services,
publishNotReadyAddresses, terminating pods, named targetPorts, 100 endpoints
per slice, and watches that map a pod only to the Services of its namespace."""
from __future__ import annotations

import pathlib

import kstate
from kstate.controllers import endpoints as ctl
from kstate.controllers.actions import Create, Delete, Update
from kstate.network import kubeproxy as kp

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cluster(**kw):
    c = kstate.Cluster(nodes=3, seed=0, **kw)
    c.apply_file(ROOT / "specs" / "manifests" / "frontend-backend.yaml")
    c.run_until_stable()
    return c


def _backend_ips(c):
    return sorted((p.status.pod_ip for p in c.list("pods") if p.metadata.labels.get("app") == "backend"),
                  key=lambda ip: tuple(map(int, ip.split("."))))


def test_endpoints_and_slices_list_the_ready_pods():
    c = _cluster()
    ep = c.get("ep", "backend")
    (subset,) = ep.spec.subsets
    assert [a.ip for a in subset.addresses] == _backend_ips(c) and subset.not_ready_addresses == ()
    assert [(p.name, p.port, p.protocol) for p in subset.ports] == [("", 8080, "TCP")]
    (sl,) = [s for s in c.list("endpointslices") if s.metadata.labels["kubernetes.io/service-name"] == "backend"]
    assert sl.metadata.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert sl.metadata.owner_references[0].kind == "Service"
    assert [e.addresses[0] for e in sl.spec.endpoints] == _backend_ips(c)
    assert all((e.ready, e.serving, e.terminating) == (True, True, False) for e in sl.spec.endpoints)
    zones = {e.node_name for e in sl.spec.endpoints}
    assert zones == {"node-0", "node-1", "node-2"}


def test_reconcile_is_quiet_when_in_sync_and_exact_when_not():
    c = _cluster()
    eng = c.engine
    obs = ctl.observe_endpoints(eng, ("default", "backend"))
    assert ctl.reconcile_endpoints(obs, eng.now).actions == ()
    sobs = ctl.observe_slices(eng, ("default", "backend"))
    assert ctl.reconcile_slices(sobs, eng.now).actions == ()
    stale = sobs._replace(pods=sobs.pods[1:])
    (a,) = ctl.reconcile_slices(stale, eng.now).actions
    assert isinstance(a, Update) and len(a.obj.spec.endpoints) == 2
    gone = obs._replace(svc=None)
    assert ctl.reconcile_endpoints(gone, eng.now).actions == (Delete("Endpoints", "default", "backend",
                                                                     obs.current.metadata.uid),)
    fresh = obs._replace(current=None)
    (a,) = ctl.reconcile_endpoints(fresh, eng.now).actions
    assert isinstance(a, Create) and a.obj.metadata.name == "backend"


def test_terminating_pods_leave_endpoints_but_stay_in_slices_as_serving_terminating():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
              "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}},
             {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"},
                                                                "annotations": {"kstate.io/stop-after": "20s"}},
              "spec": {"containers": [{"name": "c", "image": "x"}]}}])
    c.run_until_stable()
    ip = c.get("pod", "p").status.pod_ip
    c.delete("pod", "p")
    c.advance("1s")
    assert c.get("pod", "p").metadata.deletion_timestamp is not None
    assert c.get("ep", "s").spec.subsets == ()
    (sl,) = c.list("endpointslices")
    assert [(e.addresses[0], e.ready, e.serving, e.terminating) for e in sl.spec.endpoints] == [
        (ip, False, True, True)]
    # kube-proxy falls back to the serving-terminating endpoint
    assert f"--to-destination {ip}:80" in c.iptables("node-0")


def test_publish_not_ready_addresses_lists_every_pod_as_ready():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
              "spec": {"selector": {"a": "b"}, "publishNotReadyAddresses": True, "clusterIP": "None",
                       "ports": [{"port": 80}]}},
             {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"},
                                                                "annotations": {"kstate.io/never-ready": "true"}},
              "spec": {"containers": [{"name": "c", "image": "x"}]}}])
    c.advance("30s")
    (subset,) = c.get("ep", "s").spec.subsets
    assert [a.ip for a in subset.addresses] == [c.get("pod", "p").status.pod_ip]
    assert c.resolve("s.default.svc.cluster.local").values == (c.get("pod", "p").status.pod_ip,)


def test_selectorless_service_keeps_user_endpoints_and_kube_proxy_uses_them():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
              "spec": {"ports": [{"port": 5432}]}},
             {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "db"},
              "subsets": [{"addresses": [{"ip": "192.168.5.5"}], "ports": [{"port": 5432}]}]},
             {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
              "metadata": {"name": "db-1", "labels": {"kubernetes.io/service-name": "db"}},
              "addressType": "IPv4", "endpoints": [{"addresses": ["192.168.5.5"]}], "ports": [{"port": 5432}]}])
    c.advance("5s")
    assert [a.ip for a in c.get("ep", "db").spec.subsets[0].addresses] == ["192.168.5.5"]
    assert "--to-destination 192.168.5.5:5432" in c.iptables("node-0")


def test_a_hundred_and_one_pods_make_two_slices():
    c = kstate.Cluster(nodes=2, seed=0)
    c.apply([{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
              "spec": {"replicas": 101, "selector": {"matchLabels": {"app": "w"}},
                       "template": {"metadata": {"labels": {"app": "w"}},
                                    "spec": {"containers": [{"name": "c", "image": "x"}]}}}},
             {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "w"},
              "spec": {"selector": {"app": "w"}, "ports": [{"port": 80}]}}])
    c.run_until_stable()
    sizes = sorted(len(s.spec.endpoints) for s in c.list("endpointslices")
                   if s.metadata.labels.get("kubernetes.io/service-name") == "w")
    assert sizes == [1, 100]
    rules = c.iptables("node-0")
    assert rules.count("-j DNAT") == 101


def test_pod_changes_map_only_to_services_of_the_pods_namespace_that_select_it():
    c = _cluster()
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "backend", "namespace": "other"},
             "spec": {"selector": {"app": "backend"}, "ports": [{"port": 80}]}})
    pod = next(p for p in c.list("pods") if p.metadata.labels.get("app") == "backend")
    import attrs
    moved = attrs.evolve(pod, status=attrs.evolve(pod.status, pod_ip="10.244.9.9"))
    assert list(ctl.watch_pods(pod, moved, c.engine)) == [("default", "backend")]
    assert list(ctl.watch_pods(pod, pod, c.engine)) == []


def test_kube_proxy_reads_the_stored_slices():
    c = _cluster()
    slices = {("default", "backend"): [kp.Slice((("", 8080, "TCP"),), (kp.Endpoint("10.244.0.2"),))]}
    assert c.engine.list("EndpointSlice")
    text = c.iptables("node-0")
    assert all(f"--to-destination {ip}:8080" in text for ip in _backend_ips(c))
    assert slices
