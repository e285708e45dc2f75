/* Every map of the service load-balancer, declared once, each with its contract.
 * All are pinned by name under the instance's --bpf-root, so the datapath keeps its
 * state while the process that programs it restarts, and `xebec bpf` / bpftool read them. */
#ifndef XEBEC_BPF_LIB_MAPS_H
#define XEBEC_BPF_LIB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../api/lb.h"

/* lb4_services: struct lb4_key -> struct lb4_service.
 * Written by user space (dataplane/bpf_load_balancer) after the backends, backend list and
 * Maglev table it refers to; read by the forward path to recognise a frontend. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
	__uint(max_entries, XEBEC_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_services SEC(".maps");

/* lb4_backends: backend id -> struct lb4_backend (service_id 0: free).
 * Written by user space through mmap before any list or table names the id, cleared after
 * none does; read by the forward path to DNAT a new flow and to check that a flow's or an
 * affinity entry's backend still serves. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(max_entries, XEBEC_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_backends SEC(".maps");

/* lb4_slots: slot index -> backend id; each service's backend list is a range of it.
 * Written by user space through mmap into a range no frontend points to, then published by
 * the frontend update; read by the forward path for random selection. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, XEBEC_MAX_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_slots SEC(".maps");

/* The template of a Maglev table (layout in api/lb.h, XEBEC_MAGLEV_*). BPF_F_INNER_MAP
 * lets each service's table have its own size. */
struct lb4_maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

/* lb4_maglev: service id -> that service's Maglev table (Maglev services only).
 * User space builds a whole new table and swaps it in with one update (hitless); the
 * forward path reads it when a new flow of a Maglev service needs a backend. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, XEBEC_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct lb4_maglev_table);
} lb4_maglev SEC(".maps");

/* lb4_ct: struct ct4_key -> struct ct4_entry, two entries per flow (forward, reply).
 * Written by the forward path when it selects a backend; read and refreshed by both paths.
 * LRU: the least recently used flows are forgotten when it is full; per-CPU LRU lists keep
 * a new flow's insert off a shared lock. User space only reads. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct ct4_key);
	__type(value, struct ct4_entry);
	__uint(max_entries, XEBEC_MAX_CT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_ct SEC(".maps");

/* lb4_affinity: struct affinity4_key -> struct affinity4_entry (ClientIP affinity).
 * Written by the forward path on each new flow of a service with affinity; user space
 * only reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct affinity4_key);
	__type(value, struct affinity4_entry);
	__uint(max_entries, XEBEC_MAX_AFFINITY);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_affinity SEC(".maps");

/* lb4_node_addrs: node address (__be32) -> ifindex it was found on (__u32).
 * Written by user space when it attaches to an uplink; read by the forward path to tell
 * a NodePort packet (dst is a node address) from one merely routed through. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, __u32);
	__uint(max_entries, XEBEC_MAX_NODE_ADDRS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_node_addrs SEC(".maps");

/* lb4_svc_stats: service id -> struct service_stats, per CPU.
 * Written by the datapath; zeroed by user space when it hands out a service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct service_stats);
	__uint(max_entries, XEBEC_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_svc_stats SEC(".maps");

/* lb_stats: enum xebec_counter -> packets, per CPU. Written by the datapath only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XEBEC_CNT_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lb_stats SEC(".maps");

#endif
