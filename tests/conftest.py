"""Shared pytest configuration: hypothesis profiles.

- ``ci`` (default): 50 examples per @given test, 30 steps per state-machine
  run, derandomized (the same examples every run), no deadline.
- ``thorough``: 2000 examples, 100 steps per run, no deadline.

Pick one with the environment variable ``HYPOTHESIS_PROFILE``::

    HYPOTHESIS_PROFILE=thorough PYTHONPATH=. python -m pytest tests/properties
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
