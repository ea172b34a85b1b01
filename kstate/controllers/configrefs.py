"""What a pod needs of ConfigMaps and Secrets before the kubelet can run it.

Owns: the references a pod makes (`pod_refs`: configMap / secret volumes,
projected volume sources, env valueFrom configMapKeyRef / secretKeyRef and
envFrom configMapRef / secretRef of every init and app container), and the
kubelet's verdict on them given the objects it can read
(`volume_errors`, `container_config_error`), in the kubelet's wording.
Pure: the referenced objects come in as a mapping (kind, name) → object or
None, read by the kubelet's observe through the view. Volumes and env are
kept verbatim as frozen JSON in `PodSpec.extra["volumes"]` and
`Container.extra["env"/"envFrom"]`; ConfigMaps and Secrets are stored
`Unstructured` objects. Must not import engine/ or io/.

Kubernetes sources (v1.35):
- pkg/volume/configmap/configmap.go (configMapVolumeMounter.SetUpAt,
  MakePayload: "configmap references non-existent config key: <key>"),
  pkg/volume/secret/secret.go (secretVolumeMounter.SetUpAt, MakePayload:
  "references non-existent secret key: <key>"), pkg/volume/projected/
  projected.go (collectData: one error per failing source, joined by
  utilerrors.NewAggregate);
- pkg/kubelet/configmap/configmap_manager.go and secret/secret_manager.go
  (the watch-based managers' group resources "configmap" and "secret", so a
  missing object reads `configmap "x" not found` / `secret "x" not found`);
- pkg/volume/util/operationexecutor/operation_generator.go
  (GenerateMountVolumeFunc: `MountVolume.SetUp failed for volume "<vol>" : <err>`);
- pkg/kubelet/kubelet_pods.go makeEnvironmentVariables (envFrom first, then
  env in order; "couldn't find key <k> in ConfigMap <ns>/<name>", "couldn't
  find key <k> in Secret <ns>/<name>"; an env key is looked up in ConfigMap
  data only, never binaryData).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

CONFIGMAP, SECRET = "ConfigMap", "Secret"


def _items(value: Any) -> Iterable:
    return value if isinstance(value, (list, tuple)) else ()


def _get(d: Any, key: str) -> Any:
    return d.get(key) if hasattr(d, "get") else None


def _optional(src: Any) -> bool:
    return _get(src, "optional") is True


def _volume_sources(pod) -> Iterable[tuple[str, str, str, Any]]:
    """(volume name, kind, object name, source) of every ConfigMap / Secret a volume mounts."""
    for vol in _items(pod.spec.extra.get("volumes")):
        name = _get(vol, "name") or ""
        cm, sec, proj = _get(vol, "configMap"), _get(vol, "secret"), _get(vol, "projected")
        if cm is not None:
            yield name, CONFIGMAP, _get(cm, "name") or "", cm
        if sec is not None:
            yield name, SECRET, _get(sec, "secretName") or "", sec
        if proj is not None:
            for src in _items(_get(proj, "sources")):
                pcm, psec = _get(src, "configMap"), _get(src, "secret")
                if pcm is not None:
                    yield name, CONFIGMAP, _get(pcm, "name") or "", pcm
                if psec is not None:
                    yield name, SECRET, _get(psec, "name") or "", psec


def _env_refs(c) -> Iterable[tuple[str, str, Optional[str], bool]]:
    """(kind, name, key or None for envFrom, optional), envFrom first then env,
    as makeEnvironmentVariables reads them."""
    for ef in _items(c.extra.get("envFrom")):
        for field, kind in (("configMapRef", CONFIGMAP), ("secretRef", SECRET)):
            ref = _get(ef, field)
            if ref is not None:
                yield kind, _get(ref, "name") or "", None, _optional(ref)
    for ev in _items(c.extra.get("env")):
        vf = _get(ev, "valueFrom")
        if vf is None:
            continue
        for field, kind in (("configMapKeyRef", CONFIGMAP), ("secretKeyRef", SECRET)):
            ref = _get(vf, field)
            if ref is not None:
                yield kind, _get(ref, "name") or "", _get(ref, "key") or "", _optional(ref)


_ENV_FREE_MEMO: dict = {}


def env_ref_free(containers) -> bool:
    """No container of `containers` reads a ConfigMap or Secret through env
    or envFrom, so container_config_error is None for each of them whatever
    exists. Memoised on the identity of the tuple (pods of one template share it)."""
    hit = _ENV_FREE_MEMO.get(id(containers))
    if hit is not None and hit[0] is containers:
        return hit[1]
    free = not any(True for c in containers for _ in _env_refs(c))
    if len(_ENV_FREE_MEMO) > 4096:
        _ENV_FREE_MEMO.clear()
    _ENV_FREE_MEMO[id(containers)] = (containers, free)
    return free


_REFS_MEMO: dict = {}


def pod_refs(pod) -> frozenset:
    """Every (kind, name) of ConfigMap or Secret the pod's volumes and
    containers reference (optional ones included: their object appearing
    changes what the containers see). Memoised on the identity of the parts
    it reads, which pods of one template share (binding gives a pod its own
    PodSpec, not new containers)."""
    spec = pod.spec
    hit = _REFS_MEMO.get(id(spec.containers))
    if hit is not None:
        held = hit[0]
        if held[0] is spec.containers and held[1] is spec.init_containers and held[2] is spec.extra:
            return hit[1]
    parts = (spec.containers, spec.init_containers, spec.extra)
    out = {(kind, name) for _v, kind, name, _s in _volume_sources(pod) if name}
    for c in spec.init_containers + spec.containers:
        out.update((kind, name) for kind, name, _k, _o in _env_refs(c) if name)
    refs = frozenset(out)
    if len(_REFS_MEMO) > 4096:
        _REFS_MEMO.clear()
    _REFS_MEMO[id(spec.containers)] = (parts, refs)
    return refs


def not_found(kind: str, name: str) -> str:
    """apierrors.NewNotFound with the kubelet managers' group resource."""
    return f'{"configmap" if kind == CONFIGMAP else "secret"} "{name}" not found'


