"""Scenario steps about the data plane: the parsers of the `iptables` and
`trace` timeline operations (what `kstate.io.scenario` dispatches to), and
the label-selector parser both use. The runner executes them
(`kstate.io.scenario_runner`). Imports the stdlib,
`kstate.io.scenario_model` and (lazily) `kstate.resources.selector`; never
`kstate.io.scenario`.
"""
from __future__ import annotations

from typing import Any

from kstate.errors import SpecError
from kstate.io.scenario_model import show_value


def _parse_selector(p, v: Any, path: str):
    """A label selector: a mapping of labels or selector text (app=web)."""
    from kstate.resources.selector import parse_selector
    if isinstance(v, dict):
        for k, val in v.items():
            if not isinstance(k, str) or not isinstance(val, str):
                raise p.err(f"Invalid value: {show_value({k: val})}: labels are strings", f"{path}[{k}]")
        return tuple(sorted(v.items()))
    s = p.string(v, path)
    try:
        parse_selector(s)
    except (SpecError, ValueError) as e:
        raise p.err(f"Invalid value: {show_value(s)}: {getattr(e, 'message', e)}", path) from None
    return s


TRACE_VERDICTS = ("delivered", "load-balanced", "refused", "dropped", "unreachable")


def _strings(p, v: Any, path: str) -> tuple:
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items:
        raise p.err(f"Invalid value: {show_value(v)}: must be a string or a non-empty list of strings", path)
    return tuple(p.string(x, path if isinstance(v, str) else f"{path}[{i}]") for i, x in enumerate(items))


def _net_end(p, v: Any, path: str, what: str) -> Any:
    """A trace's source or destination: a name as `Cluster.trace_packet`
    takes it, or {selector, namespace, node}: the first Running pod (by name)
    with an IP that the selector matches (on that node)."""
    if isinstance(v, str):
        return p.string(v, path)
    a = p.mapping(v, path, ("selector", "namespace", "node"), required=("selector",))
    sel = _parse_selector(p, a["selector"], f"{path}.selector")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    node = None if a.get("node") is None else p.string(a["node"], f"{path}.node")
    return ("pod", sel, ns, node)


def _show_end(e: Any) -> str:
    if isinstance(e, str):
        return e
    _, sel, ns, node = e
    sel_text = ",".join(f"{k}={v}" for k, v in sel) if isinstance(sel, tuple) else sel
    return f"pod({sel_text}{'' if ns == 'default' else ' in ' + ns}{' on ' + node if node else ''})"


def _op_iptables(p, v: Any, path: str):
    """{node, print, contains, not-contains, service, port, endpoints}:
    kube-proxy's rules on a node at that moment: printed into the run's
    output with print: true; each `contains` text must be part of some
    line, no `not-contains` text of any; `endpoints` is how many endpoints
    the Service port's KUBE-SVC chain (ClusterIP traffic) DNATs to there."""
    if isinstance(v, str):
        v = {"node": v}
    a = p.mapping(v, path, ("node", "print", "contains", "not-contains", "service", "namespace", "port",
                            "endpoints"), required=("node",))
    out = {"node": p.string(a["node"], f"{path}.node"),
           "print": False if a.get("print") is None else p.boolean(a["print"], f"{path}.print"),
           "contains": () if a.get("contains") is None else _strings(p, a["contains"], f"{path}.contains"),
           "not-contains": () if a.get("not-contains") is None else _strings(p, a["not-contains"],
                                                                              f"{path}.not-contains"),
           "service": None, "namespace": "default", "port": None, "endpoints": None}
    if a.get("endpoints") is not None:
        if a.get("service") is None:
            raise p.err("Required value: the Service whose endpoints are counted", f"{path}.service")
        out["endpoints"] = p.integer(a["endpoints"], f"{path}.endpoints", 0)
    elif a.get("service") is not None:
        raise p.err("Required value: endpoints (how many the Service's chain DNATs to)", f"{path}.endpoints")
    if a.get("service") is not None:
        out["service"] = p.string(a["service"], f"{path}.service")
        if a.get("namespace") is not None:
            out["namespace"] = p.string(a["namespace"], f"{path}.namespace")
        if a.get("port") is not None:
            out["port"] = p.integer(a["port"], f"{path}.port", 1, 65535)
    checks = len(out["contains"]) + len(out["not-contains"]) + (out["endpoints"] is not None)
    if not checks and not out["print"]:
        raise p.err("Required value: print: true or something to check (contains, not-contains, service + "
                    "endpoints)", path)
    text = f"node {out['node']}" + (f" {out['namespace']}/{out['service']} endpoints {out['endpoints']}"
                                    if out["service"] else "")
    return (out, checks), text


