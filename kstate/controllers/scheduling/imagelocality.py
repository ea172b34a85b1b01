"""The ImageLocality score plugin (weight 1) and the scheduler cache's image
states it reads.

Owns: the image states the scheduler cache derives from the nodes'
`status.images` (which nodes list each image name, and its size), the
pod's image names, and the score: each of the pod's images present on a node
adds its size scaled by the share of nodes holding it, and the sum is mapped
onto 0–100 between 23 MiB and 1000 MiB per container. Pure functions plus
the index handler that keeps the states (kstate.indexes registers it). Must
not import engine/ or io/.

A pod whose images no node lists costs one dictionary lookup per container
and leaves the scheduler's fast path as it was. The images a node lists are
those its kubelet reported (controllers/images.py: containerd's names, such
as docker.io/library/nginx:1.25 for "nginx:1.25"); as in a real cluster the
scheduler matches the pod's spelling only after adding ":latest", so a Docker
Hub short name in a pod never matches what containerd reports
(normalizedImageName's TODO in the source).

Kubernetes sources (1.35):
pkg/scheduler/framework/plugins/imagelocality/image_locality.go (Score,
calculatePriority, sumImageScores — init containers, containers and, since
1.33, image volumes —, scaledImageScore, normalizedImageName),
pkg/scheduler/backend/cache/cache.go (addNodeImageStates,
removeNodeImageStates: an image state keeps the size of the first node that
reported it), pkg/scheduler/backend/cache/snapshot.go (NumNodes).
"""
from __future__ import annotations

MB = 1024 * 1024
#: image_locality.go minThreshold and maxContainerThreshold.
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB
MAX_NODE_SCORE = 100
WEIGHT_IMAGE_LOCALITY = 1


def normalized_image_name(name: str) -> str:
    """normalizedImageName: add ":latest" when the last ":" is not after the
    last "/" (no tag; a digest counts as one: it contains ":").

    Example: "gcr.io:5000/root" → "gcr.io:5000/root:latest"; "root:tag" stays.
    """
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


def pod_image_names(pod) -> tuple:
    """The normalized names sumImageScores looks up, one per init container,
    container and image volume (a repeated image counts each time)."""
    spec = pod.spec
    out = [normalized_image_name(c.image) for c in spec.init_containers]
    out += [normalized_image_name(c.image) for c in spec.containers]
    vols = spec.extra.get("volumes") if spec.extra else None
    for v in vols or ():
        img = v.get("image") if hasattr(v, "get") else None
        ref = img.get("reference") if img is not None and hasattr(img, "get") else None
        if ref:
            out.append(normalized_image_name(ref))
    return tuple(out)


def scaled_image_score(size: int, num_nodes: int, total_num_nodes: int) -> int:
    """scaledImageScore: the size times the share of nodes holding the image
    (float64 arithmetic, truncated).

    Example: 250 MiB on 1 of 2 nodes → 125 MiB (131,072,000).
    """
    spread = float(num_nodes) / float(total_num_nodes)
    return int(float(size) * spread)


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """calculatePriority: the sum clamped to [23 MiB, 1000 MiB × containers],
    mapped linearly onto 0–100 (integer division).

    Example: 125 MiB, 2 containers → 100 × (125 − 23) MiB / (2000 − 23) MiB = 5.
    """
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


# -- the scheduler cache's image states (declared as an index in kstate.indexes)

def new_image_states() -> dict:
    """{"states": image name → [size, {node names}], "by_node": node → tuple of names}."""
    return {"states": {}, "by_node": {}}


def on_node(state: dict, old, new, api) -> list:
    """cache.go UpdateNode/AddNode/RemoveNode: removeNodeImageStates for the
    old node, addNodeImageStates for the new one. Only image list changes
    cost more than two lookups."""
    if old is not None and new is not None and old.status.images is new.status.images:
        return []
    states, by_node = state["states"], state["by_node"]
    name = (new if new is not None else old).metadata.name
    for image in by_node.pop(name, ()):
        st = states.get(image)
        if st is not None:
            st[1].discard(name)
            if not st[1]:
                del states[image]
    if new is not None and new.status.images:
        names = []
        for img in new.status.images:
            for image in img.names:
                st = states.get(image)
                if st is None:
                    states[image] = [img.size_bytes, {name}]
                else:
                    st[1].add(name)
                names.append(image)
        by_node[name] = tuple(names)
    return []


def gather(state: dict, pod) -> tuple:
    """The PreScore input: (number of init and app containers, per image
    name of the pod (with repeats) its (size, the set of nodes holding it) or
    None); () when no node lists any of them. The node sets are the cache's
    own (read at once by the reconcile, never copied: an image on every
    node of a large cluster costs nothing here)."""
    states = state["states"]
    if not states:
        return ()
    names = pod_image_names(pod)
    found = tuple((states[n][0], states[n][1]) if n in states else None for n in names)
    if not any(f is not None for f in found):
        return ()
    return (len(pod.spec.init_containers) + len(pod.spec.containers), found)


def scores(gathered: tuple, node_names: list, total_num_nodes: int) -> list:
    """Score per node (image_locality.go Score): sumImageScores over the
    pod's images the node holds, then calculatePriority with the number of
    init and app containers (image volumes add to the sum only)."""
    num_containers, found = gathered
    out = []
    for node in node_names:
        total = 0
        for f in found:
            if f is not None and node in f[1]:
                total += scaled_image_score(f[0], len(f[1]), total_num_nodes)
        out.append(calculate_priority(total, num_containers))
    return out
