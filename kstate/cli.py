"""The `kstate` command.

    kstate run SCENARIO [--quiet] [--seed N] [--until DURATION] [--network]
    kstate validate FILE...
    kstate graph pod|node [--format mermaid]
    kstate --version

Exit codes: 0 success; 1 an expectation failed (run) or a file is invalid
(validate); 2 a usage error or an invalid scenario (`error: <message>` on
stderr, no traceback). Holds no logic the library lacks: scenarios are
`kstate.io.scenario`, lifecycles `kstate.machines`.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

import kstate
from kstate.errors import KstateError, SpecError
from kstate.io.yamlio import read_text_file

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="kstate",
        description="Kubernetes workloads as explicit state machines on a deterministic simulated clock.")
    ap.add_argument("--version", action="version", version=f"kstate {kstate.__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and check its expectations",
                         description="Run a scenario file: print the timeline, the final pods and nodes, and "
                                     "PASS or FAIL. Exit 0 when every expectation holds, 1 otherwise, 2 when the "
                                     "scenario is invalid.")
    run.add_argument("scenario", metavar="SCENARIO")
    run.add_argument("--quiet", "-q", action="store_true", help="print only PASS/FAIL and the failures")
    run.add_argument("--seed", type=int, default=None, metavar="N", help="override cluster.seed")
    run.add_argument("--until", default=None, metavar="DURATION", help="override run.until (e.g. 10m)")
    run.add_argument("--network", action="store_true",
                     help="after the run, print each node's kube-proxy rules and trace a packet to each Service")

    val = sub.add_parser("validate", help="check manifest and scenario files without running them",
                         description="Check each FILE: a manifest file (one or more Kubernetes documents) or a "
                                     "scenario. Exit 1 if any is invalid.")
    val.add_argument("files", nargs="+", metavar="FILE")
    val.add_argument("--schemas", action="store_true",
                     help="also check kinds kstate does not simulate against Kubernetes' OpenAPI schemas "
                          "(needs pip install 'kstate[schemas]')")

    graph = sub.add_parser("graph", help="print a lifecycle state machine",
                           description="Print a lifecycle state machine as a Mermaid state diagram.")
    graph.add_argument("machine", metavar="MACHINE", help="one of: " + ", ".join(_machine_names()))
    graph.add_argument("--format", choices=["mermaid"], default="mermaid")
    return ap


def _safe_streams() -> None:
    """Whatever a file holds (a lone surrogate, say) is printed, escaped,
    rather than crashing the print with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _one_line(text) -> str:
    return " ".join(str(text).splitlines())


def main(argv: Optional[Sequence[str]] = None) -> int:
    _safe_streams()
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return {"run": _run, "validate": _validate, "graph": _graph}[args.command](args)
    except KstateError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `kstate run x.yaml | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 — the CLI promises one line, never a traceback
        print(f"error: internal error ({type(e).__name__}): {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR


def _run(args) -> int:
    from kstate.io.scenario import load_scenario, run_scenario
    from kstate.units import parse_duration
    until = None
    if args.until is not None:
        try:
            until = parse_duration(args.until)
        except SpecError as e:
            raise SpecError(e.message, "--until") from None
    sc = load_scenario(args.scenario).with_overrides(seed=args.seed, until=until)
    if args.quiet:
        report = run_scenario(sc)
        sys.stdout.write(report.verdict())
    else:
        report = run_scenario(sc, out=sys.stdout)
    if args.network:
        sys.stdout.write(network_report(report.cluster))
    sys.stdout.flush()
    return EXIT_OK if report.ok else EXIT_FAIL


def network_report(cluster) -> str:
    """Each node's `iptables-save` (kube-proxy's rules) and, per Service with
    a ClusterIP, a packet traced from the first running pod it does not
    select (else from the first node)."""
    out = []
    nodes = [n.metadata.name for n in cluster.list("Node")]
    for node in nodes:
        out.append(f"\n# iptables-save on {node} (kube-proxy)\n")
        out.append(cluster.iptables(node))
    pods = [p for p in cluster.list("Pod") if p.status.phase == "Running" and p.status.pod_ip]
    for svc in cluster.list("Service"):
        if svc.spec.selector is None or svc.spec.cluster_ip in ("", "None"):
            continue
        client = next((p for p in pods if p.metadata.namespace == svc.metadata.namespace and not all(
            p.metadata.labels.get(k) == v for k, v in svc.spec.selector.items())), None)
        src = f"{client.metadata.namespace}/{client.metadata.name}" if client else (nodes[0] if nodes else None)
        if src is None:
            continue
        out.append(f"\n# trace {src} -> service {svc.metadata.namespace}/{svc.metadata.name}\n")
        out.append(cluster.trace_packet(src, f"{svc.metadata.name}.{svc.metadata.namespace}",
                                        namespace=svc.metadata.namespace).render() + "\n")
    return "".join(out)


def _validate(args) -> int:
    from kstate.io import load_documents, load_file
    from kstate.io.scenario import is_scenario_document, load_scenario
    bad = 0
    for path in args.files:
        try:
            text = read_text_file(path)
            docs = load_documents(text, path)
            if len(docs) == 1 and is_scenario_document(docs[0]):
                sc = load_scenario(path)
                n = sc.object_count()
                print(f"{path}: ok ({n} object{'' if n == 1 else 's'}; scenario with "
                      f"{len(sc.timeline)} timeline step{'' if len(sc.timeline) == 1 else 's'})")
            else:
                n = len(load_file(path, schemas=args.schemas))
                print(f"{path}: ok ({n} object{'' if n == 1 else 's'})")
        except SpecError as e:
            bad += 1
            msg = str(e)
            if e.source == path:  # don't repeat the file name
                msg = SpecError(e.message, e.path).args[0]
            print(f"{path}: error: {msg}")
    return EXIT_FAIL if bad else EXIT_OK


def _machine_names() -> list[str]:
    """kstate's own lifecycles and those of every registered kind."""
    from kstate.machines import MACHINE_NAMES
    from kstate.registry import REGISTRY
    return sorted(set(MACHINE_NAMES) | {s.machine for s in REGISTRY.kinds.values() if s.machine})


def _graph(args) -> int:
    from kstate.machines import lifecycle
    names = _machine_names()
    if args.machine not in names:
        print(f"error: unknown machine {args.machine!r}: machines: {', '.join(names)}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(lifecycle(args.machine).to_mermaid())
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
