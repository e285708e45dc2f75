/* The one definition of every struct that crosses the kernel/user boundary of the
 * service load-balancer: map keys and values, counters and the selection-table layout.
 * Included by the BPF programs (bpf/) and by the C++ dataplane (dataplane/). */
#ifndef XEBEC_BPF_API_LB_H
#define XEBEC_BPF_API_LB_H

#include <linux/types.h>

/* Default map sizes; the dataplane may override each before load (Katran's MAX_VIPS). */
#define XEBEC_MAX_SERVICES 65536   /* frontends, also the range of service ids */
#define XEBEC_MAX_BACKENDS 524288  /* (service, backend) pairs, also the range of backend ids */
#define XEBEC_MAX_SLOTS (2 * XEBEC_MAX_BACKENDS) /* backend lists, with room to write the next */
#define XEBEC_MAX_CT 262144        /* conntrack entries, two per flow */
#define XEBEC_MAX_AFFINITY 65536   /* (service, client) affinity entries */
#define XEBEC_MAX_NODE_ADDRS 64    /* addresses NodePorts are served on */

/* Frontend scope: a ClusterIP VIP, or a NodePort served on every node address. */
enum xebec_scope {
	XEBEC_SCOPE_CLUSTER_IP = 0,
	XEBEC_SCOPE_NODE_PORT = 1,
};

enum xebec_algorithm {
	XEBEC_ALG_RANDOM = 0,
	XEBEC_ALG_MAGLEV = 1,
};

/* lb4_services key: one service frontend. */
struct lb4_key {
	__be32 address; /* VIP, network order; 0 for XEBEC_SCOPE_NODE_PORT */
	__be16 port;    /* frontend L4 port, network order */
	__u8 proto;     /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 scope;     /* enum xebec_scope */
};

/* lb4_services value: what a frontend resolves to. The backend list is a range of
 * lb4_slots, written before this value points to it: replacing this value swaps a
 * service's whole backend set at once, so a packet sees the old list or the new one. */
struct lb4_service {
	__u32 service_id;       /* key of lb4_maglev and lb4_svc_stats, 1..max-1 */
	__u32 affinity_timeout; /* ClientIP affinity in seconds; 0 = no affinity */
	__u32 slots_offset;     /* first lb4_slots index of the backend list */
	__u16 backend_count;    /* length of the backend list; 0 = no backend (drop) */
	__u8 algorithm;         /* enum xebec_algorithm */
	__u8 pad;               /* zero */
};

/* lb4_backends value, indexed by backend id (1..max-1; unique per (service, backend)).
 * An entry whose service_id is 0 is free. */
struct lb4_backend {
	__be32 address;   /* backend IP, network order */
	__be16 port;      /* backend L4 port, network order */
	__u8 proto;       /* IPPROTO_TCP or IPPROTO_UDP, same as its frontend */
	__u8 pad;         /* zero */
	__u32 service_id; /* owning service, host order; 0 = free entry */
};

/* lb4_slots value is a __u32 backend id. lb4_maglev[service_id] is a __u32 array:
 *   [0]            m = Maglev table size (prime)
 *   [1 .. 1+m)     backend id owning each slot
 * It is written whole and swapped in with one outer-map update. */
#define XEBEC_MAGLEV_SIZE 0
#define XEBEC_MAGLEV_TABLE 1

/* lb4_ct key: a flow as the packet carries it. Forward and reply entries share the map
 * without a direction bit in the key: a forward key has a frontend as destination, a reply
 * key has a backend as source and a client as destination, and frontends are never clients
 * or backends, so the two kinds cannot collide. One lookup serves both directions. */
struct ct4_key {
	__be32 saddr;  /* network order */
	__be32 daddr;  /* network order */
	__be16 sport;  /* network order */
	__be16 dport;  /* network order */
	__u8 proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[3];   /* zero */
};

