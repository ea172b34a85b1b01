"""YAML and dict ⇄ resources: parsing, defaults, validation with field paths,
and the Kubernetes JSON shape (`to_manifest`)."""
from kstate.io.manifests import (
    TIMING_ANNOTATIONS, load_documents, load_file, parse_manifests, parse_object,
    parse_pod_template, pod_template_to_manifest, qos_class, to_manifest,
)
from kstate.io.names import to_camel, to_snake

__all__ = [
    "TIMING_ANNOTATIONS", "load_documents", "load_file", "parse_manifests", "parse_object",
    "parse_pod_template", "pod_template_to_manifest", "qos_class", "to_camel", "to_manifest", "to_snake",
]
