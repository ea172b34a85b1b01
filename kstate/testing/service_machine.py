"""`ServiceMachine`: ClusterMachine plus Services (issue 10, item 8).

On top of the cluster machine's node faults (join, leave, fail, recover,
cordon, drain) and pod churn (create, delete, crash) it creates pods labelled
for Services (some with a named container port), creates Services (ClusterIP,
NodePort, headless, with or without a selector, named or numbered
targetPort, publishNotReadyAddresses), changes their selectors and deletes
them. Every step checks every registered invariant — among them
`endpoints-match-ready-pods`, `ready-endpoints-share-equally`,
`service-ips-and-node-ports-unique` and `kube-proxy-programs-what-the-api-holds`.
After `settle`:

- kube-proxy has nothing left to sync, and every node's programmed rules are
  a full render of what the API holds;
- the Endpoints and EndpointSlice controllers would do nothing more for any
  Service (the lost-wakeup check).
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, multiple, rule

from kstate.controllers import endpoints as epc, kubeproxy as kpc
from kstate.testing.machine import NAMESPACES, POD_NAMES, ClusterMachine
from kstate.testing.strategies import pod_manifests

SERVICE_NAMES = ("web", "api")
APPS = ("a", "b")


@st.composite
def labelled_pods(draw) -> dict:
    """A pod of the cluster machine's strategy, labelled app=a|b, serving
    8080 (named "http" half the time)."""
    pod = draw(pod_manifests(name=st.sampled_from(POD_NAMES), namespace=st.sampled_from(NAMESPACES)))
    pod["metadata"]["labels"] = {"app": draw(st.sampled_from(APPS))}
    port = {"containerPort": 8080}
    if draw(st.booleans()):
        port["name"] = "http"
    pod["spec"]["containers"][0]["ports"] = [port]
    return pod


@st.composite
def service_manifests(draw) -> dict:
    name = draw(st.sampled_from(SERVICE_NAMES))
    ns = draw(st.sampled_from(NAMESPACES))
    kind = draw(st.sampled_from(("ClusterIP", "NodePort", "headless")))
    spec: dict = {"ports": [{"port": 80, "targetPort": draw(st.sampled_from((8080, "http")))}]}
    if kind == "headless":
        spec["clusterIP"] = "None"
    else:
        spec["type"] = kind
    if draw(st.integers(0, 4)):
        spec["selector"] = {"app": draw(st.sampled_from(APPS))}
    if draw(st.integers(0, 3)) == 0:
        spec["publishNotReadyAddresses"] = True
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


class ServiceMachine(ClusterMachine):
    services = Bundle("services")

    @rule(target=ClusterMachine.pods, pod=labelled_pods())
    def create_labelled_pod(self, pod: dict):
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        if self._pod(key) is not None:
            return multiple()
        self.cluster.apply(pod)
        return key

    @rule(target=services, svc=service_manifests())
    def create_service(self, svc: dict):
        key = (svc["metadata"]["namespace"], svc["metadata"]["name"])
        if self.engine.get("Service", *key) is not None:
            return multiple()
        self.cluster.apply(svc)
        return key

    @rule(svc=services, app=st.sampled_from(APPS + (None,)))
    def change_selector(self, svc: tuple, app) -> None:
        """Re-apply the Service with another selector (app=None: none, its
        endpoints become the user's)."""
        from kstate.io.manifests import to_manifest
        cur = self.engine.get("Service", *svc)
        if cur is None:
            return
        m = to_manifest(cur)
        spec = {k: m["spec"][k] for k in ("ports", "clusterIP", "type", "publishNotReadyAddresses")
                if k in m["spec"]}
        if app is not None:
            spec["selector"] = {"app": app}
        self.cluster.apply({"apiVersion": "v1", "kind": "Service",
                            "metadata": {"name": svc[1], "namespace": svc[0]}, "spec": spec})

    @rule(svc=services)
    def delete_service(self, svc: tuple) -> None:
        if self.engine.get("Service", *svc) is not None:
            self.cluster.delete("Service", svc[1], svc[0])

    def controller_keys(self) -> dict:
        keys = super().controller_keys()
        svc_keys = [(s.metadata.namespace, s.metadata.name) for s in self.engine.store.list("Service")]
        keys[epc.ENDPOINTS] = svc_keys
        keys[epc.SLICES] = svc_keys
        return keys

    def liveness_problems(self) -> list:
        out = super().liveness_problems()
        eng = self.engine
        if kpc.NAME in eng.controllers:
            st_ = eng.index(kpc.SYNC_INDEX)
            if st_.pending:
                out.append(f"kube-proxy never synced {sorted(st_.pending)}")
            from kstate.kinds.network import proxy_slices
            from kstate.network import kubeproxy as kp
            svcs = eng.list("Service")
            for node in eng.list("Node")[:2]:
                name = node.metadata.name
                ip = next((a.address for a in node.status.addresses if a.type == "InternalIP"), "")
                want = kp.iptables_save(svcs, proxy_slices(eng, svcs), name,
                                        kp.ProxyConfig(cluster_cidr=eng.cluster_cidr, node_ip=ip))
                if self.cluster.iptables(name) != want:
                    out.append(f"kube-proxy's rules on {name} are not a full render of the API's state")
        return out


__all__ = ["ServiceMachine", "labelled_pods", "service_manifests"]
