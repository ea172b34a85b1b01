"""Exceptions users see. Imported by every layer; imports nothing of kstate.

Every error a user can provoke with bad input is a `SpecError` (or a subclass)
carrying the file and the Kubernetes field path of the offending value, so a
message reads like the API server's: `web.yaml: spec.containers[0].name: Required value`.
`NotFound`, `AlreadyExists` and `NotStable` are not about input (an object that
is not there, a name that is taken, a run that did not settle): they are
`KstateError`s but not `SpecError`s.
"""
from __future__ import annotations


class KstateError(Exception):
    """Base of every kstate exception."""


class SpecError(KstateError, ValueError):
    """A manifest, scenario, duration, quantity or operation is invalid.

    `path` is the field path (`spec.containers[0].image`), `source` the file or
    document it came from. Raising one never leaves the cluster half-changed.
    """

    def __init__(self, message: str, path: str = "", source: str = ""):
        self.message = message
        self.path = path
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(p for p in (self.source, self.path) if p)
        return f"{where}: {self.message}" if where else self.message

    def at(self, prefix: str = "", source: str = "") -> "SpecError":
        """The same error seen from an enclosing field (`prefix`) or file."""
        path = self.path
        if prefix:
            path = prefix + ("" if not path else (path if path.startswith("[") else "." + path))
        err = type(self).__new__(type(self))
        SpecError.__init__(err, self.message, path, source or self.source)
        return err


class UnknownFieldError(SpecError):
    """A field that the kind does not have (Kubernetes' strict decoding)."""


class InvalidOperation(SpecError):
    """An operation that cannot be carried out on the current cluster
    (draining a node with unmanaged pods, scaling a kind that has no scale)."""


class NotFound(KstateError, LookupError):
    """`Cluster.get` of an object that does not exist."""


class AlreadyExists(KstateError):
    """A create of a name that is taken."""


class NotStable(KstateError):
    """`run_until_stable` timed out with work still pending."""


class InvalidTransition(KstateError):
    """A status change that is not an edge of the object's lifecycle machine."""

    def __init__(self, machine: str, state: str, trigger: str, dest: str | None = None):
        self.machine, self.state, self.trigger, self.dest = machine, state, trigger, dest
        detail = f" to {dest}" if dest else ""
        super().__init__(f"{machine}: no transition {trigger!r} from {state!r}{detail}")


class Forbidden(SpecError):
    """A request an admission plugin or the API server's strategy refuses
    with 403 Forbidden (a pod naming a PriorityClass that does not exist, a
    second default PriorityClass, deleting a system PriorityClass). Nothing
    is changed."""


class APIStatusError(KstateError):
    """A request the API answered with an error status: `code` (HTTP),
    `reason` (metav1.StatusReason) and `causes` (the status details' causes
    as (type, message) pairs), as a client sees them."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, causes: tuple = ()):
        self.message = message
        self.causes = tuple(causes)
        super().__init__(message)


class TooManyRequests(APIStatusError):
    """429: an eviction that would violate a PodDisruptionBudget; the client
    retries (kubectl drain waits 5 s)."""

    code = 429
    reason = "TooManyRequests"


class EvictionForbidden(APIStatusError):
    """403 on the eviction subresource (a budget whose disruptionsAllowed is
    negative, or too many evictions the disruption controller has not yet
    confirmed)."""

    code = 403
    reason = "Forbidden"


class InternalError(APIStatusError):
    """500 (a pod matched by more than one PodDisruptionBudget)."""
