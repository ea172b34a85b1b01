"""Load profiles (resources/loadprofile.py): their values over time, their
validation, Cluster.set_load with a profile read at each scrape, and the
scenario `load:` section and `set-pod-usage` / `set-metric` operations."""
import pytest

import kstate
from kstate.errors import SpecError
from kstate.io.scenario import parse_scenario
from kstate.resources.loadprofile import parse_profile, value_at
from tests.unit.test_hpa import deployment, hpa

H = 3_600_000


def _amount(v, path):
    if not isinstance(v, int):
        raise SpecError("must be an int", path)
    return v


def _duration(v, path):
    return v


@pytest.mark.parametrize("profile,t,expected", [
    (7, 0, 7),
    ({"steps": [[0, 100], [H, 400]]}, H - 1, 100),
    ({"steps": [[0, 100], [H, 400]]}, H, 400),
    ({"steps": [[10, 100]]}, 5, 0),                   # before the first step: nothing
    ({"ramp": {"from": 100, "to": 500, "over": 100_000}}, 25_000, 200),
    ({"ramp": {"from": 100, "to": 500, "over": 100_000}}, 200_000, 500),
    ({"points": [[0, 0], [10_000, 100]]}, 2_500, 25),
    ({"points": [[0, 0], [10_000, 100]]}, 20_000, 100),
    ({"points": [[5_000, 40], [10_000, 100]]}, 0, 40),
    ({"sine": {"mean": 300, "amplitude": 200, "period": 4_000}}, 1_000, 500),
    ({"sine": {"mean": 300, "amplitude": 200, "period": 4_000}}, 3_000, 100),
    ({"sine": {"mean": 300, "amplitude": 200, "period": 4_000}}, 4_000, 300),
])
def test_value_at(profile, t, expected):
    p = parse_profile(profile, _amount, _duration, "cpu", origin=1_000)
    assert value_at(p, 1_000 + t) == expected


@pytest.mark.parametrize("profile,path", [
    ({"wave": 1}, "cpu"),
    ({"steps": []}, "cpu.steps"),
    ({"steps": [[0, 1], [0, 2]]}, "cpu.steps[1][0]"),
    ({"steps": [[0, "x"]]}, "cpu.steps[0][1]"),
    ({"ramp": {"from": 1, "to": 2}}, "cpu.ramp.over"),
    ({"ramp": {"from": 1, "to": 2, "over": 3, "by": 4}}, "cpu.ramp.by"),
    ({"sine": {"mean": 1, "amplitude": 2, "period": 0}}, "cpu.sine.period"),
])
def test_bad_profiles(profile, path):
    with pytest.raises(SpecError) as e:
        parse_profile(profile, _amount, _duration, "cpu", origin=0)
    assert e.value.path == path


def test_set_load_with_a_profile_is_read_at_every_scrape():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment())
    c.advance("6m")
    c.set_load("deployment", "web", cpu={"steps": [["0s", "100m"], ["1m", "400m"]]})
    c.advance("30s")
    assert [line.split()[1] for line in c.metrics("pods")[1:]] == ["50m", "50m"]
    c.advance("45s")                          # the scrape at +1m sees 400m
    assert [line.split()[1] for line in c.metrics("pods")[1:]] == ["200m", "200m"]
    with pytest.raises(SpecError) as e:
        c.set_load("deployment", "web", cpu={"ramp": {"from": "1", "to": "lots", "over": "1m"}})
    assert e.value.path == "cpu.ramp.to"


def test_hpa_follows_a_ramp():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment())
    c.advance("6m")
    c.apply(hpa())
    c.set_load("deployment", "web", cpu={"ramp": {"from": "100m", "to": "600m", "over": "10m"}})
    c.advance("20m")
    # 600m at 50 % of 100m → 12, capped at max 10
    assert c.get("deployment", "web").spec.replicas == 10


def _doc(**extra):
    return {"manifests": [deployment(), hpa()], "run": {"until": "1h"}, **extra}


def test_scenario_load_section_becomes_operations_at_0s():
    sc = parse_scenario(_doc(load=[
        {"target": {"kind": "Deployment", "name": "web"},
         "cpu": {"points": [["0s", "100m"], ["30m", "700m"]]}},
        {"target": {"kind": "Deployment", "name": "web"}, "metric": {"name": "qps", "value": "5"}},
    ]))
    assert [(op.at, op.verb, op.text) for op in sc.timeline] == [
        (0, "set-load", "set-load Deployment default/web cpu=points(0s:100m,30m:700m)"),
        (0, "set-metric", "set-metric Pods qps=5 Deployment default/web"),
    ]


