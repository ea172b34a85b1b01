"""PriorityClass (scheduling.k8s.io/v1) and the Priority admission plugin.

Ported cases cite plugin/pkg/admission/priority/admission_test.go
(TestPriorityClassAdmission, TestDefaultPriority, TestPodAdmission) and
pkg/apis/scheduling/validation/validation_test.go (TestValidatePriorityClass,
TestValidatePriorityClassUpdate) at the declared Kubernetes version."""
import pytest

import kstate
from kstate.io import to_manifest
from kstate.kinds.scheduling import establish_priority

SYSTEM = [("system-cluster-critical", 2000000000), ("system-node-critical", 2000001000)]


def pc(name, value, default=False, policy=None, description=None):
    d = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
         "value": value}
    if default:
        d["globalDefault"] = True
    if policy is not None:
        d["preemptionPolicy"] = policy
    if description is not None:
        d["description"] = description
    return d


def pod(name="p", cls=None, priority=None, policy=None, namespace="default"):
    spec = {"containers": [{"name": "app", "image": "nginx"}]}
    if cls is not None:
        spec["priorityClassName"] = cls
    if priority is not None:
        spec["priority"] = priority
    if policy is not None:
        spec["preemptionPolicy"] = policy
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def test_system_classes_exist_from_the_start_and_cannot_be_deleted():
    c = kstate.Cluster(nodes=0)
    assert [(p.metadata.name, p.value) for p in c.list("pc")] == SYSTEM
    with pytest.raises(kstate.Forbidden, match="this is a system priority class and cannot be deleted"):
        c.delete("PriorityClass", "system-node-critical")
    assert len(c.list("priorityclasses")) == 2


def test_priorityclass_columns_and_manifest():
    c = kstate.Cluster(nodes=0)
    c.apply(pc("high", 1000, policy="Never", description="batch"))
    from kstate.io.tables import kind_table
    rows = kind_table(c, "PriorityClass")
    assert rows[0].split() == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert rows[1].split() == ["high", "1000", "false", "0s", "Never"]
    out = to_manifest(c.get("pc", "high"))
    assert (out["value"], out["description"], out["preemptionPolicy"]) == (1000, "batch", "Never")
    assert kstate.parse_manifests(out)[0].spec == c.get("pc", "high").spec


# TestPodAdmission: the pod's priority and preemption policy come from its class.
@pytest.mark.parametrize("classes,p,want", [
    # "Pod with no priority class": no default class → 0, PreemptLowerPriority
    ([], pod(), ("", 0, "PreemptLowerPriority")),
    # "pod with default priority": the global default class
    ([pc("default1", 1000, default=True)], pod(), ("default1", 1000, "PreemptLowerPriority")),
    # "pod with a priority class"
    ([pc("default1", 1000, default=True), pc("cluster-2", 2000)], pod(cls="cluster-2"),
     ("cluster-2", 2000, "PreemptLowerPriority")),
    # "pod with system critical priority in non-system namespace" is admitted
    ([], pod(cls="system-cluster-critical", namespace="default"),
     ("system-cluster-critical", 2000000000, "PreemptLowerPriority")),
    # "pod with a priority class that matches the computed priority"
    ([pc("cluster-2", 2000)], pod(cls="cluster-2", priority=2000), ("cluster-2", 2000, "PreemptLowerPriority")),
    # "pod with non-preempting priority class": the class's policy
    ([pc("nopreempt", 50, policy="Never")], pod(cls="nopreempt"), ("nopreempt", 50, "Never")),
    # a default class that never preempts gives its policy to pods without a class
    ([pc("nopreempt", 50, default=True, policy="Never")], pod(), ("nopreempt", 50, "Never")),
])
def test_pod_admission_resolves_priority(classes, p, want):
    c = kstate.Cluster(nodes=0)
    if classes:
        c.apply(classes)
    got = c.apply(p)
    extra = got.spec.extra
    assert (extra.get("priorityClassName", ""), got.spec.priority, extra.get("preemptionPolicy")) == want


# TestPodAdmission: refusals (admission.NewForbidden), and nothing is created.
@pytest.mark.parametrize("classes,p,path,message", [
    # "pod with a non-existing priority class"
    ([], pod(cls="foo"), "spec.priorityClassName", 'pods "p" is forbidden: no PriorityClass with name foo was found'),
    # "pod with a priority that differs from the computed one"
    ([pc("cluster-2", 2000)], pod(cls="cluster-2", priority=3000), "spec.priority",
     'pods "p" is forbidden: the integer value of priority (3000) must not be provided in pod spec; priority '
     "admission controller computed 2000 from the given PriorityClass name"),
    # a priority without a class, and no default: 0 is computed
    ([], pod(priority=5), "spec.priority",
     "the integer value of priority (5) must not be provided in pod spec; priority admission controller "
     "computed 0 from the given PriorityClass name"),
    # "pod with a preemption policy that differs from the class's"
    ([pc("nopreempt", 50, policy="Never")], pod(cls="nopreempt", policy="PreemptLowerPriority"),
     "spec.preemptionPolicy",
     'pods "p" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in '
     "pod spec; priority admission controller computed Never from the given PriorityClass name"),
])
def test_pod_admission_refusals(classes, p, path, message):
    c = kstate.Cluster(nodes=0)
    if classes:
        c.apply(classes)
    before = c.snapshot()
    with pytest.raises(kstate.Forbidden) as e:
        c.apply(p)
    assert (e.value.path, e.value.message.endswith(message)) == (path, True)
    assert isinstance(e.value, kstate.SpecError)
    assert c.snapshot() == before