enum ct_direction {
	CT_FORWARD = 0, /* client -> frontend: DNAT to nat_* */
	CT_REPLY = 1,   /* backend -> client: reverse NAT, source becomes nat_* */
};

/* lb4_ct value. For a forward entry nat_* is the chosen backend (DNAT target); for a
 * reply entry nat_* is the frontend the client dialled (reverse-NAT source). */
struct ct4_entry {
	__be32 nat_address; /* network order */
	__be16 nat_port;    /* network order */
	__u8 direction;     /* enum ct_direction */
	__u8 pad;           /* zero */
	__u32 service_id;   /* host order */
	__u32 backend_id;   /* host order; the backend chosen when the flow started */
	__u32 created;      /* seconds of CLOCK_MONOTONIC at flow start */
	__u32 last_seen;    /* seconds of CLOCK_MONOTONIC at the latest packet */
};

/* lb4_affinity key/value: ClientIP session affinity. */
struct affinity4_key {
	__u32 service_id; /* host order */
	__be32 client;    /* client IP, network order */
};

struct affinity4_entry {
	__u32 backend_id; /* host order */
	__u32 last_used;  /* seconds of CLOCK_MONOTONIC when a new flow last used it */
};

/* lb4_service_stats value (per CPU), indexed by service id. */
struct service_stats {
	__u64 packets;    /* packets translated towards a backend */
	__u64 bytes;      /* their bytes, L2 included */
	__u64 new_flows;  /* backend selections */
	__u64 drops;      /* dropped: service has no backend */
};

/* lb_global_stats index (per CPU array of __u64). */
enum xebec_counter {
	XEBEC_CNT_PASS = 0,          /* not ours: passed untouched */
	XEBEC_CNT_DNAT_NEW,          /* new flow, backend selected */
	XEBEC_CNT_DNAT_ESTABLISHED,  /* tracked flow, DNATed again */
	XEBEC_CNT_REVNAT,            /* reply reverse-NATed to the frontend */
	XEBEC_CNT_MALFORMED,         /* truncated or malformed: passed untouched */
	XEBEC_CNT_FRAGMENT,          /* IPv4 fragment: passed untouched (not balanced) */
	XEBEC_CNT_DROP_NO_BACKEND,   /* frontend with an empty backend set: dropped */
	XEBEC_CNT_DROP_NO_TABLE,     /* Maglev service whose table is missing: dropped */
	XEBEC_CNT_DROP_REWRITE,      /* the kernel refused a header rewrite: dropped */
	XEBEC_CNT_MAX,
};

/* CLOCK_MONOTONIC nanoseconds to the whole seconds that conntrack and affinity entries are
 * stamped with. Written without a division, which in BPF is a 64-bit div costing tens of
 * nanoseconds per packet: (ns >> 24) times 2^24 / 1e9, the factor in fixed point (2^58 / 1e9).
 * Within a second of ns / 1e9 for 34 years of uptime; user space converts with this same
 * function, so the ages it shows agree with the datapath's. */
static inline __u32 xebec_mono_seconds(__u64 ns)
{
	return (__u32)(((ns >> 24) * 288230376ULL) >> 34);
}

#ifdef __cplusplus
#define XEBEC_ASSERT_SIZE(t, n) static_assert(sizeof(struct t) == (n), #t " layout")
#else
#define XEBEC_ASSERT_SIZE(t, n) _Static_assert(sizeof(struct t) == (n), #t " layout")
#endif
XEBEC_ASSERT_SIZE(lb4_key, 8);
XEBEC_ASSERT_SIZE(lb4_service, 16);
XEBEC_ASSERT_SIZE(lb4_backend, 12);
XEBEC_ASSERT_SIZE(ct4_key, 16);
XEBEC_ASSERT_SIZE(ct4_entry, 24);
XEBEC_ASSERT_SIZE(affinity4_key, 8);
XEBEC_ASSERT_SIZE(affinity4_entry, 8);
XEBEC_ASSERT_SIZE(service_stats, 32);

#endif
