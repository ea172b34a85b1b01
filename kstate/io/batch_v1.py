"""batch/v1 Job and CronJob — strict decoding, API-server defaults, validation with field
paths, and the way back to the `kubectl get -o json` shape.

Owns: the group's registries `DECODERS`, `EMITTERS`, `PART_EMITTERS`,
`job_to_manifest`, and the generated selector (`generated_labels`,
`with_generated_selector`), which the kind's create strategy applies once the
uid is known. Imports the stdlib, `kstate.resources.*`, `kstate.io.fields`,
`kstate.io.selectors` and `kstate.io.core_v1_pod` (pod templates); never
`kstate.io.manifests`, yaml, the engine or the controllers.

Mirrors:
  * pkg/apis/batch/v1/defaults.go SetDefaults_Job (completions/parallelism,
    backoffLimit 6 — MaxInt32 with backoffLimitPerIndex —, completionMode
    NonIndexed, suspend false, podReplacementPolicy, Job labels from the
    template when the Job has none);
  * pkg/apis/batch/validation/validation.go validateJobSpec, ValidateJobSpec,
    validateGeneratedSelector, ValidateJob (the Indexed hostname rule),
    ValidateJobSpecUpdate (immutable fields);
  * pkg/registry/batch/job/strategy.go generateSelector.

podFailurePolicy and successPolicy are validated as validatePodFailurePolicy
and validateSuccessPolicy do (onPodConditions status defaulted to True as
SetDefaults_PodFailurePolicyOnPodConditionsPattern does) and stored as frozen
JSON, which the Job controller reads.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from kstate.errors import SpecError
from kstate.io.core_v1_pod import pod_template, pod_template_out
from kstate.io.fields import (
    BAD, Ctx, boolean, condition_list, condition_out, dns1123_label_error, dot, given_or_empty, int64,
    integer, list_of, non_negative, object_meta, object_meta_out, one_of, string, struct, time_out,
    timestamp, top_level,
)
from kstate.io.selectors import label_selector
from kstate.resources import ObjectMeta
from kstate.resources.frozen import EMPTY, FrozenDict, deep_freeze, evolve, thaw
from kstate.resources.selector import LabelSelector, selector_to_dict
from kstate.resources.cron import CronError, load_zone, parse_standard
from kstate.resources.event import ObjectReference
from kstate.resources.batch import (
    CronJob, CronJobSpec, CronJobStatus, JobTemplateSpec, INDEXED, LABEL_CONTROLLER_UID, LABEL_JOB_NAME, LEGACY_LABEL_CONTROLLER_UID, LEGACY_LABEL_JOB_NAME,
    NON_INDEXED, Job, JobSpec, JobStatus,
)
from kstate.resources.workloads import PodTemplateSpec

__all__ = ["DECODERS", "EMITTERS", "PART_EMITTERS", "cronjob_to_manifest", "job_spec", "job_spec_out", "job_to_manifest",
           "with_generated_selector"]

_nn_int = non_negative(integer)
_MAX_INT32 = 2**31 - 1
_MAX_PARALLELISM_INDEXED = 100_000       # validation.go maxParallelismForIndexedJob
_REPLACEMENT_POLICIES = ("Failed", "TerminatingOrFailed")
_PFP_ACTIONS = ("Count", "FailIndex", "FailJob", "Ignore")
_PFP_OPERATORS = ("In", "NotIn")
_PFP_STATUSES = ("False", "True", "Unknown")
_MAX_PFP_RULES = 20                      # validation.go maxPodFailurePolicyRules
_MAX_PFP_PATTERNS = 20                   # maxPodFailurePolicyOnPodConditionsPatterns
_MAX_PFP_VALUES = 255                    # maxPodFailurePolicyOnExitCodesValues
_MAX_SUCCESS_RULES = 20                  # maxSuccessPolicyRule
_MAX_SUCCEEDED_INDEXES_LEN = 64 * 1024   # maxJobSuccessPolicySucceededIndexesLimit


def _too_many(ctx: Ctx, path: str, n: int, limit: int) -> None:
    ctx.add(path, f"Too many: {n}: must have at most {limit} items")


def _pfp_exit_codes(ctx: Ctx, v: Any, path: str) -> Any:
    """validatePodFailurePolicyRuleOnExitCodes (the containerName check needs
    the template: `_check_pod_failure_policy`)."""
    r = struct(ctx, v, path, {"containerName": string, "operator": string,
                              "values": lambda c, x, p: list_of(c, x, p, integer)})
    if r is None:
        return BAD
    op, values = r.get("operator", ""), r.get("values", [])
    opath = dot(path, "operator")
    if op == "":
        ctx.required(opath, "valid values: " + ", ".join(f'"{o}"' for o in _PFP_OPERATORS))
    elif op not in _PFP_OPERATORS:
        ctx.not_supported(opath, op, _PFP_OPERATORS)
    vpath = dot(path, "values")
    if not values:
        ctx.invalid(vpath, values, "at least one value is required")
    elif len(values) > _MAX_PFP_VALUES:
        _too_many(ctx, vpath, len(values), _MAX_PFP_VALUES)
    seen: set = set()
    for j, x in enumerate(values):
        if op == "In" and x == 0:
            ctx.invalid(f"{vpath}[{j}]", x, "must not be 0 for the In operator")
        if x in seen:
            ctx.duplicate(f"{vpath}[{j}]", x)
        seen.add(x)
    if any(a > b for a, b in zip(values, values[1:])):
        ctx.invalid(vpath, values, "must be ordered")
    out = {"operator": op, "values": values}
    if r.get("containerName") is not None:
        out = {"containerName": r.get("containerName"), **out}
    return out


def _pfp_pattern(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"type": string, "status": string})
    if r is None:
        return BAD
    t, st = r.get("type", ""), r.get("status", "") or "True"
    if not t:
        ctx.required(dot(path, "type"), "name part must be non-empty")
    if st not in _PFP_STATUSES:
        ctx.not_supported(dot(path, "status"), st, _PFP_STATUSES)
    return {"type": t, "status": st}


def _pfp_rule(ctx: Ctx, v: Any, path: str) -> Any:
    """validatePodFailurePolicyRule (FailIndex's need for
    backoffLimitPerIndex is checked with the spec)."""
    r = struct(ctx, v, path, {"action": string, "onExitCodes": _pfp_exit_codes,
                              "onPodConditions": lambda c, x, p: list_of(c, x, p, _pfp_pattern)})
    if r is None:
        return BAD
    action = r.get("action", "")
    apath = dot(path, "action")
    if action == "":
        ctx.required(apath, "valid values: " + ", ".join(f'"{a}"' for a in _PFP_ACTIONS))
    elif action not in _PFP_ACTIONS:
        ctx.not_supported(apath, action, _PFP_ACTIONS)
    out: dict = {"action": action}
    codes, conds = r.get("onExitCodes"), r.get("onPodConditions") or []
    if codes is not None:
        out["onExitCodes"] = codes
    if conds:
        if len(conds) > _MAX_PFP_PATTERNS:
            _too_many(ctx, dot(path, "onPodConditions"), len(conds), _MAX_PFP_PATTERNS)
        out["onPodConditions"] = conds
    if codes is not None and conds:
        ctx.add(path, "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported")
    if codes is None and not conds:
        ctx.add(path, "Invalid value: specifying one of OnExitCodes and OnPodConditions is required")
    return out


def _pod_failure_policy(ctx: Ctx, v: Any, path: str) -> Any:
    """validatePodFailurePolicy: at most 20 rules, each valid."""
    r = struct(ctx, v, path, {"rules": lambda c, x, p: list_of(c, x, p, _pfp_rule)})
    if r is None:
        return BAD
    rules = r.get("rules", [])
    if len(rules) > _MAX_PFP_RULES:
        _too_many(ctx, dot(path, "rules"), len(rules), _MAX_PFP_RULES)
    return deep_freeze({"rules": rules})


def _check_pod_failure_policy(ctx: Ctx, pfp, template, per_index, path: str) -> None:
    """The checks of validatePodFailurePolicyRule that need the rest of the
    spec: FailIndex requires backoffLimitPerIndex; an onExitCodes
    containerName must name a container or init container of the template."""
    names = set()
    if isinstance(template, PodTemplateSpec) and template.spec is not None:
        names = {c.name for c in template.spec.containers} | {c.name for c in template.spec.init_containers}
    for i, rule in enumerate(pfp.get("rules", ())):
        rpath = f"{dot(path, 'rules')}[{i}]"
        if rule.get("action") == "FailIndex" and per_index is None:
            ctx.invalid(dot(rpath, "action"), "FailIndex", "requires the backoffLimitPerIndex to be set")
        codes = rule.get("onExitCodes")
        if codes is not None and codes.get("containerName") is not None and codes["containerName"] not in names:
            ctx.invalid(dot(dot(rpath, "onExitCodes"), "containerName"), codes["containerName"],
                        "must be one of the container or initContainer names in the pod template")


def _success_rule(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"succeededIndexes": string, "succeededCount": integer})
    if r is None:
        return BAD
    out = {}
    if r.get("succeededIndexes") is not None:
        out["succeededIndexes"] = r.get("succeededIndexes")
    if r.get("succeededCount") is not None:
        out["succeededCount"] = r.get("succeededCount")
    return out


def _success_policy(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"rules": lambda c, x, p: list_of(c, x, p, _success_rule)})
    if r is None:
        return BAD
    return deep_freeze({"rules": r.get("rules", [])})


def _go_q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_index_interval(part: str, completions: int) -> tuple[int, int, Optional[str]]:
    """validation.go parseIndexInterval: `x` or `x-y` with x < y < completions."""
    bounds = part.split("-")
    if len(bounds) > 2:
        return 0, 0, (f"the fragment {_go_q(part)} violates the requirement that an index interval can have "
                      "at most two parts separated by '-'")
    nums = []
    for b in bounds:
        if not (b.isdigit() or (b[:1] in "+-" and b[1:].isdigit())):
            return 0, 0, f"cannot convert string to integer for index: {_go_q(b)}"
        if int(b) >= completions:
            return 0, 0, f"too large index: {_go_q(b)}"
        nums.append(int(b))
    if len(nums) == 2 and nums[0] >= nums[1]:
        return 0, 0, f"non-increasing order, previous: {nums[0]}, current: {nums[1]}"
    return nums[0], nums[-1], None


def _indexes_total(text: str, completions: int) -> tuple[int, Optional[str]]:
    """validateIndexesFormat: (number of indexes, error or None).

    Example: "0-2,5" with completions 6 → (4, None); "3,1" → error
    "non-increasing order, previous: 3, current: 1".
    """
    if not text:
        return 0, None
    total, last = 0, None
    for part in text.split(","):
        x, y, err = _parse_index_interval(part, completions)
        if err is not None:
            return 0, err
        if last is not None and last >= x:
            return 0, f"non-increasing order, previous: {last}, current: {x}"
        total += y - x + 1
        last = y
    return total, None


def _check_success_policy(ctx: Ctx, sp, completions, path: str) -> None:
    """validateSuccessPolicy / validateSuccessPolicyRule."""
    rules = sp.get("rules", ())
    rpath = dot(path, "rules")
    if not rules:
        ctx.required(rpath, "at least one rules must be specified when the successPolicy is specified")
    if len(rules) > _MAX_SUCCESS_RULES:
        _too_many(ctx, rpath, len(rules), _MAX_SUCCESS_RULES)
    for i, rule in enumerate(rules):
        path_i = f"{rpath}[{i}]"
        count, idx = rule.get("succeededCount"), rule.get("succeededIndexes")
        if count is None and idx is None:
            ctx.required(path_i, "at least one of succeededCount or succeededIndexes must be specified")
        total = 0
        if idx is not None:
            ipath = dot(path_i, "succeededIndexes")
            if len(idx) > _MAX_SUCCEEDED_INDEXES_LEN:
                ctx.too_long(ipath, _MAX_SUCCEEDED_INDEXES_LEN)
            total, err = _indexes_total(idx, completions or 0)
            if err is not None:
                ctx.invalid(ipath, idx, f"error parsing succeededIndexes: {err}")
        if count is not None:
            cpath = dot(path_i, "succeededCount")
            if count < 0:
                ctx.invalid(cpath, count, "must be greater than or equal to 0")
            if completions is not None and count > completions:
                ctx.invalid(cpath, count, f"must be less than or equal to {completions} (the number of specified completions)")
            if idx is not None and count > total:
                ctx.invalid(cpath, count, f"must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)")


def _restart_policy(ctx: Ctx, spec: Any, path: str, has_pfp: bool) -> None:
    """validateJobSpec: the template's restartPolicy (defaulted to Always by
    SetDefaults_PodSpec) must be OnFailure or Never; Never only with a
    podFailurePolicy."""
    if spec is None:
        return
    rp = spec.restart_policy
    rpath = dot(dot(dot(path, "template"), "spec"), "restartPolicy")
    if rp in ("Always", ""):
        ctx.required(rpath, 'valid values: "OnFailure", "Never"')
    elif rp not in ("OnFailure", "Never"):
        ctx.not_supported(rpath, rp, ("OnFailure", "Never"))
    elif has_pfp and rp != "Never":
        ctx.invalid(rpath, rp, 'only "Never" is supported when podFailurePolicy is specified')


def job_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_Job + validateJobSpec (the selector rules that need the
    uid are applied at create: `with_generated_selector`)."""
    r = struct(ctx, v, path, {
        "parallelism": _nn_int,
        "completions": _nn_int,
        "activeDeadlineSeconds": non_negative(int64),
        "backoffLimit": _nn_int,
        "backoffLimitPerIndex": _nn_int,
        "maxFailedIndexes": _nn_int,
        "selector": label_selector,
        "manualSelector": boolean,
        "template": pod_template,
        "ttlSecondsAfterFinished": _nn_int,
        "completionMode": one_of((NON_INDEXED, INDEXED)),
        "suspend": boolean,
        "podReplacementPolicy": string,
        "podFailurePolicy": _pod_failure_policy,
        "successPolicy": _success_policy,
        "managedBy": string,
    })
    if r is None:
        return BAD
    template = given_or_empty(ctx, r, path, "template", pod_template)
    completions, parallelism = r.get("completions"), r.get("parallelism")
    if completions is None and parallelism is None:
        completions = parallelism = 1
    elif parallelism is None:
        parallelism = 1
    mode = r.get("completionMode", NON_INDEXED)
    per_index = r.get("backoffLimitPerIndex")
    max_failed = r.get("maxFailedIndexes")
    if max_failed is not None and per_index is None:
        ctx.required(dot(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified")
    if mode == INDEXED:
        if completions is None:
            ctx.required(dot(path, "completions"), "when completion mode is Indexed")
        if parallelism > _MAX_PARALLELISM_INDEXED:
            ctx.invalid(dot(path, "parallelism"), parallelism,
                        f"must be less than or equal to {_MAX_PARALLELISM_INDEXED} when completion mode is Indexed")
        if completions is not None and max_failed is not None and max_failed > completions:
            ctx.invalid(dot(path, "maxFailedIndexes"), max_failed, "must be less than or equal to completions")
    else:
        if per_index is not None:
            ctx.invalid(dot(path, "backoffLimitPerIndex"), per_index, "requires indexed completion mode")
        if max_failed is not None:
            ctx.invalid(dot(path, "maxFailedIndexes"), max_failed, "requires indexed completion mode")
    pfp = r.get("podFailurePolicy")
    if pfp is not None:
        _check_pod_failure_policy(ctx, pfp, template, per_index, dot(path, "podFailurePolicy"))
    if r.given("successPolicy") and mode != INDEXED:
        ctx.invalid(dot(path, "successPolicy"), r.raw.get("successPolicy"), "requires indexed completion mode")
    elif r.get("successPolicy") is not None:
        _check_success_policy(ctx, r.get("successPolicy"), completions, dot(path, "successPolicy"))
    replacement = r.get("podReplacementPolicy")
    if replacement is not None:
        if pfp is not None and replacement != "Failed":
            ctx.not_supported(dot(path, "podReplacementPolicy"), replacement, ("Failed",))
        elif pfp is None and replacement not in _REPLACEMENT_POLICIES:
            ctx.not_supported(dot(path, "podReplacementPolicy"), replacement, _REPLACEMENT_POLICIES)
    else:
        replacement = "Failed" if pfp is not None else "TerminatingOrFailed"
    manual = r.get("manualSelector")
    sel = r.get("selector")
    if isinstance(template, PodTemplateSpec):
        _restart_policy(ctx, template.spec, path, pfp is not None)
    if manual:
        if r.raw.get("selector") is None:
            ctx.required(dot(path, "selector"))
        elif isinstance(sel, LabelSelector) and isinstance(template, PodTemplateSpec) \
                and not sel.matches(template.metadata.labels):
            ctx.add(dot(dot(dot(path, "template"), "metadata"), "labels"),
                    "Invalid value: `selector` does not match template `labels`")
    backoff = r.get("backoffLimit")
    if backoff is None:
        backoff = _MAX_INT32 if per_index is not None else 6
    return JobSpec(
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        selector=sel if isinstance(sel, LabelSelector) else None,
        parallelism=parallelism, completions=completions,
        active_deadline_seconds=r.get("activeDeadlineSeconds"),
        backoff_limit=backoff, backoff_limit_per_index=per_index, max_failed_indexes=max_failed,
        manual_selector=manual, ttl_seconds_after_finished=r.get("ttlSecondsAfterFinished"),
        completion_mode=mode, suspend=r.get("suspend", False), pod_replacement_policy=replacement,
        pod_failure_policy=pfp, success_policy=r.get("successPolicy"), managed_by=r.get("managedBy"),
    )


def _job_status(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "conditions": condition_list, "startTime": timestamp, "completionTime": timestamp,
        "active": _nn_int, "succeeded": _nn_int, "failed": _nn_int, "terminating": _nn_int, "ready": _nn_int,
        "completedIndexes": string, "failedIndexes": string,
    }, drop=("uncountedTerminatedPods",))
    if r is None:
        return BAD
    return JobStatus(conditions=r.get("conditions", ()), start_time=r.get("startTime"),
                     completion_time=r.get("completionTime"), active=r.get("active", 0),
                     succeeded=r.get("succeeded", 0), failed=r.get("failed", 0),
                     terminating=r.get("terminating"), ready=r.get("ready"),
                     completed_indexes=r.get("completedIndexes", ""), failed_indexes=r.get("failedIndexes"))


def _decode_job(ctx: Ctx, doc: dict) -> Job:
    """ValidateJob after SetDefaults_Job: ValidateObjectMeta with the RC name
    rule (a DNS-1123 subdomain) and validateJobSpec; an Indexed Job's last
    pod hostname `<name>-<completions-1>` must be a DNS-1123 label."""
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, Job),
        "spec": job_spec,
        "status": _job_status,
    })
    spec = given_or_empty(ctx, r, "", "spec", job_spec)
    meta = r.get("metadata", ObjectMeta(namespace="default"))
    if isinstance(spec, JobSpec):
        if not meta.labels and spec.template.metadata.labels:
            meta = evolve(meta, labels=spec.template.metadata.labels)
        if spec.completion_mode == INDEXED and spec.completions and meta.name:
            host = f"{meta.name}-{spec.completions - 1}"
            if dns1123_label_error(host) is not None:
                ctx.invalid("metadata.name", meta.name,
                            f"will not able to create pod with invalid DNS label: {host}")
        if not spec.manual_selector and spec.selector is not None:
            _check_generated(ctx, spec.selector, meta.uid)
    return Job(metadata=meta, spec=spec if isinstance(spec, JobSpec) else None,
               status=r.get("status", JobStatus()))