def _has_key(obj, kind: str, key: str, binary: bool) -> bool:
    """Secret data (the API server merges stringData into it); ConfigMap
    data, and binaryData too where the volume plugin reads it."""
    fields = ("data", "stringData") if kind == SECRET else (("data", "binaryData") if binary else ("data",))
    return any(key in (obj.field(f) or {}) for f in fields)


def _source_error(kind: str, name: str, src: Any, objects: Mapping) -> Optional[str]:
    """One volume source's SetUp error (configmap.go / secret.go SetUpAt, MakePayload)."""
    optional = _optional(src)
    obj = objects.get((kind, name))
    if obj is None:
        return None if optional else not_found(kind, name)
    for item in _items(_get(src, "items")):
        key = _get(item, "key") or ""
        if not _has_key(obj, kind, key, binary=True) and not optional:
            return (f"configmap references non-existent config key: {key}" if kind == CONFIGMAP
                    else f"references non-existent secret key: {key}")
    return None


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message, or the distinct ones in brackets."""
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


def volume_errors(pod, objects: Mapping) -> tuple[tuple[str, str], ...]:
    """(volume name, FailedMount message) of every volume whose SetUp fails,
    in spec order.

    Example: a configMap volume "config" of missing ConfigMap "web" →
    (("config", 'MountVolume.SetUp failed for volume "config" : configmap "web" not found'),).
    """
    out = []
    for vol in _items(pod.spec.extra.get("volumes")):
        vname = _get(vol, "name") or ""
        errs = []
        cm, sec, proj = _get(vol, "configMap"), _get(vol, "secret"), _get(vol, "projected")
        if cm is not None:
            e = _source_error(CONFIGMAP, _get(cm, "name") or "", cm, objects)
            errs += [e] if e else []
        elif sec is not None:
            e = _source_error(SECRET, _get(sec, "secretName") or "", sec, objects)
            errs += [e] if e else []
        elif proj is not None:
            for src in _items(_get(proj, "sources")):
                for field, kind in (("configMap", CONFIGMAP), ("secret", SECRET)):
                    s = _get(src, field)
                    if s is not None:
                        e = _source_error(kind, _get(s, "name") or "", s, objects)
                        errs += [e] if e else []
        if errs:
            out.append((vname, f'MountVolume.SetUp failed for volume "{vname}" : {_aggregate(errs)}'))
    return tuple(out)


def container_config_error(pod, c, objects: Mapping) -> Optional[str]:
    """makeEnvironmentVariables' first error for container `c`, or None.

    Example: env valueFrom configMapKeyRef {name: web, key: LEVEL} with web
    lacking LEVEL → "couldn't find key LEVEL in ConfigMap default/web".
    """
    ns = pod.metadata.namespace
    for kind, name, key, optional in _env_refs(c):
        obj = objects.get((kind, name))
        if obj is None:
            if optional:
                continue
            return not_found(kind, name)
        if key is not None and not _has_key(obj, kind, key, binary=False):
            if optional:
                continue
            return f"couldn't find key {key} in {kind} {ns}/{name}"
    return None
