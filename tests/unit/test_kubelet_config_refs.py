"""Pods that reference ConfigMaps and Secrets the kubelet cannot find.

Expected statuses and messages follow the Kubernetes v1.35 sources cited in
kstate/controllers/configrefs.py: the configmap / secret / projected volume
plugins (SetUpAt, MakePayload, collectData), operation_generator.go
GenerateMountVolumeFunc ("MountVolume.SetUp failed for volume ..."),
exponential_backoff.go (mount retries at 500 ms doubling, max 2m2s),
kubelet_pods.go makeEnvironmentVariables and kuberuntime_container.go
startContainer (CreateContainerConfigError, Warning "Failed" "Error: ...").
"""
import pytest

import kstate
from kstate.controllers import configrefs, kubelet
from kstate.controllers.actions import NOTHING
from kstate.io.tables import pod_row

S = 1000


def _cluster():
    return kstate.Cluster(nodes=1, seed=1)


def _pod(c, name="p", volumes=None, env=None, env_from=None, init=None, containers=None):
    app = {"name": "app", "image": "nginx"}
    if env is not None:
        app["env"] = env
    if env_from is not None:
        app["envFrom"] = env_from
    spec = {"containers": containers or [app]}
    if volumes is not None:
        spec["volumes"] = volumes
    if init is not None:
        spec["initContainers"] = init
    return c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


def _cm(c, name, data=None, binary=None):
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    if data is not None:
        doc["data"] = data
    if binary is not None:
        doc["binaryData"] = binary
    return c.apply(doc)


def _secret(c, name, data=None, string_data=None):
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}}
    if data is not None:
        doc["data"] = data
    if string_data is not None:
        doc["stringData"] = string_data
    return c.apply(doc)


#: the container start and stop events (tests/unit/test_kubelet_events.py checks them).
_LIFECYCLE = ("Scheduled", "Pulling", "Pulled", "Created", "Started", "Killing")


def _events(c, name="p", reason=None):
    return [(e.reason, e.type, e.message, e.count) for e in c.events("Pod", name)
            if e.reason not in _LIFECYCLE and (reason is None or e.reason == reason)]


def _app(c, name="p"):
    return c.get("Pod", name).status.container_statuses[0]


def _row(c, name="p"):
    """kubectl get pods: READY, STATUS, RESTARTS."""
    return pod_row(c.get("Pod", name), c.engine.now)[1:4]


# ------------------------------------------------------------------ volumes


def test_missing_configmap_volume_waits_with_failed_mount_then_starts():
    c = _cluster()
    _pod(c, volumes=[{"name": "config", "configMap": {"name": "web"}}])
    c.advance("10s")
    p = c.get("Pod", "p")
    assert (p.status.state, p.status.phase) == ("ContainerCreating", "Pending")
    assert _app(c).state.kind == "waiting" and _app(c).state.reason == "ContainerCreating"
    assert _row(c) == ["0/1", "ContainerCreating", "0"]
    # attempts at 0, 0.5, 1.5, 3.5, 7.5 s (back-off 500 ms doubling)
    msg = 'MountVolume.SetUp failed for volume "config" : configmap "web" not found'
    assert _events(c) == [("FailedMount", "Warning", msg, 5)]
    _cm(c, "web", {"a": "1"})
    c.advance("5s")    # 15 s: the next attempt is at 15.5 s
    assert c.get("Pod", "p").status.state == "ContainerCreating"
    c.advance("1s")    # mounted at 15.5 s; containers start 1 s later (kstate.io/start-after)
    assert c.get("Pod", "p").status.state == "ContainerCreating"
    c.advance("1s")
    p = c.get("Pod", "p")
    assert (p.status.state, p.status.phase) == ("Running", "Running")
    assert _app(c).state.started_at == c.engine.start + 16_500
    assert _events(c) == [("FailedMount", "Warning", msg, 5)]


def test_failed_mount_backoff_caps_at_2m2s():
    c = _cluster()
    _pod(c, volumes=[{"name": "config", "configMap": {"name": "web"}}])
    # 0, .5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 127.5 (back-off 64 s → 128 s capped to 122 s), 249.5, 371.5
    c.advance("371s")
    assert _events(c)[0][3] == 10
    c.advance("1s")
    assert _events(c)[0][3] == 11


