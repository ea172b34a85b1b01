"""`BatchMachine`: ClusterMachine plus Jobs and CronJobs.

On top of the cluster machine's node and pod faults it creates Jobs (some
Indexed, some with a pod failure policy that ignores disruptions and fails
the Job on exit code 42, some with backoffLimitPerIndex; pods exiting 0, 1
or 42 after a few seconds), suspends, resumes and deletes them, creates
CronJobs (Allow, Forbid or Replace, a few schedules, some with a time zone)
and jumps time by hours. Every step checks every registered invariant (the
Job and CronJob ones through `other_registered_invariants`). `settle` first
suspends every CronJob (they would fire forever: the faults stop, and so
does new work), then runs the cluster machine's settle; after it:

- every Job that is not suspended has finished — Complete or Failed —
  unless its pending pods fit no node (when some pod crash-loops forever and the cluster
  cannot go quiet: every such Job created more than 15 minutes before the
  end; its back-off is at most 10 + 20 + 40 s, its pods run at most 30 s);
- a finished Job has no active pods left;
- every CronJob's status.active names only existing Jobs;
- the Job and CronJob controllers would do nothing more for a key that is
  not already queued (the lost-wakeup check; CronJobs keep firing, so the
  cluster never goes quiet and keys legitimately wait on timers).
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule

from kstate.controllers import cronjob as cjc
from kstate.controllers import job as jc
from kstate.resources.pod import TERMINAL_PHASES
from kstate.testing.machine import ClusterMachine
from kstate.testing.strategies import ANN_EXIT_AFTER, ANN_EXIT_CODE

JOB_NAMES = ("batch-a", "batch-b", "batch-c")
CRONJOB_NAMES = ("nightly", "often")
SCHEDULES = ("*/5 * * * *", "*/15 * * * *", "0 * * * *", "30 2 * * *", "@hourly")
#: a Job not suspended must be finished this long after its creation, faults stopped.
FINISH_WITHIN = 15 * 60_000


def _template(draw, pfp: bool) -> dict:
    code = draw(st.sampled_from(("0", "0", "1", "42")))
    after = draw(st.sampled_from(("1s", "5s", "30s")))
    return {"metadata": {"annotations": {ANN_EXIT_AFTER: after, ANN_EXIT_CODE: code}},
            "spec": {"restartPolicy": "Never" if pfp else draw(st.sampled_from(("Never", "OnFailure"))),
                     "containers": [{"name": "main", "image": "busybox"}]}}


@st.composite
def job_specs(draw) -> dict:
    pfp = draw(st.booleans())
    indexed = draw(st.booleans())
    per_index = indexed and draw(st.booleans())
    completions = draw(st.integers(1, 4))
    # restartPolicy Never with backoffLimitPerIndex: with OnFailure no pod
    # ever fails, the per-index limit never applies and backoffLimit
    # defaults to MaxInt32, so a failing container restarts forever.
    spec: dict = {"completions": completions, "parallelism": draw(st.integers(1, 3)),
                  "backoffLimit": draw(st.integers(0, 3)), "template": _template(draw, pfp or per_index)}
    if indexed:
        spec["completionMode"] = "Indexed"
    if per_index:
        spec["backoffLimitPerIndex"] = draw(st.integers(0, 2))
        del spec["backoffLimit"]
    if pfp:
        spec["podFailurePolicy"] = {"rules": [
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}}]}
    return spec


@st.composite
def job_manifests(draw) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": draw(st.sampled_from(JOB_NAMES))},
            "spec": draw(job_specs())}


@st.composite
def cronjob_manifests(draw) -> dict:
    spec: dict = {"schedule": draw(st.sampled_from(SCHEDULES)),
                  "concurrencyPolicy": draw(st.sampled_from(("Allow", "Forbid", "Replace"))),
                  "jobTemplate": {"spec": draw(job_specs())}}
    if draw(st.booleans()):
        spec["timeZone"] = draw(st.sampled_from(("Europe/Paris", "America/New_York")))
    if draw(st.booleans()):
        spec["startingDeadlineSeconds"] = draw(st.sampled_from((30, 600)))
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": draw(st.sampled_from(CRONJOB_NAMES))}, "spec": spec}


def _finished(job) -> bool:
    return jc.is_finished(job)


class BatchMachine(ClusterMachine):
    jobs = Bundle("jobs")
    cronjobs = Bundle("cronjobs")

    @rule(target=jobs, j=job_manifests())
    def create_job(self, j: dict) -> str:
        name = j["metadata"]["name"]
        if self.engine.get("Job", "default", name) is None:
            self.cluster.apply(j)
        return name

    @rule(name=jobs, suspend=st.booleans())
    def suspend_or_resume_job(self, name: str, suspend: bool) -> None:
        job = self.engine.get("Job", "default", name)
        if job is None or job.metadata.deletion_timestamp is not None or _finished(job):
            return
        if suspend:
            self.cluster.suspend("Job", name)
        else:
            self.cluster.resume("Job", name)

    @rule(name=jobs)
    def delete_job(self, name: str) -> None:
        if self.engine.get("Job", "default", name) is not None:
            self.cluster.delete("Job", name)

    @rule(target=cronjobs, c=cronjob_manifests())
    def create_cronjob(self, c: dict) -> str:
        name = c["metadata"]["name"]
        if self.engine.get("CronJob", "default", name) is None:
            self.cluster.apply(c)
        return name

    @rule(name=cronjobs, suspend=st.booleans())
    def suspend_or_resume_cronjob(self, name: str, suspend: bool) -> None:
        if self.engine.get("CronJob", "default", name) is not None:
            (self.cluster.suspend if suspend else self.cluster.resume)("CronJob", name)

    @rule(name=cronjobs)
    def delete_cronjob(self, name: str) -> None:
        if self.engine.get("CronJob", "default", name) is not None:
            self.cluster.delete("CronJob", name)

    @rule(hours=st.integers(1, 3))
    def jump(self, hours: int) -> None:
        """A large time jump: many schedule times pass in one advance."""
        self.cluster.advance(f"{hours}h")

    # ----------------------------------------------------------- liveness

    @rule()
    def settle(self) -> None:
        for cj in self.cluster.list("CronJob"):
            if not cj.spec.suspend:
                self.cluster.suspend("CronJob", cj.metadata.name)
        super().settle()

    def controller_keys(self) -> dict[str, list]:
        keys = super().controller_keys()
        eng = self.engine
        for name, kind in ((jc.NAME, "Job"), (cjc.NAME, "CronJob"), (jc.TTL_NAME, "Job")):
            keys[name] = [k for o in eng.store.list(kind)
                          if not eng.is_queued(name, k := (kind, o.metadata.namespace, o.metadata.name))]
        return keys

    def liveness_problems(self) -> list[str]:
        out = super().liveness_problems()
        eng = self.engine
        nodes = eng.store.list("Node")
        for job in eng.store.list("Job"):
            name = f"{job.metadata.namespace}/{job.metadata.name}"
            live = [p for p in eng.store.list("Pod", job.metadata.namespace)
                    if any(r.uid == job.metadata.uid for r in p.metadata.owner_references)
                    and p.metadata.deletion_timestamp is None and p.status.phase not in TERMINAL_PHASES]
            if _finished(job):
                if live:
                    out.append(f"Job {name} finished but pods {[p.metadata.name for p in live]} still run")
                continue
            if job.spec.suspend or job.metadata.deletion_timestamp is not None:
                continue
            pending = [p for p in live if not p.spec.node_name]
            if pending and not any(self.fits(p, n, {}) for p in pending for n in nodes):
                continue  # its pods fit no node (taints, none Ready): the Job cannot progress
            if not self.never_stabilises() or eng.now - job.metadata.creation_timestamp > FINISH_WITHIN:
                out.append(f"Job {name} created {(eng.now - job.metadata.creation_timestamp) // 1000} s ago "
                           f"is still {job.status.state} (active={job.status.active})")
        for cj in eng.store.list("CronJob"):
            for ref in cj.status.active:
                j = eng.get("Job", ref.namespace, ref.name)
                if j is None or (ref.uid and j.metadata.uid != ref.uid):
                    out.append(f"CronJob {cj.metadata.name} lists missing Job {ref.name} as active")
        return out
