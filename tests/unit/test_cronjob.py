"""CronJob: robfig/cron ParseStandard + Next, the missed-schedule
computation (ported from pkg/controller/cronjob/utils_test.go
TestMostRecentScheduleTime, TestNextScheduleTimeDuration, TestByJobStartTime),
decoding and validation (validation.go validateCronJobSpec /
ValidateCronJobCreate), and whole-cluster behaviour (the acceptance runs)."""
import datetime as dt

import pytest
from croniter import croniter

import kstate
from kstate.controllers import cronjob as cc
from kstate.errors import SpecError
from kstate.io import parse_object, to_manifest
from kstate.resources.batch import CronJob, CronJobSpec, CronJobStatus, Job, JobSpec, JobStatus, JobTemplateSpec
from kstate.resources.cron import CronError, EverySchedule, next_time, parse_standard
from kstate.resources.meta import ObjectMeta
from kstate.resources.workloads import PodTemplateSpec


def ms(s: str) -> int:
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


TOP = ms("2016-05-19T10:00:00Z")       # utils_test.go topOfTheHour
M, H = 60_000, 3_600_000


# ------------------------------------------------------------------ parser


@pytest.mark.parametrize("spec,message", [
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("*/2/3 * * * *", "too many slashes: */2/3"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'),
    ("TZ=Mars/Base * * * * *", "provided bad location Mars/Base: unknown time zone Mars/Base"),
])
def test_parse_errors(spec, message):
    with pytest.raises(CronError) as e:
        parse_standard(spec)
    assert str(e.value) == message


@pytest.mark.parametrize("spec", [
    "0 0 1 1 *", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
    "? ? ? ? ?", "0 9 * JAN-mar MON-fri", "5/15 * * * *", "1,2,3-5 */4 * * sun",
])
def test_parse_accepts(spec):
    parse_standard(spec)


def test_descriptors_equal_their_fields():
    assert parse_standard("@weekly") == parse_standard("0 0 * * 0")
    assert parse_standard("@hourly") == parse_standard("0 * * * *")
    assert parse_standard("@every 1h30m") == EverySchedule(delay_ms=5_400_000)
    assert parse_standard("@every 1500ms") == EverySchedule(delay_ms=1_000)      # truncated to seconds
    assert parse_standard("@every 10ms") == EverySchedule(delay_ms=1_000)        # at least one second


def _next(spec, at, zone="UTC"):
    return next_time(parse_standard(spec), zone, ms(at))


@pytest.mark.parametrize("spec,at,want", [
    ("*/5 * * * *", "2026-01-01T10:00:00Z", "2026-01-01T10:05:00Z"),      # strictly after
    ("*/5 * * * *", "2026-01-01T10:04:59.900Z", "2026-01-01T10:05:00Z"),
    ("0 9 * * 1-5", "2026-01-02T10:00:00Z", "2026-01-05T09:00:00Z"),      # Fri → Mon
    ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),       # leap day
    # both day fields restricted: either matches (1st of the month OR a Monday)
    ("0 0 1 * 1", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"),
    # `*/2` in day-of-week clears the star bit: still the OR rule
    ("0 0 13 * */2", "2026-01-05T12:00:00Z", "2026-01-06T00:00:00Z"),
    # `?` keeps it: AND (the 13th that is any weekday)
    ("0 0 13 * ?", "2026-01-05T12:00:00Z", "2026-01-13T00:00:00Z"),
])
def test_next_utc(spec, at, want):
    assert _next(spec, at) == ms(want)


def test_next_in_zone_skips_the_dst_gap():
    # 2026-03-08 02:30 does not exist in New York: SpecSchedule.Next skips to the 9th
    assert _next("30 2 * * *", "2026-03-07T10:00:00Z", "America/New_York") == ms("2026-03-09T06:30:00Z")
    assert _next("TZ=Europe/Berlin 0 9 * * *", "2026-01-01T00:00:00Z") == ms("2026-01-01T08:00:00Z")


def test_never_firing_schedule():
    assert _next("59 23 31 2 *", "2026-01-01T00:00:00Z") is None


@pytest.mark.parametrize("spec", ["*/5 * * * *", "0 9 * * 1-5", "30 6-16/4 * * 1-5", "15 3 1,15 * *",
                                  "0 0 * JAN,JUL *", "@hourly", "0 12 * * 4"])
def test_next_agrees_with_croniter_where_semantics_agree(spec):
    """Where robfig and croniter agree (no day-field OR subtleties, no
    weekday 7), a day of fire times from both matches."""
    t = ms("2026-01-01T00:00:00Z")
    it = croniter(spec.replace("@hourly", "0 * * * *"), dt.datetime.fromtimestamp(t / 1000, dt.timezone.utc))
    for _ in range(50):
        want = int(it.get_next(dt.datetime).timestamp() * 1000)
        t = next_time(parse_standard(spec), "UTC", t)
        assert t == want


def test_croniter_differs_on_weekday_7_and_step_restriction():
    """Pinned differences: croniter accepts weekday 7 (Sunday), robfig
    refuses it; with `*/2` in day-of-week robfig uses the OR rule."""
    croniter("0 0 * * 7")
    with pytest.raises(CronError):
        parse_standard("0 0 * * 7")


# ------------------------------------------------------------------ utils.go


def cronjob(schedule="*/5 * * * *", created=TOP, last=None, sds=None, tz=None, **spec):
    return CronJob(metadata=ObjectMeta(name="cj", namespace="default", uid="uid-cj", creation_timestamp=created),
                   spec=CronJobSpec(schedule=schedule, job_template=JobTemplateSpec(), starting_deadline_seconds=sds,
                                    time_zone=tz, **spec),
                   status=CronJobStatus(last_schedule_time=last))


MRST = [
    # name, schedule, created, last, sds, include, now, earliest, recent, missed, err
    ("now before next schedule", "0 * * * *", TOP, None, None, False, TOP + 30_000, TOP, None, "none", False),
    ("now just after next schedule", "0 * * * *", TOP, None, None, False, TOP + 61 * M, TOP, TOP + 60 * M, "none",
     False),
    ("missed 5 schedules", "0 * * * *", TOP + 10_000, None, None, False, TOP + 301 * M, TOP + 10_000, TOP + 300 * M,
     "few", False),
    ("complex schedule", "30 6-16/4 * * 1-5", TOP, TOP + 30 * M, None, False, TOP + 24 * H + 31 * M, TOP + 30 * M,
     TOP + 24 * H + 30 * M, "few", False),
    ("another complex schedule", "30 10,11,12 * * 1-5", TOP, TOP + 30 * M, None, False, TOP + 30 * H + 30 * M,
     TOP + 30 * M, None, "few", False),
    ("complex schedule with longer diff between executions", "30 6-16/4 * * 1-5", TOP, TOP + 30 * M, None, False,
     TOP + 96 * H + 31 * M, TOP + 30 * M, TOP + 96 * H + 30 * M, "few", False),
    ("complex schedule with shorter diff between executions", "30 6-16/4 * * 1-5", TOP, None, None, False,
     TOP + 24 * H + 31 * M, TOP, TOP + 24 * H + 30 * M, "few", False),
    ("@every schedule", "@every 1h", TOP - 59 * M, TOP + M, 10, False, TOP + 7 * 24 * H, TOP + M,
     TOP + 6 * 24 * H + 23 * H + M, "many", False),
    ("rogue cronjob", "59 23 31 2 *", TOP + 10_000, None, None, False, TOP + H, None, None, None, True),
    ("earliestTime being CreationTimestamp and LastScheduleTime", "0 * * * *", TOP, TOP, None, False, TOP + 30_000,
     TOP, None, "none", False),
    ("earliestTime being LastScheduleTime", "*/5 * * * *", TOP, TOP + 30 * M, None, False, TOP + 31 * M,
     TOP + 30 * M, None, "none", False),
    ("earliestTime being LastScheduleTime (within StartingDeadlineSeconds)", "*/5 * * * *", TOP, TOP + 30 * M, 60,
     False, TOP + 31 * M, TOP + 30 * M, None, "none", False),
    ("earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)", "*/5 * * * *", TOP, TOP + 30 * M, 60,
     True, TOP + 32 * M, TOP + 31 * M, None, "none", False),
]


@pytest.mark.parametrize("name,schedule,created,last,sds,include,now,earliest,recent,missed,err", MRST,
                         ids=[r[0] for r in MRST])
def test_most_recent_schedule_time(name, schedule, created, last, sds, include, now, earliest, recent, missed, err):
    """utils_test.go TestMostRecentScheduleTime."""
    cj = cronjob(schedule, created, last, sds)
    sched = parse_standard(schedule)
    if err:
        with pytest.raises(CronError, match="less than 1 second"):
            cc.most_recent_schedule_time(cj, now, sched, "UTC", include)
        return
    assert cc.most_recent_schedule_time(cj, now, sched, "UTC", include) == (earliest, recent, missed)


@pytest.mark.parametrize("schedule,last,now,want", [
    # utils_test.go TestNextScheduleTimeDuration
    ("30 6-16/4 * * 1-5", TOP + 30 * M, TOP + 24 * H + 31 * M, 3 * H + 59 * M + 100),
    ("30 10,11,12 * * 1-5", TOP + 30 * M, TOP + 30 * H + 30 * M, 66 * H + 100),
    ("0 12 * * 4", TOP + 2 * H, TOP + 19 * 24 * H + H + 30 * M, 48 * H + 30 * M + 100),
    ("0 12 * * 5", None, TOP + 6 * H, 20 * H + 100),
], ids=["complex schedule skipping weekend", "another complex schedule skipping weekend",
        "once a week cronjob, missed two runs", "no previous run of a cronjob"])
def test_next_schedule_time_duration(schedule, last, now, want):
    cj = cronjob(schedule, TOP, last)
    assert cc.next_schedule_delay(cj, now, parse_standard(schedule), "UTC") == want


def test_next_schedule_time_errors_for_a_rogue_schedule():
    """utils_test.go TestNextScheduleTime case 8."""
    cj = cronjob("59 23 31 2 *", TOP + 10_000)
    with pytest.raises(CronError):
        cc.next_schedule_time(cj, TOP + H, parse_standard("59 23 31 2 *"), "UTC")


def test_too_many_missed_still_schedules_the_most_recent():
    cj = cronjob("* * * * *", TOP)
    got, warn = cc.next_schedule_time(cj, TOP + 200 * M + 30_000, parse_standard("* * * * *"), "UTC")
    assert got == TOP + 200 * M and warn


def _job(name, start):
    return Job(metadata=ObjectMeta(name=name), spec=JobSpec(template=PodTemplateSpec()),
               status=JobStatus(start_time=start))


@pytest.mark.parametrize("given,want", [
    # utils_test.go TestByJobStartTime
    ([("b", None), ("a", None)], ["a", "b"]),
    ([("a", None), ("b", 1)], ["b", "a"]),
    ([("a", 1), ("b", None)], ["a", "b"]),
    ([("b", 1), ("a", 1)], ["a", "b"]),
    ([("a", 2), ("b", 1)], ["b", "a"]),
])
def test_by_job_start_time(given, want):
    jobs = [_job(n, None if s is None else s * 365 * 24 * H) for n, s in given]
    assert [j.metadata.name for j in sorted(jobs, key=cc._start_key)] == want


def test_job_name_and_scheduled_timestamp_annotation():
    cj = cronjob(tz="Europe/Berlin")
    j = cc.job_from_template(cj, ms("2026-01-01T10:05:00Z"))
    assert j.metadata.name == f"cj-{ms('2026-01-01T10:05:00Z') // 60_000}"
    assert j.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2026-01-01T11:05:00+01:00"
    j = cc.job_from_template(cronjob(), ms("2026-01-01T10:05:00Z"))
    assert j.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2026-01-01T10:05:00Z"


# ------------------------------------------------------------------ decoding


def manifest(name="tick", schedule="*/5 * * * *", runs="1s", exit_code=0, **spec):
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, **spec, "jobTemplate": {"spec": {"template": {
                "metadata": {"annotations": {"kstate.io/exit-after": runs, "kstate.io/exit-code": str(exit_code)}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}}}


def test_defaults():
    cj = parse_object(manifest())
    s = cj.spec
    assert (s.concurrency_policy, s.suspend, s.successful_jobs_history_limit, s.failed_jobs_history_limit,
            s.starting_deadline_seconds, s.time_zone) == ("Allow", False, 3, 1, None, None)
    assert s.job_template.spec.completions == 1 and s.job_template.spec.backoff_limit == 6
    again = parse_object(to_manifest(cj))
    assert again.spec == cj.spec


@pytest.mark.parametrize("change,message", [
    ({"schedule": "* * * * 7"}, "spec.schedule: Invalid value: \"* * * * 7\": end of range (7) above maximum (6): 7"),
    ({"schedule": "TZ=UTC * * * * *"}, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
    ({"schedule": "CRON_TZ=UTC * * * * *"}, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
    ({"timeZone": "Local"}, "spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone"),
    ({"timeZone": "Mars/Base"}, "unknown time zone Mars/Base"),
    ({"concurrencyPolicy": "Sometimes"}, 'spec.concurrencyPolicy: Unsupported value: "Sometimes"'),
    ({"schedule": ""}, "spec.schedule: Required value"),
])
def test_validation(change, message):
    with pytest.raises(SpecError) as e:
        parse_object(manifest(**change))
    assert message in str(e.value)


def test_name_longer_than_52_refused():
    with pytest.raises(SpecError, match="must be no more than 52 characters"):
        parse_object(manifest(name="a" * 53))
    parse_object(manifest(name="a" * 52))


# ------------------------------------------------------------------ cluster runs


def created_jobs(c):
    return [(int(line.split()[0]), line.split()[3]) for line in c.trace() if " create Job " in line]


def test_acceptance_every_five_minutes_for_an_hour():
    """A `*/5 * * * *` CronJob created at 10:00:00 UTC: Next is strictly
    after the creation time, so the first Job is for 10:05; each is created
    100 ms after its minute (nextScheduleDelta). One hour covers 10:05 …
    10:55 (11 Jobs); the 11:00 Job, the 12th, appears at 11:00:00.100."""
    c = kstate.Cluster(nodes=2, start="2026-01-01T10:00:00Z")
    c.apply(manifest())
    c.advance("1h")
    first = ms("2026-01-01T10:05:00Z") // 60_000
    assert created_jobs(c) == [(300_000 * (i + 1) + 100, f"default/tick-{first + 5 * i}") for i in range(11)]
    c.advance("100ms")
    assert len(created_jobs(c)) == 12 and created_jobs(c)[-1] == (3_600_100, f"default/tick-{first + 55}")
    # history: the 3 newest successful Jobs are kept, besides the running one
    assert sorted(j.metadata.name for j in c.list("Job")) == [f"tick-{first + 5 * i}" for i in (8, 9, 10, 11)]
    cj = c.get("CronJob", "tick")
    assert cj.status.last_schedule_time == ms("2026-01-01T11:00:00Z")
    assert [r.name for r in cj.status.active] == [f"tick-{first + 55}"]
    assert cj.status.active[0].uid == c.get("Job", f"tick-{first + 55}").metadata.uid


def test_acceptance_forbid_runs_late_never_overlaps():
    c = kstate.Cluster(nodes=2, start="2026-01-01T10:00:00Z")
    c.apply(manifest(runs="7m", concurrencyPolicy="Forbid"))
    max_active = 0
    for _ in range(60 * 6):
        c.advance("10s")
        running = [j for j in c.list("Job") if not any(x.type in ("Complete", "Failed") and x.status == "True"
                                                           for x in j.status.conditions)]
        max_active = max(max_active, len(running))
    assert max_active == 1
    jobs = created_jobs(c)
    # each later Job starts when its predecessor finishes (late), for the most recent missed slot
    assert jobs[0][0] == 300_100
    for (t_prev, _), (t, name) in zip(jobs, jobs[1:]):
        assert t - t_prev > 7 * 60_000
        scheduled = int(name.rsplit("-", 1)[1]) * 60_000 - ms("2026-01-01T10:00:00Z")
        assert scheduled < t and scheduled % 300_000 == 0
    assert "JobAlreadyActive" in [e.reason for e in c.events("CronJob")]


def test_replace_deletes_the_running_job():
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(runs="7m", concurrencyPolicy="Replace"))
    c.advance("11m")
    reasons = [e.reason for e in c.events("CronJob")]
    assert "SuccessfulDelete" in reasons
    cj = c.get("CronJob", "tick")
    assert len(cj.status.active) == 1 and cj.status.active[0].name.endswith(str(ms("2026-01-01T10:10:00Z") // 60000))


def test_suspend_stops_new_jobs_and_resume_runs_only_the_most_recent():
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(suspend=True))
    c.advance("30m")
    assert created_jobs(c) == [] and c.get("CronJob", "tick").status.state == "Suspended"
    c.apply(manifest(suspend=False))
    c.advance("1s")
    jobs = created_jobs(c)
    assert [name for _, name in jobs] == [f"default/tick-{ms('2026-01-01T10:30:00Z') // 60000}"]


def test_starting_deadline_drops_the_slot_forbid_held_back():
    """With startingDeadlineSeconds 60 the 10:10 slot, held back by Forbid
    until the 10:05 Job ends at ~10:12, is outside the deadline window
    (earliest = now − 60 s), so nextScheduleTime finds nothing: no late Job,
    and the next one is the 10:15 slot on time."""
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(runs="7m", concurrencyPolicy="Forbid", startingDeadlineSeconds=60))
    c.advance("20m")
    assert [t for t, _ in created_jobs(c)] == [300_100, 900_100]


def test_failed_history_limit_keeps_one():
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(runs="1s", exit_code=1))
    c.advance("1h")
    failed = [j for j in c.list("Job") if any(x.type == "Failed" for x in j.status.conditions)]
    assert len(failed) <= 1


def test_kubectl_columns():
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest())
    c.advance("6m")
    from kstate.registry import REGISTRY
    spec = REGISTRY.kind("CronJob")
    assert spec.row(c.get("CronJob", "tick"), c.engine.now) == ["tick", "*/5 * * * *", "<none>", "False", "0",
                                                                 "60s", "6m"]


# ------------------------------------------------------------------ API and timeline verbs


def test_api_suspend_resume_job_and_cronjob():
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(runs="10m"))
    c.advance("6m")
    job = c.list("Job")[0].metadata.name
    c.suspend("Job", job)
    c.advance("1m")
    assert c.get("Job", job).status.state == "Suspended" and c.list("Pod") == []
    c.resume("job", job)
    c.advance("1s")
    assert c.get("Job", job).status.active == 1
    c.suspend("cj", "tick")
    assert c.get("CronJob", "tick").spec.suspend is True
    c.advance("10m")
    assert len(created_jobs(c)) == 1
    c.resume("CronJob", "tick")
    c.advance("1s")
    assert len(created_jobs(c)) == 2
    with pytest.raises(kstate.errors.InvalidOperation):
        c.suspend("Deployment", "x")