def _check_generated(ctx: Ctx, sel: LabelSelector, uid: str) -> None:
    """validateGeneratedSelector: without manualSelector a given selector
    must select the generated labels (only the uid keys can be checked
    before the uid is known)."""
    keys = {LABEL_CONTROLLER_UID, LEGACY_LABEL_CONTROLLER_UID, LABEL_JOB_NAME, LEGACY_LABEL_JOB_NAME}
    ok = set(sel.match_labels) <= keys and all(r.key in keys for r in sel.match_expressions)
    if ok and uid:
        ok = all(v == uid for k, v in sel.match_labels.items() if k in (LABEL_CONTROLLER_UID,
                                                                          LEGACY_LABEL_CONTROLLER_UID))
    if not ok:
        ctx.add("spec.selector", "Invalid value: `selector` not auto-generated")


def generated_labels(name: str, uid: str) -> dict:
    """strategy.go generateSelector: the four labels the pods get."""
    return {LEGACY_LABEL_CONTROLLER_UID: uid, LABEL_CONTROLLER_UID: uid,
            LEGACY_LABEL_JOB_NAME: name, LABEL_JOB_NAME: name}


def with_generated_selector(job: Job) -> Job:
    """generateSelector (pkg/registry/batch/job/strategy.go) once the uid is
    known: unless manualSelector, the template gets the generated labels
    (user values kept; validation then refuses a conflict) and the selector
    `batch.kubernetes.io/controller-uid=<uid>`."""
    spec = job.spec
    if spec.manual_selector:
        return job
    m = job.metadata
    gen = generated_labels(m.name, m.uid)
    labels = spec.template.metadata.labels
    merged = FrozenDict({**gen, **labels}) if any(k not in labels for k in gen) else labels
    for k, v in gen.items():
        if merged.get(k) != v:
            raise SpecError(f"Invalid value: {merged.get(k)!r}: must be '{v}'", f"spec.template.metadata.labels[{k}]")
    sel = spec.selector or LabelSelector()
    if LABEL_CONTROLLER_UID not in sel.match_labels:
        sel = LabelSelector(match_labels={**sel.match_labels, LABEL_CONTROLLER_UID: m.uid},
                            match_expressions=sel.match_expressions)
    if not sel.matches(gen):
        raise SpecError("Invalid value: `selector` not auto-generated", "spec.selector")
    template = evolve(spec.template, metadata=evolve(spec.template.metadata, labels=merged))
    return evolve(job, spec=evolve(spec, template=template, selector=sel))