def test_class_applied_in_the_same_apply_counts_and_a_refused_pod_refuses_the_whole_apply():
    c = kstate.Cluster(nodes=0)
    got = c.apply([pc("batch", 7), pod(cls="batch")])
    assert got[1].spec.priority == 7
    before = c.snapshot()
    with pytest.raises(kstate.Forbidden):
        c.apply([pc("other", 8), pod("q", cls="missing")])
    assert c.snapshot() == before


# TestPriorityClassAdmission: only one global default.
def test_only_one_global_default():
    c = kstate.Cluster(nodes=0)
    c.apply(pc("default1", 1000, default=True))
    with pytest.raises(kstate.Forbidden, match="PriorityClass default1 is already marked as default. Only one "
                                               "default can exist"):
        c.apply(pc("default2", 2000, default=True))
    with pytest.raises(kstate.Forbidden):
        c.apply([pc("a", 1, default=True), pc("b", 2, default=True)])
    c.apply(pc("default1", 1000, default=True, description="updating the default itself is fine"))
    c.apply(pc("default1", 1000))                     # no longer the default
    assert not c.get("pc", "default1").global_default
    c.apply(pc("default2", 2000, default=True))
    assert c.apply(pod()).spec.priority == 2000


# TestDefaultPriority: the lowest value wins when several defaults exist.
def test_default_priority_lowest_value_wins():
    from kstate.resources.meta import ObjectMeta
    from kstate.resources.scheduling import PriorityClass, PriorityClassBody

    class Api:
        def list(self, kind):
            return [PriorityClass(ObjectMeta(name="a"), PriorityClassBody(300, True)),
                    PriorityClass(ObjectMeta(name="b"), PriorityClassBody(100, True)),
                    PriorityClass(ObjectMeta(name="c"), PriorityClassBody(50, False))]

        def get(self, *a):
            return None

    p = kstate.parse_manifests(pod())[0]
    assert establish_priority(p, Api()) == ("b", 100, "PreemptLowerPriority")


# TestValidatePriorityClass / TestValidatePriorityClassUpdate
@pytest.mark.parametrize("doc,path,message", [
    (pc("system-node-critical", 5), "metadata.name",
     "priority class names with 'system-' prefix are reserved for system use only. error: value of "
     "system-node-critical PriorityClass must be 2000001000"),
    (pc("system-cluster-critical", 2000000000, default=True), "metadata.name",
     "globalDefault of system-cluster-critical PriorityClass must be false"),
    (pc("tier", 1000000001), "value", "maximum allowed value of a user defined priority is 1000000000"),
    (pc("tier", 1, policy="Maybe"), "preemptionPolicy", "Unsupported value"),
])
def test_validate_priority_class(doc, path, message):
    with pytest.raises(kstate.SpecError) as e:
        kstate.parse_manifests(doc)
    assert e.value.path == path and message in e.value.message


def test_value_and_policy_are_immutable():
    c = kstate.Cluster(nodes=0)
    c.apply(pc("tier", 10))
    with pytest.raises(kstate.SpecError, match="may not be changed in an update") as e:
        c.apply(pc("tier", 11))
    assert e.value.path == "value"
    with pytest.raises(kstate.SpecError, match="field is immutable"):
        c.apply(pc("tier", 10, policy="Never"))
    assert c.apply(pc("tier", 10, description="d")).description == "d"


def test_controller_pods_get_their_priority_and_a_pod_update_keeps_it():
    c = kstate.Cluster(nodes=1)
    c.apply([pc("web", 500), {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"priorityClassName": "web",
                                       "containers": [{"name": "app", "image": "nginx"}]}}}}])
    c.run_until_stable()
    assert sorted(p.spec.priority for p in c.list("Pod")) == [500, 500]
    c.apply(pc("low", 1, default=True))
    p = c.apply(pod("solo"))
    assert (p.spec.priority, p.spec.extra["priorityClassName"]) == (1, "low")
    # kubectl apply of the same manifest later: what admission added stays.
    again = c.apply(pod("solo"))
    assert (again.spec.priority, again.spec.extra["priorityClassName"]) == (1, "low")


def test_the_default_class_a_new_pod_gets_follows_every_change_of_the_classes():
    # the engine remembers the default between pod creates (DEFAULT_CLASS_MEMO):
    # a class created, made or unmade the default by an update, or deleted, and
    # a restored snapshot, all count for the next pod.
    c = kstate.Cluster(nodes=0)

    def got(name):
        p = c.apply(pod(name))
        return p.spec.priority, p.spec.extra.get("priorityClassName", "")

    assert got("a") == (0, "")
    c.apply(pc("low", 5, default=True))
    assert got("b") == (5, "low")
    c.apply(pc("low", 5))
    assert got("c") == (0, "")
    c.apply(pc("low", 5, default=True))
    assert got("d") == (5, "low")
    c.delete("PriorityClass", "low")
    assert got("e") == (0, "")
    c.apply(pc("high", 9, default=True))
    c = kstate.Cluster.restore(c.snapshot())
    assert got("f") == (9, "high")
    c.delete("PriorityClass", "high")
    assert got("g") == (0, "")