@pytest.mark.parametrize("load,path", [
    ([{"target": {"kind": "Deployment", "name": "web"}}], "load[0].cpu"),
    ([{"target": {"kind": "Deployment", "name": "web"}, "cpu": {"sine": {"mean": "1"}}}],
     "load[0].cpu.sine.amplitude"),
    ([{"target": {"kind": "Deployment", "name": "web"}, "cpu": "x"}], "load[0].cpu"),
    ([{"target": {"kind": "Deployment", "name": "web"}, "cpu": "1", "metric": {"name": "q", "value": 1}}],
     "load[0].cpu"),
    ("web", "load"),
])
def test_scenario_load_section_errors(load, path):
    with pytest.raises(SpecError) as e:
        parse_scenario(_doc(load=load))
    assert e.value.path == path


def test_scenario_set_metric_and_set_pod_usage_run():
    from kstate.io.scenario_runner import run_scenario
    doc = _doc(timeline=[
        {"at": "6m", "set-metric": {"type": "External", "name": "queue", "value": "3", "labels": {"q": "a"}}},
        {"at": "6m", "set-metric": {"type": "Object", "name": "rps", "value": "7",
                                    "object": {"kind": "Deployment", "name": "web"}}},
        {"at": "7m", "set-pod-usage": {"pod": "nope", "cpu": "1"}},
    ])
    sc = parse_scenario(doc)
    report = run_scenario(sc)
    assert report.failures and 'set-pod-usage pod default/nope cpu=1: pods "nope" not found' in report.failures[0]
    load = report.cluster.engine.indexes["metrics-load"]
    assert load["external_metric"]["queue"] == {(("q", "a"),): 3000}
    assert load["object_metric"][("Deployment", "default", "web", "rps")] == 7000
    with pytest.raises(SpecError) as e:
        parse_scenario(_doc(timeline=[{"at": "1m", "set-metric": {"type": "Object", "name": "r", "value": 1}}]))
    assert e.value.path == "timeline[0].set-metric.object"


def test_noise_is_seeded_bounded_and_steps_every_15s():
    p = parse_profile({"noise": {"of": 1000, "amplitude": "10%", "seed": 7}}, _amount, _duration, "cpu", origin=0)
    values = [value_at(p, t) for t in range(0, 3_600_000, 15_000)]
    assert all(900 <= v <= 1100 for v in values)
    assert len(set(values)) > 100                                   # it does vary
    assert value_at(p, 15_000) == value_at(p, 29_999)                # one draw per 15 s
    again = parse_profile({"noise": {"of": 1000, "amplitude": "10%", "seed": 7}}, _amount, _duration, "cpu", 0)
    assert [value_at(again, t) for t in range(0, 3_600_000, 15_000)] == values
    other = parse_profile({"noise": {"of": 1000, "amplitude": "10%", "seed": 8}}, _amount, _duration, "cpu", 0)
    assert [value_at(other, t) for t in range(0, 3_600_000, 15_000)] != values
    ramp = parse_profile({"noise": {"of": {"ramp": {"from": 0, "to": 1000, "over": 100}}, "amplitude": 0, "seed": 1}},
                         _amount, _duration, "cpu", 0)
    assert value_at(ramp, 50) == 500


@pytest.mark.parametrize("noise,path", [
    ({"of": 1, "amplitude": "x", "seed": 1}, "cpu.noise.amplitude"),
    ({"of": 1, "amplitude": 2, "seed": 1}, "cpu.noise.amplitude"),
    ({"of": 1, "amplitude": 0.1}, "cpu.noise.seed"),
    ({"of": 1, "amplitude": 0.1, "seed": "s"}, "cpu.noise.seed"),
    ({"of": {"noise": {"of": 1, "amplitude": 0.1, "seed": 1}}, "amplitude": 0.1, "seed": 1}, "cpu.noise.of"),
])
def test_bad_noise(noise, path):
    with pytest.raises(SpecError) as e:
        parse_profile({"noise": noise}, _amount, _duration, "cpu", origin=0)
    assert e.value.path == path


def test_noisy_load_survives_snapshot_restore():
    c = kstate.Cluster(nodes=2)
    c.apply(deployment())
    c.advance("6m")
    c.apply(hpa())
    c.set_load("deployment", "web", cpu={"noise": {"of": "300m", "amplitude": "50%", "seed": 3}})
    c.advance("1m")
    twin = kstate.Cluster.restore(c.snapshot())
    c.advance("10m")
    twin.advance("10m")
    assert twin.trace() == c.trace()
    assert twin.metrics("pods") == c.metrics("pods")
