"""The rule-based Job/CronJob machine (kstate.testing.batch_machine) under
the active hypothesis profile: node faults, pods crashing with exit codes,
Jobs (Indexed, pod failure policy, per-index back-off) and CronJobs created,
suspended, resumed and deleted, time jumps of hours; every registered
invariant (the Job and CronJob ones included) after every step, Job
liveness after `settle`. A failure here is a kstate bug.

Each example simulates hours of CronJobs, so the `ci` profile runs a third
of its examples here, at least 16 (the `thorough` profile 666)."""
from hypothesis import settings

from kstate.testing.batch_machine import BatchMachine

TestBatchMachine = BatchMachine.TestCase
TestBatchMachine.settings = settings(settings.default, max_examples=max(16, settings.default.max_examples // 3))
