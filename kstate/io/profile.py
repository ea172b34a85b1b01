"""Timing profiles from YAML: `default` (shipped with kstate), a file path, or
already-parsed data. Validation lives in controllers/timing.Profile.from_data."""
from __future__ import annotations

import os
from typing import Any

from kstate.controllers.timing import Profile
from kstate.errors import SpecError
from kstate.io.yamlio import load_documents, read_text_file

PROFILE_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "profiles")
_CACHE: dict[str, Profile] = {}


def load_profile(spec: Any = "default", base_dir: str = "") -> Profile:
    """A Profile from a name in kstate/profiles/, a path, or a dict."""
    if isinstance(spec, Profile):
        return spec
    if isinstance(spec, dict):
        return Profile.from_data(spec, "profile")
    if not isinstance(spec, str) or not spec:
        raise SpecError(f"profile must be a name, a path or a mapping, got {spec!r}", "profile")
    builtin = os.path.join(PROFILE_DIR, f"{spec}.yaml")
    path = builtin if os.sep not in spec and not spec.endswith((".yaml", ".yml")) else (
        spec if os.path.isabs(spec) or not base_dir else os.path.join(base_dir, spec))
    cached = _CACHE.get(path)
    if cached is not None:
        return cached
    try:
        text = read_text_file(path)
    except SpecError as e:
        raise SpecError(f"cannot read profile: {e.message}", "profile", path) from None
    docs = load_documents(text, path)
    if len(docs) != 1:
        raise SpecError("a profile file holds exactly one document", "", path)
    prof = Profile.from_data(docs[0], path)
    _CACHE[path] = prof
    return prof
