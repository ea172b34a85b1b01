"""One CronJob sync by exact outcome, cases after
pkg/controller/cronjob/cronjob_controllerv2_test.go TestControllerV2SyncCronJob
(and TestControllerV2CleanupFinishedJobs): every event the sync records —
SuccessfulCreate, SawCompletedJob, MissingJob, UnexpectedJob,
TooManyMissedTimes, JobAlreadyActive, SuccessfulDelete, UnknownTimeZone,
UnparseableSchedule — with its Go message."""
import datetime as dt

from kstate.controllers import cronjob as cc
from kstate.controllers.actions import Create, Delete, RecordEvent, UpdateStatus
from kstate.io import parse_object
from kstate.resources.batch import Job, JobStatus
from kstate.resources.event import ObjectReference
from kstate.resources.frozen import evolve
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference


def ms(s: str) -> int:
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


T0 = ms("2026-01-01T10:00:00Z")
M = 60_000


def mk_cronjob(schedule="*/5 * * * *", created=T0, last=None, active=(), **spec):
    d = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick", "namespace": "default"},
         "spec": {"schedule": schedule, **spec, "jobTemplate": {"spec": {"template": {
             "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}}}
    cj = parse_object(d)
    cj = evolve(cj, metadata=evolve(cj.metadata, uid="cj-uid", creation_timestamp=created))
    return evolve(cj, status=evolve(cj.status, last_schedule_time=last, active=tuple(active),
                                    state="Running" if active else "Waiting"))


def mk_job(cj, name, uid, finished=None, start=T0):
    conds = () if finished is None else (Condition(finished, "True", last_transition_time=start + M),)
    owner = OwnerReference(api_version="batch/v1", kind="CronJob", name=cj.metadata.name, uid=cj.metadata.uid,
                           controller=True, block_owner_deletion=True)
    tpl = cj.spec.job_template.spec
    return Job(metadata=ObjectMeta(name=name, namespace="default", uid=uid, owner_references=(owner,)), spec=tpl,
               status=JobStatus(conditions=conds, start_time=start,
                                completion_time=start + M if finished == "Complete" else None))


def ref(name, uid):
    return ObjectReference(kind="Job", namespace="default", name=name, uid=uid, api_version="batch/v1")


def sync(cj, jobs, now):
    return cc.reconcile_cronjob(cc.CronJobObs(cronjob=cj, jobs=tuple(sorted(jobs, key=lambda j: j.metadata.name))),
                                now)


def events(r):
    return [(a.reason, a.message, a.type) for a in r.actions if isinstance(a, RecordEvent)]


def status(r):
    return [a for a in r.actions if isinstance(a, UpdateStatus)][-1].obj.status


def test_is_time_creates_the_job():
    """'never ran, is time': the Job for 10:05, SuccessfulCreate, requeue at
    the next fire time + 100 ms."""
    r = sync(mk_cronjob(), [], T0 + 5 * M + 100)
    name = f"tick-{(T0 + 5 * M) // M}"
    assert [a.obj.metadata.name for a in r.actions if isinstance(a, Create)] == [name]
    assert events(r) == [("SuccessfulCreate", f"Created job {name}", "Normal")]
    assert status(r).last_schedule_time == T0 + 5 * M
    assert r.requeue_after == 5 * M


def test_not_time_yet_requeues_only():
    r = sync(mk_cronjob(), [], T0 + 4 * M)
    assert r.actions == () and r.requeue_after == M + 100


def test_saw_completed_job():
    """'prev ran but done, not time': the finished Job leaves status.active
    with SawCompletedJob; lastSuccessfulTime is its completion time."""
    cj = mk_cronjob(last=T0 + 5 * M, active=[ref("tick-a", "u1")])
    r = sync(cj, [mk_job(cj, "tick-a", "u1", finished="Complete", start=T0 + 5 * M)], T0 + 7 * M)
    assert events(r) == [("SawCompletedJob", "Saw completed job: tick-a, condition: Complete", "Normal")]
    st = status(r)
    assert st.active == () and st.last_successful_time == T0 + 6 * M


def test_missing_job():
    """An active reference whose Job is gone: MissingJob, dropped."""
    cj = mk_cronjob(last=T0 + 5 * M, active=[ref("tick-gone", "u9")])
    r = sync(cj, [], T0 + 7 * M)
    assert events(r) == [("MissingJob", "Active job went missing: tick-gone", "Normal")]
    assert status(r).active == ()


def test_unexpected_job():
    """A running Job of this CronJob not in status.active: UnexpectedJob."""
    cj = mk_cronjob(last=T0 + 5 * M)
    r = sync(cj, [mk_job(cj, "tick-manual", "u2")], T0 + 7 * M)
    assert events(r) == [("UnexpectedJob",
                          "Saw a job that the controller did not create or forgot: tick-manual", "Warning")]


def test_too_many_missed_times_warns_and_runs_the_most_recent():
    """'many missed': more than 100 times missed → TooManyMissedTimes, and
    only the most recent time runs."""
    cj = mk_cronjob(schedule="* * * * *", last=T0)
    r = sync(cj, [], T0 + 200 * M + 30_000)
    ev = events(r)
    assert ev[0] == ("TooManyMissedTimes", "too many missed start times. Set or decrease "
                     ".spec.startingDeadlineSeconds or check clock skew", "Warning")
    assert ev[1][0] == "SuccessfulCreate" and status(r).last_schedule_time == T0 + 200 * M


def test_forbid_with_active_job():
    cj = mk_cronjob(concurrencyPolicy="Forbid", last=T0 + 5 * M, active=[ref("tick-a", "u1")])
    r = sync(cj, [mk_job(cj, "tick-a", "u1", start=T0 + 5 * M)], T0 + 10 * M + 100)
    assert events(r) == [("JobAlreadyActive", "Not starting job because prior execution is running and "
                          "concurrency policy is Forbid", "Normal")]
    assert not any(isinstance(a, Create) for a in r.actions)


def test_replace_deletes_the_active_job_first():
    cj = mk_cronjob(concurrencyPolicy="Replace", last=T0 + 5 * M, active=[ref("tick-a", "u1")])
    r = sync(cj, [mk_job(cj, "tick-a", "u1", start=T0 + 5 * M)], T0 + 10 * M + 100)
    kinds = [type(a).__name__ for a in r.actions if isinstance(a, (Create, Delete))]
    assert kinds == ["Delete", "Create"]
    assert events(r)[0] == ("SuccessfulDelete", "Deleted job tick-a", "Normal")


def test_cleanup_finished_jobs_oldest_first():
    """TestControllerV2CleanupFinishedJobs: beyond successfulJobsHistoryLimit
    the oldest by startTime go first."""
    cj = mk_cronjob(successfulJobsHistoryLimit=1, last=T0 + 5 * M)
    jobs = [mk_job(cj, f"tick-{i}", f"u{i}", finished="Complete", start=T0 + i * M) for i in (3, 1, 2)]
    r = sync(cj, jobs, T0 + 7 * M)
    assert [a.name for a in r.actions if isinstance(a, Delete)] == ["tick-1", "tick-2"]


def test_unknown_time_zone_event():
    """A stored time zone that no longer loads (validated on create, so only
    reachable by a zone database change): UnknownTimeZone, no Job."""
    cj = mk_cronjob()
    cj = evolve(cj, spec=evolve(cj.spec, time_zone="Mars/Base"))
    r = sync(cj, [], T0 + 5 * M + 100)
    assert events(r) == [("UnknownTimeZone", 'invalid timeZone: "Mars/Base": unknown time zone Mars/Base',
                          "Warning")]
    assert r.requeue_after is None


def test_unparseable_schedule_event():
    cj = mk_cronjob()
    cj = evolve(cj, spec=evolve(cj.spec, schedule="bogus"))
    r = sync(cj, [], T0 + 5 * M + 100)
    ((reason, msg, typ),) = events(r)
    assert (reason, typ) == ("UnparseableSchedule", "Warning") and msg.startswith('unparseable schedule: "bogus" : ')


def test_invalid_schedule_event_for_a_schedule_that_never_fires():
    """utils.go mostRecentScheduleTime: `0 0 30 2 *` parses (robfig accepts
    day 30 of February) but never fires, so two consecutive times are less
    than a second apart (both zero): syncCronJob records InvalidSchedule and
    creates nothing. Reached through the API, as a user would."""
    from kstate import Cluster
    c = Cluster(nodes=1, seed=0, start="2026-01-01T10:00:00Z")
    c.apply({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "feb30"},
             "spec": {"schedule": "0 0 30 2 *", "jobTemplate": {"spec": {"template": {"spec": {
                 "restartPolicy": "Never", "containers": [{"name": "t", "image": "busybox"}]}}}}}})
    c.advance("1m")
    assert [(e.reason, e.message, e.type) for e in c.events("CronJob")] == [
        ("InvalidSchedule", "invalid schedule: 0 0 30 2 * : time difference between two schedules is less than "
                            "1 second", "Warning")]
    assert c.list("Job") == []


def test_miss_schedule_cannot_fire_the_deadline_bounds_the_search():
    """syncCronJob's tooLate check (MissSchedule) follows mostRecentScheduleTime,
    which already starts its search at now − startingDeadlineSeconds: the
    time it returns is never more than the deadline in the past, so a sync
    long after a missed slot records no MissSchedule and creates no Job for
    it — the slot is skipped quietly and the next one runs."""
    cj = mk_cronjob(startingDeadlineSeconds=10, last=T0)
    r = sync(cj, [], T0 + 5 * M + 30_000)            # the 10:05 slot is 30 s past, the deadline 10 s
    assert events(r) == []
    assert not [a for a in r.actions if isinstance(a, Create)]
    assert r.requeue_after == 4 * M + 30_000 + 100     # woken for the next slot, 10:10:00.100
