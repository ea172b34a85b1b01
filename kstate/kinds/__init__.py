"""The built-in kinds: importing this package registers them (and the
built-in controllers and indexes) in `kstate.registry.REGISTRY`.

Owns: nothing but the list of kind modules. A kind module declares one API
group's kinds: `KindSpec` with codec, strategy, machine and printer columns.
Must not be imported by engine/ (the engine is handed the registry).
"""
from kstate.kinds import autoscaling, batch, core, network, workloads  # noqa: F401  (registration)
from kstate.kinds import statefulsets  # noqa: F401  (registration)
from kstate.kinds import policy, scheduling  # noqa: F401  (registration)
from kstate.kinds import stored  # noqa: F401  (registration, after the simulated kinds)
from kstate import controllers, indexes  # noqa: F401  (registration)
