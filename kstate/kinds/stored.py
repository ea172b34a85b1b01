"""Every other Kubernetes kind: stored, not simulated.

Owns: the table of built-in kinds kstate accepts as opaque objects (their
group/version, plural and short names as `kubectl api-resources` prints them
at the declared Kubernetes version, scope, and name rule), their KindSpecs,
and custom resources, whose KindSpec is made from their
CustomResourceDefinition. Such objects are validated for metadata, kept
verbatim, listed, deleted (with propagation), garbage-collected through
ownerReferences and snapshotted; no controller acts on them. A kind gets its
own module when kstate starts to simulate it, and leaves this table.
"""
from __future__ import annotations

from typing import Optional

from kstate.errors import SpecError
from kstate.io.stored import BUILTIN_GROUPS, decode_custom, decode_stored, is_custom_group, stored_to_manifest  # noqa: F401
from kstate.io import tables
from kstate.registry import REGISTRY, KindSpec, register_kind
from kstate.resources.frozen import evolve
from kstate.resources.unstructured import Unstructured

#: (apiVersion, kind, plural, short names, namespaced, name rule)
BUILTIN_STORED = (
    ("v1", "ConfigMap", "configmaps", ("cm",), True, "subdomain"),
    ("v1", "Secret", "secrets", (), True, "subdomain"),
    ("v1", "ServiceAccount", "serviceaccounts", ("sa",), True, "subdomain"),
    ("v1", "LimitRange", "limitranges", ("limits",), True, "subdomain"),
    ("v1", "ResourceQuota", "resourcequotas", ("quota",), True, "subdomain"),
    ("v1", "PodTemplate", "podtemplates", (), True, "subdomain"),
    ("v1", "Event", "events", ("ev",), True, "subdomain"),
    ("networking.k8s.io/v1", "Ingress", "ingresses", ("ing",), True, "subdomain"),
    ("networking.k8s.io/v1", "IngressClass", "ingressclasses", (), False, "subdomain"),
    ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", ("netpol",), True, "subdomain"),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", (), True, "path"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", (), True, "path"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", (), False, "path"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", (), False, "path"),
    ("storage.k8s.io/v1", "StorageClass", "storageclasses", ("sc",), False, "subdomain"),
    ("storage.k8s.io/v1", "CSIDriver", "csidrivers", (), False, "subdomain"),
    ("storage.k8s.io/v1", "CSINode", "csinodes", (), False, "subdomain"),
    ("storage.k8s.io/v1", "VolumeAttachment", "volumeattachments", (), False, "subdomain"),
    ("storage.k8s.io/v1", "CSIStorageCapacity", "csistoragecapacities", (), True, "subdomain"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", ("crd", "crds"), False,
     "subdomain"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", (),
     False, "subdomain"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", (),
     False, "subdomain"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", (), False,
     "subdomain"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings",
     (), False, "subdomain"),
    ("coordination.k8s.io/v1", "Lease", "leases", (), True, "subdomain"),
    ("node.k8s.io/v1", "RuntimeClass", "runtimeclasses", (), False, "subdomain"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest", "certificatesigningrequests", ("csr",), False,
     "subdomain"),
    ("apiregistration.k8s.io/v1", "APIService", "apiservices", (), False, "subdomain"),
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema", "flowschemas", (), False, "subdomain"),
    ("flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", (), False,
     "subdomain"),
)
#: API versions served besides the preferred one.
OTHER_VERSIONS: dict[str, tuple[str, ...]] = {}

def validate_stored_update(cur: Unstructured, obj: Unstructured, meta) -> Unstructured:
    """An apply replaces the body; ConfigMaps and Secrets marked immutable
    refuse a change of data (validation.go ValidateConfigMapUpdate /
    ValidateSecretUpdate)."""
    if cur.field("immutable") is True:
        for field in ("data", "binaryData", "stringData", "immutable"):
            if cur.field(field) != obj.field(field):
                raise SpecError("Forbidden: field is immutable when `immutable` is set", field)
    return evolve(cur, metadata=meta, body=obj.body, api_version=obj.api_version)


def stored_spec(api_version: str, kind: str, plural: str, short_names: tuple = (), namespaced: bool = True,
                name_rule: str = "subdomain", other_versions: tuple = ()) -> KindSpec:
    group, _, version = api_version.rpartition("/")
    return KindSpec(kind=kind, group=group, version=version, cls=Unstructured, plural=plural,
                    short_names=tuple(short_names), namespaced=namespaced, other_versions=other_versions,
                    decode=decode_stored(namespaced, name_rule), encode=stored_to_manifest,
                    validate_update=validate_stored_update, simulated=False, generation=0,
                    columns=tables.GENERIC_COLUMNS, row=tables.generic_row)


for _row in BUILTIN_STORED:
    if _row[1] not in REGISTRY.kinds:
        register_kind(stored_spec(*_row, other_versions=OTHER_VERSIONS.get(_row[1], ())))


# -------------------------------------------------------- custom resources

def crd_names(crd: Unstructured) -> Optional[dict]:
    """What a CustomResourceDefinition declares: group, kind, plural, short
    names, scope and served versions (None if it is malformed)."""
    spec = crd.field("spec")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names") or {}
    if not isinstance(names, dict) or not isinstance(names.get("kind"), str):
        return None
    versions = tuple(v.get("name") for v in spec.get("versions") or () if isinstance(v, dict)
                     and isinstance(v.get("name"), str) and v.get("served", True))
    return {"group": spec.get("group", ""), "kind": names["kind"],
            "plural": names.get("plural") or names["kind"].lower() + "s",
            "short_names": tuple(n for n in names.get("shortNames") or () if isinstance(n, str)),
            "namespaced": spec.get("scope", "Namespaced") != "Cluster", "versions": versions}


def custom_kind(crd: Unstructured) -> KindSpec:
    """The KindSpec of a CRD's resource, registered once per process (the
    cluster still refuses the resource unless the CRD is applied there)."""
    n = crd_names(crd)
    if n is None or not n["versions"]:
        raise SpecError("Invalid value: a CustomResourceDefinition needs spec.group, spec.names.kind and a served "
                        "version", "spec", crd.metadata.name)
    existing = REGISTRY.get_kind(n["kind"])
    if existing is not None:
        if existing.group != n["group"]:
            raise SpecError(f'kind "{n["kind"]}" of group {n["group"]} clashes with kind "{existing.kind}" of '
                            f'group {existing.group or "core"}: kstate keys kinds by name', "spec.names.kind")
        return existing
    first, *rest = n["versions"]
    spec = stored_spec(f'{n["group"]}/{first}', n["kind"], n["plural"], n["short_names"], n["namespaced"],
                       other_versions=tuple(rest))
    spec = evolve(spec, decode=decode_custom)
    return register_kind(spec)
