"""Pure network computations: node subnets, pod IPs (host-local), later
Service IPs, kube-proxy rules and packet tracing. Mutates nothing; the engine
holds the allocation state and calls these functions."""
