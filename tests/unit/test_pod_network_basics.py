"""Pod networking as it is (issue 10, item 1): containers of a pod share its
network namespace (two of them cannot declare one containerPort+protocol;
Kubernetes only warns, pkg/api/pod/warnings.go, and the second cannot bind),
and a hostNetwork pod takes its node's IP (kubelet_pods.go
generateAPIPodStatus) without needing the node's pod CIDR."""
from __future__ import annotations

import pytest

import kstate
from kstate.errors import SpecError


def pod(name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": containers, **spec}}


def c(name, *ports):
    return {"name": name, "image": "nginx", "ports": [dict(p) for p in ports]}


@pytest.mark.parametrize("containers,init,path", [
    ([c("a", {"containerPort": 80}), c("b", {"containerPort": 80})], None, "spec.containers[1].ports[0].containerPort"),
    ([c("a", {"containerPort": 53, "protocol": "UDP"}), c("b", {"containerPort": 8080},
                                                           {"containerPort": 53, "protocol": "UDP"})],
     None, "spec.containers[1].ports[1].containerPort"),
    ([c("a", {"containerPort": 80})], [dict(c("side", {"containerPort": 80}), restartPolicy="Always")],
     "spec.containers[0].ports[0].containerPort"),
])
def test_two_containers_on_one_port_are_refused(containers, init, path):
    k = kstate.Cluster(nodes=1)
    extra = {"initContainers": init} if init else {}
    with pytest.raises(SpecError) as e:
        k.apply(pod("p", containers, **extra))
    assert e.value.path == path and "duplicate port definition with" in str(e.value)
    assert k.list("Pod") == []


def test_ports_that_do_not_clash_are_accepted():
    k = kstate.Cluster(nodes=1)
    k.apply(pod("p", [c("a", {"containerPort": 80}, {"containerPort": 80, "protocol": "UDP"}),
                      c("b", {"containerPort": 81})],
                initContainers=[c("setup", {"containerPort": 80})]))     # a plain init container runs before
    assert k.get("Pod", "p").metadata.name == "p"


def test_a_host_network_pod_takes_its_nodes_ip_and_traces_reach_the_node():
    k = kstate.Cluster(nodes=2)
    k.apply([pod("h", [c("a", {"containerPort": 9100})], hostNetwork=True, nodeName="node-1"),
             pod("p", [c("a", {"containerPort": 80})], nodeName="node-0")])
    k.run_until_stable()
    node_ip = next(a.address for a in k.get("Node", "node-1").status.addresses if a.type == "InternalIP")
    assert k.get("Pod", "h").status.pod_ip == node_ip
    assert k.get("Pod", "p").status.pod_ip.startswith("10.244.")
    t = k.trace_packet("p", "h", port=9100)
    assert t.verdict == "delivered" and "flannel.1" not in t.render() and "uses the host network" in t.render()
    assert k.violations() == []


def test_a_host_network_pod_starts_on_a_node_without_a_pod_cidr():
    k = kstate.Cluster(nodes=1, cluster_cidr="10.244.0.0/24", node_cidr_mask=24)
    k.add_node("node-1")                    # no subnet left for it
    assert not k.get("Node", "node-1").spec.pod_cidr
    k.apply([pod("h", [c("a")], hostNetwork=True, nodeName="node-1"), pod("p", [c("a")], nodeName="node-1")])
    k.advance("10s")
    assert k.get("Pod", "h").status.phase == "Running"
    assert k.get("Pod", "p").status.state == "Scheduled"