@pytest.mark.parametrize("volume,message", [
    ({"name": "creds", "secret": {"secretName": "db"}},
     'MountVolume.SetUp failed for volume "creds" : secret "db" not found'),
    ({"name": "all", "projected": {"sources": [{"configMap": {"name": "web"}}, {"secret": {"name": "db"}}]}},
     'MountVolume.SetUp failed for volume "all" : [configmap "web" not found, secret "db" not found]'),
    ({"name": "all", "projected": {"sources": [{"configMap": {"name": "web", "optional": True}},
                                               {"secret": {"name": "db"}}]}},
     'MountVolume.SetUp failed for volume "all" : secret "db" not found'),
])
def test_missing_secret_and_projected_sources(volume, message):
    c = _cluster()
    _pod(c, volumes=[volume])
    c.advance("1s")
    assert _events(c) == [("FailedMount", "Warning", message, 2)]
    assert c.get("Pod", "p").status.state == "ContainerCreating"


def test_missing_key_in_items_of_existing_configmap_and_secret():
    c = _cluster()
    _cm(c, "web", {"a": "1"}, binary={"blob": "AAE="})
    _secret(c, "db", string_data={"user": "u"})
    _pod(c, volumes=[{"name": "config", "configMap": {"name": "web", "items": [
                          {"key": "a", "path": "a"}, {"key": "blob", "path": "b"}, {"key": "LEVEL", "path": "l"}]}},
                     {"name": "creds", "secret": {"secretName": "db", "items": [
                          {"key": "user", "path": "u"}, {"key": "password", "path": "p"}]}}])
    c.advance("0s")
    assert _events(c) == [
        ("FailedMount", "Warning",
         'MountVolume.SetUp failed for volume "config" : configmap references non-existent config key: LEVEL', 1),
        ("FailedMount", "Warning",
         'MountVolume.SetUp failed for volume "creds" : references non-existent secret key: password', 1)]
    # the key added to the existing objects: mounted at the next attempt (0.5 s)
    _cm(c, "web", {"a": "1", "LEVEL": "info"}, binary={"blob": "AAE="})
    _secret(c, "db", string_data={"user": "u", "password": "p"})
    c.advance("2s")
    assert c.get("Pod", "p").status.state == "Running"


def test_optional_volumes_are_not_waited_for():
    c = _cluster()
    _cm(c, "web", {"a": "1"})
    _pod(c, volumes=[{"name": "v1", "configMap": {"name": "missing", "optional": True}},
                     {"name": "v2", "secret": {"secretName": "missing", "optional": True}},
                     {"name": "v3", "configMap": {"name": "web", "optional": True,
                                                  "items": [{"key": "nope", "path": "n"}]}}])
    c.advance("2s")
    assert c.get("Pod", "p").status.state == "Running"
    assert _events(c) == []


def test_init_containers_wait_for_volumes_too():
    c = _cluster()
    _pod(c, volumes=[{"name": "config", "configMap": {"name": "web"}}],
         init=[{"name": "init", "image": "busybox"}])
    c.advance("5s")
    p = c.get("Pod", "p")
    assert p.status.state == "Initializing"
    assert [s.state.reason for s in p.status.init_container_statuses] == ["PodInitializing"]
    assert _row(c) == ["0/1", "Init:0/1", "0"]
    _cm(c, "web", {})
    c.advance("2s")    # 7 s: the next attempt is at 7.5 s
    assert c.get("Pod", "p").status.init_container_statuses[0].state.kind == "waiting"
    c.advance("1s")    # the init container started at 7.5 s
    assert c.get("Pod", "p").status.init_container_statuses[0].state.started_at == c.engine.start + 7_500


# ------------------------------------------------------------------ env


@pytest.mark.parametrize("env,env_from,message", [
    ([{"name": "L", "valueFrom": {"configMapKeyRef": {"name": "web", "key": "LEVEL"}}}], None,
     'configmap "web" not found'),
    ([{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}], None,
     'secret "db" not found'),
    (None, [{"configMapRef": {"name": "web"}}], 'configmap "web" not found'),
    (None, [{"secretRef": {"name": "db"}}], 'secret "db" not found'),
    # envFrom is read before env
    ([{"name": "L", "valueFrom": {"configMapKeyRef": {"name": "web", "key": "LEVEL"}}}],
     [{"secretRef": {"name": "db"}}], 'secret "db" not found'),
])
def test_missing_env_object_is_create_container_config_error(env, env_from, message):
    c = _cluster()
    _pod(c, env=env, env_from=env_from)
    c.advance("5s")
    p = c.get("Pod", "p")
    st = _app(c)
    assert (p.status.state, p.status.phase) == ("ContainerCreating", "Pending")
    assert (st.state.kind, st.state.reason, st.state.message) == ("waiting", "CreateContainerConfigError", message)
    assert not st.ready and st.restart_count == 0
    assert _events(c) == [("Failed", "Warning", f"Error: {message}", 1)]
    assert _row(c) == ["0/1", "CreateContainerConfigError", "0"]