#: ValidateJobSpecUpdate: what an update may not change.
_IMMUTABLE = (("completions", "spec.completions"), ("completion_mode", "spec.completionMode"),
              ("selector", "spec.selector"), ("template", "spec.template"),
              ("pod_failure_policy", "spec.podFailurePolicy"),
              ("backoff_limit_per_index", "spec.backoffLimitPerIndex"),
              ("success_policy", "spec.successPolicy"), ("managed_by", "spec.managedBy"),
              ("manual_selector", "spec.manualSelector"))


def validate_job_update(cur: Job, obj: Job, meta) -> Job:
    """ValidateJobUpdate: an applied manifest lacks the generated selector
    and labels, so they are re-applied from the stored Job before the
    immutable fields are compared."""
    new = with_generated_selector(evolve(obj, metadata=evolve(obj.metadata, name=cur.metadata.name,
                                                              uid=cur.metadata.uid)))
    for attr, path in _IMMUTABLE:
        if getattr(new.spec, attr) != getattr(cur.spec, attr):
            raise SpecError("Invalid value: field is immutable", path)
    return evolve(cur, metadata=meta, spec=new.spec)


# ================================================================== output


def _json(v: Optional[FrozenDict]) -> Any:
    return thaw(v)


def job_spec_out(s: JobSpec) -> dict:
    """JobSpec in Go struct order (k8s.io/api/batch/v1 types.go)."""
    d: dict = {}
    if s.parallelism is not None:
        d["parallelism"] = s.parallelism
    if s.completions is not None:
        d["completions"] = s.completions
    if s.active_deadline_seconds is not None:
        d["activeDeadlineSeconds"] = s.active_deadline_seconds
    if s.pod_failure_policy is not None:
        d["podFailurePolicy"] = _json(s.pod_failure_policy)
    if s.success_policy is not None:
        d["successPolicy"] = _json(s.success_policy)
    if s.backoff_limit is not None:
        d["backoffLimit"] = s.backoff_limit
    if s.backoff_limit_per_index is not None:
        d["backoffLimitPerIndex"] = s.backoff_limit_per_index
    if s.max_failed_indexes is not None:
        d["maxFailedIndexes"] = s.max_failed_indexes
    sel = selector_to_dict(s.selector)
    if sel is not None:
        d["selector"] = sel
    if s.manual_selector is not None:
        d["manualSelector"] = s.manual_selector
    d["template"] = pod_template_out(s.template)
    if s.ttl_seconds_after_finished is not None:
        d["ttlSecondsAfterFinished"] = s.ttl_seconds_after_finished
    d["completionMode"] = s.completion_mode
    d["suspend"] = s.suspend
    if s.pod_replacement_policy is not None:
        d["podReplacementPolicy"] = s.pod_replacement_policy
    if s.managed_by is not None:
        d["managedBy"] = s.managed_by
    return d