def test_api_create_job_from_cronjob():
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest())
    j = c.create_job_from_cronjob("tick", "by-hand")
    assert j.metadata.annotations["cronjob.kubernetes.io/instantiate"] == "manual"
    assert j.metadata.owner_references[0].kind == "CronJob"
    c.advance("10s")
    assert c.get("Job", "by-hand").status.succeeded == 1
    assert "UnexpectedJob" in [e.reason for e in c.events("CronJob")]
    auto = c.create_job_from_cronjob("tick")
    assert auto.metadata.name.startswith("tick-manual-")


def test_scenario_verbs():
    from kstate.io.scenario import parse_scenario, run_scenario
    text = """
name: cron-verbs
cluster: {nodes: 1, seed: 1, start: "2026-01-01T10:00:00Z"}
manifests:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: tick}
    spec:
      schedule: "*/5 * * * *"
      jobTemplate:
        spec:
          template:
            metadata: {annotations: {kstate.io/exit-after: 1s}}
            spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
timeline:
  - at: 1m
    create-job: {from: tick, name: manual}
  - at: 2m
    suspend: {kind: CronJob, name: tick}
  - at: 12m
    resume: {kind: CronJob, name: tick}
expect:
  at-end:
    - {kind: Job, name: manual, path: status.succeeded, equals: 1}
    - {kind: Job, count: 2}
    - {kind: Job, name: tick-29454370, exists: true}
run: {until: 13m}
"""
    import yaml
    report = run_scenario(parse_scenario(yaml.safe_load(text)))
    assert report.ok, report.output