def _op_trace(p, v: Any, path: str):
    """{from, to, port, protocol, print, verdict, endpoints, contains, pick}:
    a packet traced at that moment (Cluster.trace_packet): printed with
    print: true; `verdict` must be the trace's, `endpoints` the number of
    endpoints a Service's DNAT may choose, each `contains` text part of the
    rendered trace; `pick` (a seed) draws the endpoint the packet takes."""
    a = p.mapping(v, path, ("from", "to", "port", "protocol", "namespace", "print", "verdict", "endpoints",
                            "contains", "pick"), required=("from", "to"))
    out = {"from": _net_end(p, a["from"], f"{path}.from", "source"),
           "to": _net_end(p, a["to"], f"{path}.to", "destination"),
           "port": None if a.get("port") is None else p.integer(a["port"], f"{path}.port", 1, 65535),
           "protocol": "TCP" if a.get("protocol") is None else p.string(a["protocol"], f"{path}.protocol"),
           "namespace": "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace"),
           "print": False if a.get("print") is None else p.boolean(a["print"], f"{path}.print"),
           "verdict": None, "endpoints": None,
           "contains": () if a.get("contains") is None else _strings(p, a["contains"], f"{path}.contains"),
           "pick": None if a.get("pick") is None else p.integer(a["pick"], f"{path}.pick", 0)}
    if out["protocol"] not in ("TCP", "UDP", "SCTP"):
        raise p.err(f"Unsupported value: {show_value(out['protocol'])}: supported values: TCP, UDP, SCTP",
                    f"{path}.protocol")
    if a.get("verdict") is not None:
        out["verdict"] = p.string(a["verdict"], f"{path}.verdict")
        if out["verdict"] not in TRACE_VERDICTS:
            raise p.err(f"Unsupported value: {show_value(out['verdict'])}: supported values: "
                        f"{', '.join(TRACE_VERDICTS)}", f"{path}.verdict")
    if a.get("endpoints") is not None:
        out["endpoints"] = p.integer(a["endpoints"], f"{path}.endpoints", 0)
    checks = (out["verdict"] is not None) + (out["endpoints"] is not None) + len(out["contains"])
    if not checks and not out["print"]:
        raise p.err("Required value: print: true or something to check (verdict, endpoints, contains)", path)
    port = f":{out['port']}" if out["port"] else ""
    return (out, checks), f"{_show_end(out['from'])} -> {_show_end(out['to'])}{port}"


DNS_TYPES = ("A", "CNAME", "NXDOMAIN")


def _op_resolve(p, v: Any, path: str):
    """{name, from, namespace, print, type, count, contains}: cluster DNS
    at that moment (Cluster.resolve) as pod `from` (a pod name, or
    {selector, namespace, node}) or, without it, a node resolves `name`:
    `type` must be the answer's (A, CNAME, NXDOMAIN), `count` the number of
    values, each `contains` one of the values."""
    if isinstance(v, str):
        v = {"name": v}
    a = p.mapping(v, path, ("name", "from", "namespace", "print", "type", "count", "contains"), required=("name",))
    out = {"name": p.string(a["name"], f"{path}.name"),
           "from": None if a.get("from") is None else _net_end(p, a["from"], f"{path}.from", "source"),
           "namespace": "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace"),
           "print": False if a.get("print") is None else p.boolean(a["print"], f"{path}.print"),
           "type": None, "count": None,
           "contains": () if a.get("contains") is None else _strings(p, a["contains"], f"{path}.contains")}
    if a.get("type") is not None:
        out["type"] = p.string(a["type"], f"{path}.type")
        if out["type"] not in DNS_TYPES:
            raise p.err(f"Unsupported value: {show_value(out['type'])}: supported values: {', '.join(DNS_TYPES)}",
                        f"{path}.type")
    if a.get("count") is not None:
        out["count"] = p.integer(a["count"], f"{path}.count", 0)
    checks = (out["type"] is not None) + (out["count"] is not None) + len(out["contains"])
    if not checks and not out["print"]:
        raise p.err("Required value: print: true or something to check (type, count, contains)", path)
    who = f" from {_show_end(out['from'])}" if out["from"] is not None else ""
    return (out, checks), f"{out['name']}{who}"


__all__ = ["DNS_TYPES", "TRACE_VERDICTS"]
