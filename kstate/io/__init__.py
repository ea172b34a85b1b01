"""YAML and dict ⇄ resources: parsing, defaults, validation with field paths,
and the Kubernetes JSON shape (`to_manifest`); timing profiles; scenario files
and the kubectl-style tables.

Modules, each importing only those listed before it (no circles):

    names                camelCase ⇄ snake_case field names
    fields               the field walker and Kubernetes error wording
    yamlio               YAML text → documents (the only module importing yaml)
    selectors            metav1.LabelSelector
    core_v1_container    core/v1 Container
    core_v1_scheduling   core/v1 tolerations and node affinity
    core_v1_pod          core/v1 Pod, PodSpec, PodStatus, pod templates
    core_v1              core/v1 Node, Namespace, ReplicationController, Event
    apps_v1              apps/v1 ReplicaSet, Deployment
    batch_v1             batch/v1 Job, CronJob
    manifests            dispatch: parse_object, parse_manifests, load_file, to_manifest
    workloads            re-exports for old imports
    profile              timing profiles
    tables               kubectl-style tables of a cluster
    scenario_model       the parsed scenario
    scenario_runner      running a scenario
    scenario             parsing scenario files; re-exports the scenario API

What is listed in `__all__` below is the stable API.
"""
from kstate.io.manifests import (
    TIMING_ANNOTATIONS, load_documents, load_file, load_sourced_file, parse_manifests, parse_object,
    parse_sourced_manifests,
    parse_pod_template, pod_template_to_manifest, qos_class, to_manifest,
)
from kstate.io.names import to_camel, to_snake

__all__ = [
    "TIMING_ANNOTATIONS", "load_documents", "load_file", "load_sourced_file", "parse_manifests", "parse_object",
    "parse_sourced_manifests",
    "parse_pod_template", "pod_template_to_manifest", "qos_class", "to_camel", "to_manifest", "to_snake",
]
