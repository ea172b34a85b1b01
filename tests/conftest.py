"""Shared pytest configuration: hypothesis profiles.

- ``ci`` (default): 50 examples per @given test, 30 steps per state-machine
  run, derandomized (the same examples every run), no deadline.
- ``thorough``: 2000 examples, 100 steps per run, no deadline.

Pick one with the environment variable ``HYPOTHESIS_PROFILE``::

    HYPOTHESIS_PROFILE=thorough PYTHONPATH=. python -m pytest tests/properties

``HYPOTHESIS_MAX_EXAMPLES=N`` overrides the profile's example count (a
state machine runs N sequences), e.g. the ownership machine's 1,000::

    HYPOTHESIS_PROFILE=thorough HYPOTHESIS_MAX_EXAMPLES=1000 \
        python -m pytest tests/properties/test_ownership_machine.py --hypothesis-show-statistics
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    stateful_step_count=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    stateful_step_count=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
if os.environ.get("HYPOTHESIS_MAX_EXAMPLES"):
    settings.register_profile("override", settings.default,
                              max_examples=int(os.environ["HYPOTHESIS_MAX_EXAMPLES"]))
    settings.load_profile("override")
