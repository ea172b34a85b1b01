"""batch/v1 Job and CronJob.

Owns: their shapes (k8s.io/api/batch/v1 types.go) as frozen attrs classes and
the well-known label/annotation names of pkg/apis/batch/types.go. podFailurePolicy
and successPolicy are kept as their validated frozen JSON (the controller reads
them as such) so manifests round-trip unchanged.
Must not import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import ClassVar, Optional

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import Condition, ObjectMeta
from kstate.resources.selector import LabelSelector
from kstate.resources.workloads import PodTemplateSpec

# pkg/apis/batch/types.go
LABEL_CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
LABEL_JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_LABEL_CONTROLLER_UID = "controller-uid"
LEGACY_LABEL_JOB_NAME = "job-name"
ANN_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
LABEL_COMPLETION_INDEX = ANN_COMPLETION_INDEX
ANN_CRONJOB_SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
FINALIZER_JOB_TRACKING = "batch.kubernetes.io/job-tracking"
ANN_INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
ANN_INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"

NON_INDEXED = "NonIndexed"
INDEXED = "Indexed"


@attrs.frozen
class JobSpec:
    template: PodTemplateSpec
    selector: Optional[LabelSelector] = None
    parallelism: Optional[int] = 1
    completions: Optional[int] = 1
    active_deadline_seconds: Optional[int] = None
    backoff_limit: Optional[int] = 6
    backoff_limit_per_index: Optional[int] = None
    max_failed_indexes: Optional[int] = None
    manual_selector: Optional[bool] = None
    ttl_seconds_after_finished: Optional[int] = None
    completion_mode: str = NON_INDEXED
    suspend: bool = False
    pod_replacement_policy: Optional[str] = "TerminatingOrFailed"
    #: validated frozen JSON (io/batch_v1.py), read by controllers/job.py.
    pod_failure_policy: Optional[FrozenDict] = None
    success_policy: Optional[FrozenDict] = None
    managed_by: Optional[str] = None


@attrs.frozen
class JobStatus:
    conditions: tuple[Condition, ...] = ()
    start_time: Optional[int] = None
    completion_time: Optional[int] = None
    active: int = 0
    succeeded: int = 0
    failed: int = 0
    terminating: Optional[int] = None
    ready: Optional[int] = None
    completed_indexes: str = ""
    failed_indexes: Optional[str] = None
    # kstate-internal (never in a manifest): the lifecycle state
    # (machines/job.py) and when it was entered; the uids of pods already
    # accounted for (what the job-tracking finalizer and
    # uncountedTerminatedPods track in Kubernetes); the pod-failure back-off
    # record (backoff_utils.go backoffRecord, kept in memory by kube).
    state: str = "Pending"
    state_since: Optional[int] = None
    counted: tuple[str, ...] = ()
    failures_after_last_success: int = 0
    last_failure_time: Optional[int] = None


@attrs.frozen
class Job:
    KIND: ClassVar[str] = "Job"
    API_VERSION: ClassVar[str] = "batch/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: JobSpec
    status: JobStatus = JobStatus()


@attrs.frozen
class JobTemplateSpec:
    metadata: ObjectMeta = ObjectMeta()
    spec: Optional[JobSpec] = None


@attrs.frozen
class CronJobSpec:
    schedule: str
    job_template: JobTemplateSpec
    time_zone: Optional[str] = None
    starting_deadline_seconds: Optional[int] = None
    concurrency_policy: str = "Allow"
    suspend: bool = False
    successful_jobs_history_limit: int = 3
    failed_jobs_history_limit: int = 1


@attrs.frozen
class CronJobStatus:
    active: tuple = ()                  # ObjectReferences to the running Jobs
    last_schedule_time: Optional[int] = None
    last_successful_time: Optional[int] = None
    # kstate-internal: the lifecycle state (machines/cronjob.py) and since when.
    state: str = "Waiting"
    state_since: Optional[int] = None


@attrs.frozen
class CronJob:
    KIND: ClassVar[str] = "CronJob"
    API_VERSION: ClassVar[str] = "batch/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: CronJobSpec
    status: CronJobStatus = CronJobStatus()


__all__ = ["CronJob", "CronJobSpec", "CronJobStatus", "Job", "JobSpec", "JobStatus", "JobTemplateSpec", "EMPTY"]
