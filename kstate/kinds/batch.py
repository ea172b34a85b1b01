"""batch/v1 kinds kstate simulates: Job.

Owns: the Job KindSpec — the create strategy (status reset, uid assigned
early so that strategy.go generateSelector can add the generated selector
and labels), ValidateJobUpdate, the job lifecycle machine, trace details
and the `kubectl get jobs` columns. Must not be imported by engine/.
"""
from __future__ import annotations

from kstate.io import batch_v1, tables
from kstate.registry import KindSpec, register_kind
from kstate.resources.batch import Job, JobStatus
from kstate.resources.frozen import evolve


def _prepare_job(obj: Job, api) -> Job:
    """PrepareForCreate: status cleared; the uid is drawn here (the engine
    would draw the same one next) because the generated selector needs it."""
    m = obj.metadata
    if not m.uid:
        obj = evolve(obj, metadata=evolve(m, uid=api.rng.uid()))
    obj = batch_v1.with_generated_selector(obj)
    if not obj.metadata.labels:
        # SetDefaults_Job runs again when the stored Job is read back: a Job
        # without labels shows its template's, the generated ones included.
        obj = evolve(obj, metadata=evolve(obj.metadata, labels=obj.spec.template.metadata.labels))
    return evolve(obj, status=JobStatus(state="Pending", state_since=api.now))


def _job_detail(obj: Job) -> str:
    c = obj.spec.completions
    return f"completions={'-' if c is None else c} parallelism={obj.spec.parallelism}"


def _job_update_detail(old: Job, new: Job) -> str:
    parts = []
    if old.spec.parallelism != new.spec.parallelism:
        parts.append(f"parallelism={old.spec.parallelism}->{new.spec.parallelism}")
    if old.spec.suspend != new.spec.suspend:
        parts.append(f"suspend={str(new.spec.suspend).lower()}")
    return " ".join(parts)


def _job_status(old: JobStatus, new: JobStatus) -> str:
    return f"active={new.active} succeeded={new.succeeded} failed={new.failed}"


JOB = register_kind(KindSpec(
    kind="Job", group="batch", version="v1", cls=Job, plural="jobs",
    decode=batch_v1.DECODERS[("batch/v1", "Job")], encode=batch_v1.EMITTERS[Job],
    validate_update=batch_v1.validate_job_update, prepare_create=_prepare_job,
    machine="job", gone_state="Deleted",
    create_detail=_job_detail, update_detail=_job_update_detail, status_detail=_job_status,
    columns=tables.JOB_COLUMNS, row=tables.job_row))