def _job_status_out(s: JobStatus) -> dict:
    d: dict = {}
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    if s.start_time is not None:
        d["startTime"] = time_out(s.start_time)
    if s.completion_time is not None:
        d["completionTime"] = time_out(s.completion_time)
    for key, value in (("active", s.active), ("succeeded", s.succeeded), ("failed", s.failed)):
        if value:
            d[key] = value
    if s.terminating is not None:
        d["terminating"] = s.terminating
    if s.completed_indexes:
        d["completedIndexes"] = s.completed_indexes
    if s.failed_indexes is not None:
        d["failedIndexes"] = s.failed_indexes
    if s.start_time is not None or s.conditions:
        d["uncountedTerminatedPods"] = {}
    if s.ready is not None:
        d["ready"] = s.ready
    return d


def job_to_manifest(obj: Job) -> dict:
    """A Job as `kubectl get job -o json` shows it (kstate-internal status
    fields are not emitted)."""
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": object_meta_out(obj.metadata, True),
            "spec": job_spec_out(obj.spec), "status": _job_status_out(obj.status)}


# ================================================================= cronjob

_CONCURRENCY = ("Allow", "Forbid", "Replace")


def _job_template(ctx: Ctx, v: Any, path: str) -> Any:
    """ValidateJobTemplateSpec: a Job spec whose selector is always
    generated (a given selector or manualSelector true is refused)."""
    r = struct(ctx, v, path, {
        "metadata": lambda c, x, p: object_meta(c, x, p, Job, template=True),
        "spec": job_spec,
    })
    if r is None:
        return BAD
    spec = given_or_empty(ctx, r, path, "spec", job_spec)
    spath = dot(path, "spec")
    if isinstance(spec, JobSpec):
        if spec.selector is not None:
            ctx.invalid(dot(spath, "selector"), r.raw["spec"].get("selector"), "`selector` will be auto-generated")
        if spec.manual_selector:
            ctx.not_supported(dot(spath, "manualSelector"), True, ("nil", "false"))
    return JobTemplateSpec(metadata=r.get("metadata", ObjectMeta()),
                           spec=spec if isinstance(spec, JobSpec) else None)


