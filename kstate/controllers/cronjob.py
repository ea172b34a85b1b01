"""The CronJob controller (v2).

Owns: one CronJob sync as cronjob_controllerv2.go sync does it — history
cleanup first (cleanupFinishedJobs / removeOldestJobs), then syncCronJob:
reconcile status.active with the child Jobs (SawCompletedJob, MissingJob,
UnexpectedJob, lastSuccessfulTime), stop when deleting, on an unknown time
zone or when suspended, find the most recent unmet schedule time
(nextScheduleTime: only that one, TooManyMissedTimes past 100),
startingDeadlineSeconds (MissSchedule), the already-handled check,
concurrencyPolicy Allow / Forbid (JobAlreadyActive; lastScheduleTime is not
advanced) / Replace, and the Job made from the template (name
`<cronjob>-<minutes since epoch>`, the scheduled-timestamp annotation);
the requeue is the next fire time + 100 ms. Must not import engine/ or io/.

Kubernetes sources: pkg/controller/cronjob/cronjob_controllerv2.go (sync,
syncCronJob, cleanupFinishedJobs, removeOldestJobs, deleteJob,
formatSchedule), utils.go (mostRecentScheduleTime, nextScheduleTime,
nextScheduleTimeDuration, getJobFromTemplate2, getJobName,
getTimeHashInMinutes, inActiveList, inActiveListByName, deleteFromActiveList,
byJobStartTime, IsJobFinished / getFinishedStatus).

kstate differences: a CronJob without spec.timeZone is evaluated in UTC
(kube-controller-manager's local zone); the created Job's uid is filled into
the status.active reference by the kind's status strategy (the Go controller
has it from the create response).
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional

import attrs

from kstate.controllers.view import controller_keys
from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, UpdateStatus, ref_of
from kstate.machines.cronjob import TRIGGER_FOR
from kstate.resources.batch import ANN_CRONJOB_SCHEDULED_TIMESTAMP, CronJob, Job
from kstate.resources.cron import CronError, load_zone, next_time, parse_standard
from kstate.resources.event import ObjectReference
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import ObjectMeta, OwnerReference, controller_of

NAME = "cronjob-controller"
#: utils.go nextScheduleDelta: wake 100 ms after the fire time.
NEXT_SCHEDULE_DELTA = 100
#: mostRecentScheduleTime: more missed times than this is "many".
MANY_MISSED = 100
DEFAULT_ZONE = "UTC"


@attrs.frozen
class CronJobObs:
    cronjob: Optional[CronJob]
    jobs: tuple = ()            # Jobs this CronJob controls, by name


def observe_cronjob(view, key) -> CronJobObs:
    _, namespace, name = key
    cj = view.get("CronJob", namespace, name)
    if cj is None:
        return CronJobObs(cronjob=None)
    jobs = [j for j in view.owned_by(cj.metadata.uid, "Job")
            if (ref := controller_of(j.metadata)) is not None and ref.uid == cj.metadata.uid]
    return CronJobObs(cronjob=cj, jobs=tuple(sorted(jobs, key=lambda j: j.metadata.name)))


# ------------------------------------------------------------------ utils.go


def finished_status(job: Job) -> Optional[str]:
    """getFinishedStatus: "Complete" or "Failed" when that condition is True."""
    for c in job.status.conditions:
        if c.type in ("Complete", "Failed") and c.status == "True":
            return c.type
    return None


def schedule_text(cj: CronJob) -> str:
    """formatSchedule: `TZ=<timeZone> <schedule>` when spec.timeZone is set
    and the schedule has no zone of its own."""
    s = cj.spec.schedule
    if cj.spec.time_zone is not None and not (s.startswith("TZ=") or s.startswith("CRON_TZ=")):
        return f"TZ={cj.spec.time_zone} {s}"
    return s


def most_recent_schedule_time(cj: CronJob, now: int, sched, zone: str, include_deadline: bool
                              ) -> tuple[int, Optional[int], str]:
    """mostRecentScheduleTime → (earliest, most recent fire time ≤ now or
    None, "none"/"few"/"many" missed). Raises CronError("time difference
    between two schedules is less than 1 second") for a schedule that never
    fires. The count of missed times is Kubernetes' approximation: the gap
    between the first two fire times after `earliest`."""
    earliest = cj.status.last_schedule_time
    if earliest is None:
        earliest = cj.metadata.creation_timestamp or 0
    sds = cj.spec.starting_deadline_seconds
    if include_deadline and sds is not None:
        earliest = max(earliest, now - sds * 1000)
    t1 = next_time(sched, zone, earliest)
    t2 = next_time(sched, zone, t1) if t1 is not None else None
    if t1 is not None and now < t1:
        return earliest, None, "none"
    if t1 is not None and t2 is not None and now < t2:
        return earliest, t1, "none"
    between = 0 if t1 is None or t2 is None else round((t2 - t1) / 1000)
    if between < 1:
        raise CronError("time difference between two schedules is less than 1 second")
    elapsed = (now - t1) // 1000
    missed = elapsed // between + 1
    most_recent = None
    t = next_time(sched, zone, t1 + (missed - 2) * between * 1000)
    while t is not None and t <= now:
        most_recent = t
        t = next_time(sched, zone, t)
    kind = "many" if missed > MANY_MISSED else ("few" if missed > 0 else "none")
    return earliest, most_recent, kind


def next_schedule_time(cj: CronJob, now: int, sched, zone: str) -> tuple[Optional[int], bool]:
    """nextScheduleTime: (the most recent unmet fire time or None, whether
    to warn TooManyMissedTimes)."""
    _, most_recent, missed = most_recent_schedule_time(cj, now, sched, zone, True)
    if most_recent is None or most_recent > now:
        return None, False
    return most_recent, missed == "many"


def next_schedule_delay(cj: CronJob, now: int, sched, zone: str) -> Optional[int]:
    """nextScheduleTimeDuration: ms until the next fire time after the most
    recent one (or after `earliest` when none was missed, or after now) +
    100 ms."""
    try:
        earliest, most_recent, missed = most_recent_schedule_time(cj, now, sched, zone, False)
        if most_recent is None:
            most_recent = earliest if missed == "none" else now
    except CronError:
        most_recent = now
    t = next_time(sched, zone, most_recent)
    if t is None:
        return None
    return t + NEXT_SCHEDULE_DELTA - now


def job_name(cj: CronJob, scheduled: int) -> str:
    """getJobName: `<cronjob>-<scheduledTime.Unix() / 60>`."""
    return f"{cj.metadata.name}-{scheduled // 1000 // 60}"


def rfc3339_in(ms: int, zone: str) -> str:
    """time.Format(time.RFC3339) of an instant in a zone: `Z` for UTC."""
    t = _dt.datetime.fromtimestamp(ms // 1000, load_zone(zone))
    off = t.utcoffset()
    if not off:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.isoformat()


def rfc1123z_utc(ms: int) -> str:
    """time.RFC1123Z of an instant in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`."""
    return _dt.datetime.fromtimestamp(ms // 1000, _dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")


def job_from_template(cj: CronJob, scheduled: int) -> Job:
    """getJobFromTemplate2: labels and annotations of the template, the
    scheduled-timestamp annotation in spec.timeZone (UTC without one), the
    deterministic name, a controller reference to the CronJob."""
    t = cj.spec.job_template
    ann = FrozenDict({**t.metadata.annotations,
                      ANN_CRONJOB_SCHEDULED_TIMESTAMP: rfc3339_in(scheduled, cj.spec.time_zone or "UTC")})
    owner = OwnerReference(api_version=cj.API_VERSION, kind=cj.KIND, name=cj.metadata.name, uid=cj.metadata.uid,
                           controller=True, block_owner_deletion=True)
    meta = ObjectMeta(name=job_name(cj, scheduled), namespace=cj.metadata.namespace, labels=t.metadata.labels,
                      annotations=ann, owner_references=(owner,))
    return Job(metadata=meta, spec=t.spec)


def _start_key(j: Job):
    """byJobStartTime: by startTime (unset last), then by name."""
    st = j.status.start_time
    return (st is None, st // 1000 if st is not None else 0, j.metadata.name)


def cronjob_state(cj: CronJob) -> str:
    if cj.spec.suspend:
        return "Suspended"
    return "Running" if cj.status.active else "Waiting"


# ------------------------------------------------------------------ sync


def reconcile_cronjob(obs: CronJobObs, now: int) -> Result:
    cj = obs.cronjob
    if cj is None or cj.spec is None:
        return NOTHING
    ref = ref_of(cj)
    actions: list = []
    status = cj.status
    active = list(status.active)

    def drop_active(uid: str) -> None:
        active[:] = [r for r in active if r.uid != uid]

    # cleanupFinishedJobs: oldest first beyond the history limits.
    deleted: set = set()
    for want, limit in (("Complete", cj.spec.successful_jobs_history_limit),
                        ("Failed", cj.spec.failed_jobs_history_limit)):
        done = sorted((j for j in obs.jobs if finished_status(j) == want), key=_start_key)
        for j in done[:max(0, len(done) - limit)]:
            actions.append(Delete("Job", j.metadata.namespace, j.metadata.name, propagation="Background"))
            actions.append(RecordEvent(ref, "SuccessfulDelete", f"Deleted job {j.metadata.name}", "Normal", NAME))
            drop_active(j.metadata.uid)
            deleted.add(j.metadata.uid)

    # syncCronJob: status.active against the child Jobs.
    children = set()
    last_success = status.last_successful_time
    for j in obs.jobs:
        children.add(j.metadata.uid)
        found = any(r.uid == j.metadata.uid or (not r.uid and r.name == j.metadata.name) for r in active)
        fin = finished_status(j)
        if not found and fin is None:
            actions.append(RecordEvent(ref, "UnexpectedJob",
                                       f"Saw a job that the controller did not create or forgot: {j.metadata.name}",
                                       "Warning", NAME))
        elif found and fin is not None:
            drop_active(j.metadata.uid)
            active[:] = [r for r in active if not (not r.uid and r.name == j.metadata.name)]
            actions.append(RecordEvent(ref, "SawCompletedJob",
                                       f"Saw completed job: {j.metadata.name}, condition: {fin}", "Normal", NAME))
        if fin == "Complete" and j.status.completion_time is not None:
            if last_success is None or j.status.completion_time > last_success:
                last_success = j.status.completion_time
    names = {j.metadata.name for j in obs.jobs}
    for r in list(active):
        if r.uid not in children and not (not r.uid and r.name in names):
            actions.append(RecordEvent(ref, "MissingJob", f"Active job went missing: {r.name}", "Normal", NAME))
            active[:] = [x for x in active if x is not r]
    status = evolve(status, active=tuple(active), last_successful_time=last_success)

    def finish(requeue: Optional[int] = None) -> Result:
        w = _status_write(cj, status, now)
        if w is not None:
            actions.append(w)
        return Result(tuple(actions), requeue_after=requeue)

    if cj.metadata.deletion_timestamp is not None:
        return finish()
    zone = DEFAULT_ZONE
    if cj.spec.time_zone is not None:
        try:
            load_zone(cj.spec.time_zone)
        except CronError as e:
            actions.append(RecordEvent(ref, "UnknownTimeZone", f'invalid timeZone: "{cj.spec.time_zone}": {e}',
                                       "Warning", NAME))
            return finish()
        zone = cj.spec.time_zone
    if cj.spec.suspend:
        return finish()
    try:
        sched = parse_standard(schedule_text(cj))
    except CronError as e:
        actions.append(RecordEvent(ref, "UnparseableSchedule", f'unparseable schedule: "{cj.spec.schedule}" : {e}',
                                   "Warning", NAME))
        return finish()
    work = evolve(cj, status=status)
    try:
        scheduled, too_many = next_schedule_time(work, now, sched, zone)
    except CronError as e:
        actions.append(RecordEvent(ref, "InvalidSchedule", f"invalid schedule: {cj.spec.schedule} : {e}",
                                   "Warning", NAME))
        return finish()
    if too_many:
        actions.append(RecordEvent(ref, "TooManyMissedTimes", "too many missed start times. Set or decrease "
                                   ".spec.startingDeadlineSeconds or check clock skew", "Warning", NAME))
    if scheduled is None:
        return finish(next_schedule_delay(work, now, sched, zone))
    sds = cj.spec.starting_deadline_seconds
    if sds is not None and scheduled + sds * 1000 < now:
        actions.append(RecordEvent(ref, "MissSchedule",
                                   f"Missed scheduled time to start a job: {rfc1123z_utc(scheduled)}",
                                   "Warning", NAME))
        return finish(next_schedule_delay(work, now, sched, zone))
    name = job_name(cj, scheduled)
    if any(r.name == name for r in status.active) or status.last_schedule_time == scheduled:
        return finish(next_schedule_delay(work, now, sched, zone))
    if cj.spec.concurrency_policy == "Forbid" and status.active:
        actions.append(RecordEvent(ref, "JobAlreadyActive", "Not starting job because prior execution is running "
                                   "and concurrency policy is Forbid", "Normal", NAME))
        return finish(next_schedule_delay(work, now, sched, zone))
    if cj.spec.concurrency_policy == "Replace":
        by_uid = {j.metadata.uid: j for j in obs.jobs}
        for r in status.active:
            j = by_uid.get(r.uid)
            if j is None:
                continue
            actions.append(Delete("Job", j.metadata.namespace, j.metadata.name, propagation="Background"))
            actions.append(RecordEvent(ref, "SuccessfulDelete", f"Deleted job {j.metadata.name}", "Normal", NAME))
            drop_active(j.metadata.uid)
        status = evolve(status, active=tuple(active))
    existing = next((j for j in obs.jobs if j.metadata.name == name), None)
    if existing is not None and existing.metadata.uid not in deleted:
        # AlreadyExists: a Job of this CronJob missing from active is added back.
        if not any(r.uid == existing.metadata.uid for r in status.active):
            status = evolve(status, active=status.active + (ref_of(existing),))
        return finish(next_schedule_delay(work, now, sched, zone))
    actions.append(Create(job_from_template(cj, scheduled)))
    actions.append(RecordEvent(ref, "SuccessfulCreate", f"Created job {name}", "Normal", NAME))
    job_ref = ObjectReference(kind="Job", name=name, namespace=cj.metadata.namespace, uid="",
                              api_version="batch/v1")
    status = evolve(status, active=status.active + (job_ref,), last_schedule_time=scheduled)
    work = evolve(cj, status=status)
    return finish(next_schedule_delay(work, now, sched, zone))


def _status_write(cj: CronJob, status, now: int) -> Optional[UpdateStatus]:
    status = evolve(status, state=cj.status.state, state_since=cj.status.state_since)
    new = evolve(cj, status=status)
    state = cronjob_state(new)
    if state != cj.status.state:
        new = evolve(new, status=evolve(status, state=state, state_since=now))
        return UpdateStatus(new, TRIGGER_FOR[(cj.status.state, state)])
    if status == cj.status:
        return None
    return UpdateStatus(new)


def fill_active_uids(cur: CronJob, status, api):
    """The CronJob's status strategy in kstate: an active reference written
    right after the Job's create (name known, uid not yet) gets the uid of
    the stored Job, as the create response gives it to the Go controller."""
    if not any(not r.uid for r in status.active):
        return status
    out = []
    for r in status.active:
        if not r.uid:
            j = api.store.get("Job", r.namespace, r.name)
            if j is not None:
                r = evolve(r, uid=j.metadata.uid)
        out.append(r)
    return evolve(status, active=tuple(out))


# -- watches (cronjob_controllerv2.go addJob/updateJob/deleteJob, updateCronJob)


def _schedule_changed(old, new) -> bool:
    return old.spec.schedule != new.spec.schedule or old.spec.time_zone != new.spec.time_zone


def watch_self(old, new, view) -> tuple:
    """addCronJob, deleteCronJob (the sync of a gone CronJob does nothing
    and drops its pending wake-up), and updateCronJob when neither the
    schedule nor the time zone changed: synced at once."""
    obj = new if new is not None else old
    if old is not None and new is not None and old.spec is not None and new.spec is not None \
            and _schedule_changed(old, new):
        return ()
    return (("CronJob", obj.metadata.namespace, obj.metadata.name),)


def watch_rescheduled(old, new, view) -> tuple:
    """updateCronJob when spec.schedule or spec.timeZone changed: not synced
    now but requeued for the next fire time of the new schedule
    (`rescheduled_delay`), so a time the new schedule has just missed is not
    run late."""
    if old is None or new is None or old.spec is None or new.spec is None or not _schedule_changed(old, new):
        return ()
    return (("CronJob", new.metadata.namespace, new.metadata.name),)


def rescheduled_delay(old, new, view) -> int:
    """updateCronJob's requeue: nextScheduleTimeDuration of the new spec at
    the update's instant (at once when the new schedule or zone does not
    parse: the sync then reports it)."""
    zone = new.spec.time_zone or DEFAULT_ZONE
    try:
        sched = parse_standard(schedule_text(new))
        load_zone(zone)
    except CronError:
        return 0
    delay = next_schedule_delay(new, view.now, sched, zone)
    return 0 if delay is None else delay


def watch_jobs(old, new, view) -> tuple:
    """The CronJob controlling the Job (cronjob_controllerv2.go addJob /
    updateJob / deleteJob). kstate passes over an update that changes
    nothing the sync reads of a Job — not whether it finished, nor its
    owner or uid — where kube enqueues on every update: such a sync would
    only repeat an UnexpectedJob warning already recorded."""
    if old is not None and new is not None and finished_status(old) == finished_status(new) \
            and old.metadata.owner_references == new.metadata.owner_references \
            and old.metadata.uid == new.metadata.uid:
        return ()
    return controller_keys(old, new, "CronJob")