def test_missing_key_then_recovery_when_key_appears():
    c = _cluster()
    _pod(c, env=[{"name": "L", "valueFrom": {"configMapKeyRef": {"name": "web", "key": "LEVEL"}}},
                 {"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}])
    c.advance("5s")
    _cm(c, "web", {"OTHER": "x"}, binary={"LEVEL": "AAE="})    # binaryData does not count for env
    c.advance("1s")
    assert _app(c).state.message == "couldn't find key LEVEL in ConfigMap default/web"
    _cm(c, "web", {"LEVEL": "info"})
    c.advance("1s")
    assert _app(c).state.message == 'secret "db" not found'
    _secret(c, "db", {"user": "dQ=="})
    c.advance("1s")
    assert _app(c).state.message == "couldn't find key password in Secret default/db"
    assert c.get("Pod", "p").status.state == "ContainerCreating"
    _secret(c, "db", string_data={"password": "p"})
    c.advance("1s")
    p = c.get("Pod", "p")
    assert (p.status.state, p.status.phase) == ("Running", "Running")
    assert _app(c).state.started_at == c.engine.start + 8_000
    assert _events(c) == [
        ("Failed", "Warning", 'Error: configmap "web" not found', 1),
        ("Failed", "Warning", "Error: couldn't find key LEVEL in ConfigMap default/web", 1),
        ("Failed", "Warning", 'Error: secret "db" not found', 1),
        ("Failed", "Warning", "Error: couldn't find key password in Secret default/db", 1)]


def test_optional_env_refs_are_ignored():
    c = _cluster()
    _cm(c, "web", {"a": "1"})
    _pod(c, env=[{"name": "L", "valueFrom": {"configMapKeyRef": {"name": "web", "key": "LEVEL", "optional": True}}},
                 {"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw", "optional": True}}}],
         env_from=[{"configMapRef": {"name": "nope", "optional": True}}, {"secretRef": {"name": "no", "optional": True}}])
    c.advance("2s")
    assert c.get("Pod", "p").status.state == "Running"
    assert _events(c) == []


def test_other_containers_start_beside_one_that_cannot():
    c = _cluster()
    _pod(c, containers=[{"name": "a", "image": "nginx"},
                        {"name": "b", "image": "nginx", "envFrom": [{"configMapRef": {"name": "web"}}]}])
    c.advance("5s")
    p = c.get("Pod", "p")
    assert p.status.state == "Running" and p.status.phase == "Pending"   # getPhase: a waiting container
    assert [(s.name, s.state.kind, s.state.reason) for s in p.status.container_statuses] == [
        ("a", "running", ""), ("b", "waiting", "CreateContainerConfigError")]
    assert _row(c) == ["1/2", "CreateContainerConfigError", "0"]
    _cm(c, "web", {})
    c.advance("1s")
    p = c.get("Pod", "p")
    assert p.status.phase == "Running" and all(s.state.kind == "running" for s in p.status.container_statuses)


def test_init_container_config_error_blocks_initialization():
    c = _cluster()
    _pod(c, init=[{"name": "init", "image": "busybox", "envFrom": [{"secretRef": {"name": "db"}}]}])
    c.advance("5s")
    p = c.get("Pod", "p")
    assert p.status.state == "Initializing" and p.status.phase == "Pending"
    st = p.status.init_container_statuses[0]
    assert (st.state.reason, st.state.message) == ("CreateContainerConfigError", 'secret "db" not found')
    assert _app(c).state.reason == "PodInitializing"
    assert _row(c) == ["0/1", "Init:CreateContainerConfigError", "0"]
    _secret(c, "db", {})
    c.advance("0s")    # started at once (and done: the default init duration is 0)
    st = c.get("Pod", "p").status.init_container_statuses[0]
    assert st.state.started_at == c.engine.start + 5_000
    c.advance("5s")
    assert c.get("Pod", "p").status.phase == "Running"


def test_unrelated_configmap_changes_write_nothing():
    c = _cluster()
    _pod(c, env_from=[{"configMapRef": {"name": "web"}}])
    c.advance("5s")
    n = len(c.engine.trace)
    _cm(c, "other", {})
    _cm(c, "other", {"a": "1"})
    c.advance("1s")
    assert [t[2] for t in c.engine.trace[n:]] == ["ConfigMap", "ConfigMap"]


# ------------------------------------------------------------------ index, watch, purity


def test_index_tracks_references_and_watch_maps_only_referencing_pods():
    c = _cluster()
    _pod(c, "a", volumes=[{"name": "v", "projected": {"sources": [{"secret": {"name": "db"}}]}}])
    _pod(c, "b", env_from=[{"configMapRef": {"name": "web"}}])
    _pod(c, "plain")
    idx = c.engine.indexes[kubelet.POD_CONFIG_REFS]
    assert idx["by_ref"] == {("Secret", "default", "db"): {("default", "a")},
                             ("ConfigMap", "default", "web"): {("default", "b")}}
    web = _cm(c, "web", {})
    assert kubelet.watch_config_refs(None, web, c.engine) == (("default", "b"),)
    assert kubelet.watch_config_refs(None, _cm(c, "zzz", {}), c.engine) == ()
    c.delete("Pod", "b", grace_period=0)
    c.advance("1s")
    assert ("ConfigMap", "default", "web") not in idx["by_ref"] and ("default", "b") not in idx["by_pod"]


def test_refs_of_a_pod():
    c = _cluster()
    p = _pod(c, volumes=[{"name": "v", "configMap": {"name": "a"}}, {"name": "w", "secret": {"secretName": "b"}},
                         {"name": "x", "emptyDir": {}}],
             init=[{"name": "i", "image": "busybox", "env": [
                 {"name": "E", "valueFrom": {"secretKeyRef": {"name": "c", "key": "k", "optional": True}}}]}],
             env=[{"name": "F", "value": "plain"}])
    assert configrefs.pod_refs(p) == {("ConfigMap", "a"), ("Secret", "b"), ("Secret", "c")}


def test_refs_of_pods_sharing_a_templates_containers():
    """pod_refs is memoised on the identity of what it reads: pods made from
    one template with attrs.evolve share the containers tuple, but one with
    other volumes or init containers has other references."""
    import attrs
    c = _cluster()
    p = _pod(c, volumes=[{"name": "v", "configMap": {"name": "a"}}],
             init=[{"name": "i", "image": "busybox", "env": [
                 {"name": "E", "valueFrom": {"secretKeyRef": {"name": "c", "key": "k"}}}]}])
    bare = _pod(c, name="q")
    no_volumes = attrs.evolve(p, spec=attrs.evolve(p.spec, extra=bare.spec.extra))
    no_inits = attrs.evolve(p, spec=attrs.evolve(p.spec, init_containers=()))
    assert configrefs.pod_refs(p) == {("ConfigMap", "a"), ("Secret", "c")}
    assert configrefs.pod_refs(no_volumes) == {("Secret", "c")}
    assert configrefs.pod_refs(no_inits) == {("ConfigMap", "a")}
    assert configrefs.pod_refs(p) == {("ConfigMap", "a"), ("Secret", "c")}


def test_reconcile_is_pure_and_quiet_at_its_fixed_point():
    c = _cluster()
    _pod(c, env_from=[{"configMapRef": {"name": "web"}}])
    c.advance("5s")
    obs = kubelet.observe_kubelet(c.engine, ("default", "p"))
    assert kubelet.reconcile_kubelet(obs, c.engine.now) == NOTHING
    assert obs.config == {("ConfigMap", "web"): None}
    _pod(c, "m", volumes=[{"name": "v", "configMap": {"name": "web"}}])
    c.advance("0s")
    obs = kubelet.observe_kubelet(c.engine, ("default", "m"))
    first = kubelet.reconcile_kubelet(obs, c.engine.now)
    assert first == kubelet.reconcile_kubelet(obs, c.engine.now)
    assert first.actions == () and first.requeue_after == 500


def test_snapshot_keeps_the_index_and_the_mount_back_off():
    c = _cluster()
    _pod(c, volumes=[{"name": "config", "configMap": {"name": "web"}}])
    _pod(c, "q", env_from=[{"configMapRef": {"name": "web"}}])
    c.advance("5s")
    r = kstate.Cluster.restore(c.snapshot())
    for cluster in (c, r):
        _cm(cluster, "web", {})
        cluster.advance("4s")    # the env pod starts at 5 s; the volume mounts at the 7.5 s retry, +1 s
        assert cluster.get("Pod", "q").status.container_statuses[0].state.started_at == cluster.engine.start + 5_000
        assert cluster.get("Pod", "p").status.container_statuses[0].state.started_at == cluster.engine.start + 8_500
    assert r.engine.trace == c.engine.trace