# ------------------------------------------------- updates (updateCronJob)


def test_schedule_change_requeues_for_the_new_next_time_not_now():
    """cronjob_controllerv2.go updateCronJob: a changed schedule is not
    synced at once but requeued for nextScheduleTimeDuration of the new
    schedule (the workqueue keeps an earlier wake-up). At 10:02 `0 12 * * *`
    becomes `1 * * * *`: 10:01 has just passed unmet — a sync now would run
    it late — but the CronJob next syncs at 11:01:00.100 and runs 11:01
    only."""
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(schedule="0 12 * * *"))
    c.advance("2m")
    c.apply(manifest(schedule="1 * * * *"))
    c.advance("59m")
    assert created_jobs(c) == []
    c.advance("100ms")
    assert created_jobs(c) == [(3_660_100, f"default/tick-{ms('2026-01-01T11:01:00Z') // 60_000}")]


def test_schedule_change_keeps_an_earlier_pending_wake_up():
    """The earlier wake-up (10:05:00.100 for `*/5`) stays: at that sync the
    new schedule `1 * * * *` has 10:01 unmet, and it runs then, late."""
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest())
    c.advance("2m")
    c.apply(manifest(schedule="1 * * * *"))
    c.advance("5m")
    assert created_jobs(c) == [(300_100, f"default/tick-{ms('2026-01-01T10:01:00Z') // 60_000}")]


