"""batch/v1 kinds kstate simulates: Job and CronJob.

Owns: the Job KindSpec — the create strategy (status reset, uid assigned
early so that strategy.go generateSelector can add the generated selector
and labels), ValidateJobUpdate, the job lifecycle machine, trace details
and the `kubectl get jobs` columns. Must not be imported by engine/.
"""
from __future__ import annotations

from kstate.controllers.cronjob import fill_active_uids
from kstate.io import batch_v1, tables
from kstate.registry import KindSpec, register_kind
from kstate.resources.batch import CronJob, CronJobStatus, Job, JobStatus
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


def _prepare_cronjob(obj: CronJob, api) -> CronJob:
    return evolve(obj, status=CronJobStatus(state="Suspended" if obj.spec.suspend else "Waiting",
                                            state_since=api.now))


def _cronjob_detail(obj: CronJob) -> str:
    return f"schedule={obj.spec.schedule!r}"


def _cronjob_update_detail(old: CronJob, new: CronJob) -> str:
    parts = []
    if old.spec.schedule != new.spec.schedule:
        parts.append(f"schedule={new.spec.schedule!r}")
    if old.spec.suspend != new.spec.suspend:
        parts.append(f"suspend={str(new.spec.suspend).lower()}")
    return " ".join(parts)


def _cronjob_status(old: CronJobStatus, new: CronJobStatus) -> str:
    return f"active={len(new.active)}"


CRONJOB = register_kind(KindSpec(
    kind="CronJob", group="batch", version="v1", cls=CronJob, plural="cronjobs", short_names=("cj",),
    decode=batch_v1.DECODERS[("batch/v1", "CronJob")], encode=batch_v1.EMITTERS[CronJob],
    validate_update=batch_v1.validate_cronjob_update, prepare_create=_prepare_cronjob,
    prepare_status=fill_active_uids, machine="cronjob", gone_state="Deleted",
    create_detail=_cronjob_detail, update_detail=_cronjob_update_detail, status_detail=_cronjob_status,
    columns=tables.CRONJOB_COLUMNS, row=tables.cronjob_row))
