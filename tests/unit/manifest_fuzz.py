"""Shared by the manifest fuzz tests: mutate a valid manifest at random
paths, then require either a SpecError or a stable round trip."""
from __future__ import annotations

import copy
import json

from kstate.errors import SpecError
from kstate.io import parse_object, to_manifest


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def mutate(data, st, seed_docs, keys, json_values) -> dict:
    """A copy of one of `seed_docs` with 1–3 random replacements, deletions
    or added keys (drawn with hypothesis `data`)."""
    doc = copy.deepcopy(data.draw(st.sampled_from(seed_docs)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(doc))[1:]))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][data.draw(st.sampled_from(keys))] = data.draw(json_values)
    return doc


def spec_error_or_round_trip(doc: dict) -> None:
    """parse_object raises SpecError, or its result's manifest is JSON and a fixed point."""
    try:
        obj = parse_object(doc)
    except SpecError:
        return
    manifest = to_manifest(obj)
    json.dumps(manifest)
    assert to_manifest(parse_object(manifest)) == manifest