def test_other_spec_changes_sync_at_once():
    """updateCronJob: any other change (here suspend, then resume) enqueues
    the CronJob now; resuming runs the most recent missed time at once."""
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(suspend=True))
    c.advance("7m")
    c.apply(manifest(suspend=False))
    c.advance("1s")
    assert created_jobs(c) == [(420_000, f"default/tick-{ms('2026-01-01T10:05:00Z') // 60_000}")]


def test_time_zone_change_requeues_for_the_new_zone():
    """A timeZone change is handled like a schedule change: `0 11 * * *` in
    UTC changed at 10:30 UTC to Europe/Paris (11:30 there) is next due at
    10:00 UTC the next day, not at 11:00 UTC."""
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest(schedule="0 11 * * *"))
    c.advance("30m")
    c.apply(manifest(schedule="0 11 * * *", timeZone="Europe/Paris"))
    c.advance("24h")
    assert created_jobs(c) == [(ms("2026-01-02T10:00:00Z") - ms("2026-01-01T10:00:00Z") + 100,
                                f"default/tick-{ms('2026-01-02T10:00:00Z') // 60_000}")]


def test_update_keeps_the_create_rule_for_tz_in_schedule():
    """validateScheduleFormat on update allows TZ in the schedule only when
    the stored schedule had one (a CronJob older than the rule); kstate
    never stores such a schedule, so an update adding one is refused like a
    create — and never together with timeZone."""
    c = kstate.Cluster(nodes=1, start="2026-01-01T10:00:00Z")
    c.apply(manifest())
    with pytest.raises(SpecError, match="cannot use TZ or CRON_TZ in schedule, use timeZone field instead"):
        c.apply(manifest(schedule="TZ=UTC */5 * * * *"))
    assert c.get("CronJob", "tick").spec.schedule == "*/5 * * * *"
