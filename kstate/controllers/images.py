"""The images on a node as its kubelet reports them: the names the container
runtime gives an image, the image sizes kstate is told, and the Node's
`status.images` list the scheduler's ImageLocality score reads.

Owns: containerd's normalized image name (`docker_ref`), the
`kstate.io/image-size` annotation, and the kubelet's Images node-status
setter (`node_status_images`). Pure; used by the kubelet (which writes the
list when a pull brings a sized image) and by the scheduler's ImageLocality
plugin (controllers/scheduling/imagelocality.py). Must not import engine/
or io/.

kstate knows an image's size only from the pulling pod's
`kstate.io/image-size` annotation (default 0, as the `Pulled` event's
"Image size: 0 bytes." says). Only images of a known, non-zero size are
listed in `status.images`: an image of size 0 adds nothing to an
ImageLocality score (its scaled score is 0), so leaving it out changes no
placement and keeps runs without the annotation free of node status writes.

Kubernetes sources (1.35): pkg/kubelet/nodestatus/setters.go (Images:
at most nodeStatusMaxImages, the largest first, names = RepoDigests then
RepoTags, at most 5), pkg/kubelet/images/image_gc_manager.go (the image list
sorted by sliceutils.ByImageSize: size descending, ties by ID descending),
and containerd's CRI image names (github.com/distribution/reference
ParseDockerRef: docker.io/library/ for Docker Hub short names, `:latest`
when neither tag nor digest is given).
"""
from __future__ import annotations

from functools import lru_cache

from kstate.errors import SpecError
from kstate.resources.node import ContainerImage
from kstate.resources.quantity import to_int

#: the size in bytes (a quantity: "512Mi", "1.2Gi", "734003200") of every image the pod pulls.
ANN_IMAGE_SIZE = "kstate.io/image-size"
#: KubeletConfiguration nodeStatusMaxImages' default.
NODE_STATUS_MAX_IMAGES = 50
#: setters.go MaxNamesPerImageInNodeStatus (kstate's images have one name each).
MAX_NAMES_PER_IMAGE_IN_NODE_STATUS = 5

_DEFAULT_DOMAIN = "docker.io"
_LEGACY_DEFAULT_DOMAIN = "index.docker.io"


@lru_cache(maxsize=4096)
def docker_ref(image: str) -> str:
    """The name containerd reports an image under (distribution/reference
    ParseDockerRef via splitDockerDomain): a first path component that is
    no host (no "." or ":", not "localhost", lower case) means Docker Hub,
    whose one-component names live under library/; no tag and no digest
    means `:latest`; a digest wins over a tag.

    Example: "nginx:1.25" → "docker.io/library/nginx:1.25";
    "registry.k8s.io/pause" → "registry.k8s.io/pause:latest".
    """
    i = image.find("/")
    first = image[:i] if i >= 0 else ""
    if i < 0 or ("." not in first and ":" not in first and first != "localhost" and first.lower() == first):
        domain, rest = _DEFAULT_DOMAIN, image
    else:
        domain, rest = first, image[i + 1:]
    if domain == _LEGACY_DEFAULT_DOMAIN:
        domain = _DEFAULT_DOMAIN
    if domain == _DEFAULT_DOMAIN and "/" not in rest.partition("@")[0]:
        rest = "library/" + rest
    path, at, digest = rest.partition("@")
    colon = path.rfind(":")
    has_tag = colon > path.rfind("/")
    if at:
        if has_tag:
            path = path[:colon]
        return f"{domain}/{path}@{digest}"
    return f"{domain}/{path}" + ("" if has_tag else ":latest")


def image_size(pod) -> int:
    """The size of the images a pod pulls: `kstate.io/image-size` in bytes
    (validated as a non-negative quantity when the pod is applied), else 0."""
    ann = pod.metadata.annotations.get(ANN_IMAGE_SIZE)
    if ann is None:
        return 0
    try:
        return max(to_int(ann), 0)
    except (SpecError, ValueError, ArithmeticError):   # refused at apply; a pod made otherwise gets 0
        return 0


def node_status_images(current: tuple, pulled: dict) -> tuple:
    """setters.go Images over the image manager's list: the node's listed
    images with `pulled` (containerd name → size, sizes > 0) added or
    resized, the largest first (ByImageSize; the name stands in for the
    image ID on ties, descending), at most NODE_STATUS_MAX_IMAGES.

    Example: listed [a 300Mi], pulled {b: 500Mi} → [b 500Mi, a 300Mi].
    """
    sizes = {img.names[0]: img.size_bytes for img in current if img.names}
    for name, size in pulled.items():
        if size > 0:
            sizes[name] = size
    ordered = sorted(sizes.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)[:NODE_STATUS_MAX_IMAGES]
    return tuple(ContainerImage(names=(name,), size_bytes=size) for name, size in ordered)


def listed_names(node) -> frozenset:
    """Every name of the images a node's status lists (pre-pulled images of
    an applied node included)."""
    if node is None or not node.status.images:
        return frozenset()
    return frozenset(n for img in node.status.images for n in img.names)