def _check_schedule(ctx: Ctx, schedule: str, time_zone: Optional[str], path: str) -> None:
    """validateScheduleFormat on create: ParseStandard must accept it and no
    TZ may appear in it (timeZone is the way)."""
    try:
        parse_standard(schedule)
    except CronError as e:
        ctx.invalid(path, schedule, str(e))
    if "TZ" in schedule:
        ctx.invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")


def _check_time_zone(ctx: Ctx, tz: str, path: str) -> None:
    """validateTimeZone: non-empty, not Local, loadable."""
    if tz == "":
        ctx.invalid(path, tz, "timeZone must be nil or non-empty string")
    elif tz.lower() == "local":
        ctx.invalid(path, tz, "timeZone must be an explicit time zone as defined in "
                              "https://www.iana.org/time-zones")
    else:
        try:
            load_zone(tz)
        except CronError as e:
            ctx.invalid(path, tz, str(e))


def _cronjob_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_CronJob + ValidateCronJobSpec."""
    r = struct(ctx, v, path, {
        "schedule": string,
        "timeZone": string,
        "startingDeadlineSeconds": non_negative(int64),
        "concurrencyPolicy": one_of(_CONCURRENCY),
        "suspend": boolean,
        "jobTemplate": _job_template,
        "successfulJobsHistoryLimit": _nn_int,
        "failedJobsHistoryLimit": _nn_int,
    })
    if r is None:
        return BAD
    schedule = r.get("schedule", "")
    if not schedule:
        if r.ok("schedule"):
            ctx.required(dot(path, "schedule"))
    else:
        _check_schedule(ctx, schedule, r.get("timeZone"), dot(path, "schedule"))
    tz = r.get("timeZone")
    if tz is not None:
        _check_time_zone(ctx, tz, dot(path, "timeZone"))
    template = given_or_empty(ctx, r, path, "jobTemplate", _job_template)
    return CronJobSpec(schedule=schedule,
                       job_template=template if isinstance(template, JobTemplateSpec) else JobTemplateSpec(),
                       time_zone=tz, starting_deadline_seconds=r.get("startingDeadlineSeconds"),
                       concurrency_policy=r.get("concurrencyPolicy", "Allow"), suspend=r.get("suspend", False),
                       successful_jobs_history_limit=r.get("successfulJobsHistoryLimit", 3),
                       failed_jobs_history_limit=r.get("failedJobsHistoryLimit", 1))


def _object_ref(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"kind": string, "namespace": string, "name": string, "uid": string,
                              "apiVersion": string, "resourceVersion": string})
    if r is None:
        return BAD
    return ObjectReference(kind=r.get("kind", ""), namespace=r.get("namespace", ""), name=r.get("name", ""),
                           uid=r.get("uid", ""), api_version=r.get("apiVersion", ""))


def _cronjob_status(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"active": lambda c, x, p: list_of(c, x, p, _object_ref),
                              "lastScheduleTime": timestamp, "lastSuccessfulTime": timestamp})
    if r is None:
        return BAD
    return CronJobStatus(active=tuple(r.get("active", ())), last_schedule_time=r.get("lastScheduleTime"),
                         last_successful_time=r.get("lastSuccessfulTime"))


def _decode_cronjob(ctx: Ctx, doc: dict) -> CronJob:
    """ValidateCronJobCreate: ValidateObjectMeta, the name at most 52
    characters (the Job names add 11), ValidateCronJobSpec."""
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, CronJob),
        "spec": _cronjob_spec,
        "status": _cronjob_status,
    })
    meta = r.get("metadata", ObjectMeta(namespace="default"))
    if len(meta.name) > 52:
        ctx.invalid("metadata.name", meta.name, "must be no more than 52 characters")
    spec = given_or_empty(ctx, r, "", "spec", _cronjob_spec)
    return CronJob(metadata=meta, spec=spec if isinstance(spec, CronJobSpec) else None,
                   status=r.get("status", CronJobStatus()))


def validate_cronjob_update(cur: CronJob, obj: CronJob, meta) -> CronJob:
    """ValidateCronJobUpdate: the spec may change (the name rule is for
    create only)."""
    return evolve(cur, metadata=meta, spec=obj.spec)


def _ref_out(r: ObjectReference) -> dict:
    d = {"kind": r.kind, "namespace": r.namespace, "name": r.name, "uid": r.uid, "apiVersion": r.api_version}
    return {k: v for k, v in d.items() if v}


def cronjob_to_manifest(obj: CronJob) -> dict:
    """A CronJob as `kubectl get cronjob -o json` shows it."""
    s = obj.spec
    spec: dict = {"schedule": s.schedule}
    if s.time_zone is not None:
        spec["timeZone"] = s.time_zone
    if s.starting_deadline_seconds is not None:
        spec["startingDeadlineSeconds"] = s.starting_deadline_seconds
    spec["concurrencyPolicy"] = s.concurrency_policy
    spec["suspend"] = s.suspend
    jt: dict = {}
    meta = object_meta_out(s.job_template.metadata, False)
    meta.pop("name", None)
    jt["metadata"] = meta
    if s.job_template.spec is not None:
        jt["spec"] = job_spec_out(s.job_template.spec)
    spec["jobTemplate"] = jt
    spec["successfulJobsHistoryLimit"] = s.successful_jobs_history_limit
    spec["failedJobsHistoryLimit"] = s.failed_jobs_history_limit
    st: dict = {}
    if obj.status.active:
        st["active"] = [_ref_out(r) for r in obj.status.active]
    if obj.status.last_schedule_time is not None:
        st["lastScheduleTime"] = time_out(obj.status.last_schedule_time)
    if obj.status.last_successful_time is not None:
        st["lastSuccessfulTime"] = time_out(obj.status.last_successful_time)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": object_meta_out(obj.metadata, True),
            "spec": spec, "status": st}


# ================================================================ registry

DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    ("batch/v1", "Job"): _decode_job,
    ("batch/v1", "CronJob"): _decode_cronjob,
}
EMITTERS: dict[type, Callable[[Any], dict]] = {
    Job: job_to_manifest,
    CronJob: cronjob_to_manifest,
}
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    JobSpec: job_spec_out,
}
