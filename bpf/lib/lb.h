/* Load-balancing decisions: recognise a frontend, pick a backend (random or Maglev, with
 * optional ClientIP affinity), track the flow, and find the frontend a reply must show.
 * Decisions only: the entry points apply them with nat4_skb / nat4_xdp. */
#ifndef XEBEC_BPF_LIB_LB_H
#define XEBEC_BPF_LIB_LB_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "parse.h"

/* How long an idle flow keeps its backend (Cilium's defaults: TCP 6 h, others 60 s). */
#define CT_LIFETIME_TCP 21600
#define CT_LIFETIME_OTHER 60

/* Which traffic a hook may act on. */
enum lb_direction {
	DIR_FORWARD = 1, /* packets that may open or continue a flow to a frontend */
	DIR_REPLY = 2,   /* packets that may be a backend's reply */
};

enum lb_action {
	LB_PASS,  /* not ours: leave the packet alone */
	LB_DNAT,  /* rewrite the destination to addr:port */
	LB_RNAT,  /* rewrite the source to addr:port (reply of a balanced flow) */
	LB_DROP,  /* a frontend with nothing to send to */
};

struct lb_decision {
	enum lb_action action;
	__be32 addr;
	__be16 port;
	enum xebec_counter counter; /* what to count the packet as */
	__u32 service_id;           /* 0 unless the packet belongs to a service */
};

static __always_inline void count(enum xebec_counter c)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&lb_stats, &key);
	if (v)
		*v += 1;
}

static __always_inline void count_service(__u32 service_id, __u32 bytes, bool new_flow, bool drop)
{
	struct service_stats *s = bpf_map_lookup_elem(&lb4_svc_stats, &service_id);
	if (!s)
		return;
	if (drop) {
		s->drops += 1;
		return;
	}
	s->packets += 1;
	s->bytes += bytes;
	s->new_flows += new_flow;
}

/* Seconds of CLOCK_MONOTONIC; the coarse clock is plenty for second resolution and cheaper. */
static __always_inline __u32 now_seconds(void)
{
	return xebec_mono_seconds(bpf_ktime_get_coarse_ns());
}

static __always_inline __u32 ct_lifetime(__u8 proto)
{
	return proto == IPPROTO_TCP ? CT_LIFETIME_TCP : CT_LIFETIME_OTHER;
}

/* A flow hash for Maglev: the same 5-tuple always lands on the same slot. */
static __always_inline __u32 flow_hash(const struct ct4_key *t)
{
	__u64 h = ((__u64)t->saddr << 32 | t->daddr) ^ ((__u64)t->sport << 24 | (__u64)t->dport << 8 | t->proto);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (__u32)h;
}

/* The frontend a packet is addressed to: a ClusterIP VIP, or a NodePort on a node address. */
static __always_inline struct lb4_service *lookup_frontend(const struct ct4_key *t)
{
	struct lb4_key key = {
		.address = t->daddr,
		.port = t->dport,
		.proto = t->proto,
		.scope = XEBEC_SCOPE_CLUSTER_IP,
	};
	struct lb4_service *svc = bpf_map_lookup_elem(&lb4_services, &key);
	if (svc || !bpf_map_lookup_elem(&lb4_node_addrs, &t->daddr))
		return svc;
	key.address = 0;
	key.scope = XEBEC_SCOPE_NODE_PORT;
	return bpf_map_lookup_elem(&lb4_services, &key);
}

/* True when a flow's backend still serves its service: backend_id is still addr:port and
 * still belongs to service_id (ids are reused, also by another service's backend that
 * happens to be the same pod). */
static __always_inline bool backend_alive(const struct ct4_entry *ct)
{
	struct lb4_backend *b = bpf_map_lookup_elem(&lb4_backends, &ct->backend_id);
	return b && b->service_id == ct->service_id && b->address == ct->nat_address &&
	       b->port == ct->nat_port;
}

/* Picks a backend id for a new flow: a random entry of the service's backend list, or the
 * owner of the flow's slot in its Maglev table. 0 with d->counter set on failure. */
static __always_inline __u32 select_backend(const struct lb4_service *svc, const struct ct4_key *t,
					    struct lb_decision *d)
{
	__u32 idx, *id;

	if (svc->backend_count == 0) {
		d->counter = XEBEC_CNT_DROP_NO_BACKEND;
		return 0;
	}
	if (svc->algorithm == XEBEC_ALG_MAGLEV) {
		void *table = bpf_map_lookup_elem(&lb4_maglev, &svc->service_id);
		idx = XEBEC_MAGLEV_SIZE;
		__u32 *m = table ? bpf_map_lookup_elem(table, &idx) : NULL;
		if (!m || *m == 0) {
			d->counter = XEBEC_CNT_DROP_NO_TABLE;
			return 0;
		}
		idx = XEBEC_MAGLEV_TABLE + flow_hash(t) % *m;
		id = bpf_map_lookup_elem(table, &idx);
	} else {
		idx = svc->slots_offset + bpf_get_prandom_u32() % svc->backend_count;
		id = bpf_map_lookup_elem(&lb4_slots, &idx);
	}
	if (!id || *id == 0) {
		d->counter = XEBEC_CNT_DROP_NO_BACKEND;
		return 0;
	}
	return *id;
}

/* ClientIP affinity: the backend this client used recently, if it still serves svc. */
static __always_inline struct lb4_backend *affinity_backend(const struct lb4_service *svc,
							    const struct affinity4_key *key, __u32 now,
							    __u32 *backend_id)
{
	struct affinity4_entry *a = bpf_map_lookup_elem(&lb4_affinity, key);
	if (!a || now - a->last_used > svc->affinity_timeout)
		return NULL;
	*backend_id = a->backend_id;
	struct lb4_backend *b = bpf_map_lookup_elem(&lb4_backends, backend_id);
	return b && b->service_id == svc->service_id ? b : NULL;
}

/* A new flow to svc: choose the backend, remember the flow both ways, decide DNAT. */
static __always_inline void lb4_new_flow(const struct pkt4 *p, const struct lb4_service *svc,
					 struct lb_decision *d)
{
	__u32 now = now_seconds();
	__u32 backend_id = 0;
	struct lb4_backend *b = NULL;
	struct affinity4_key akey = {.service_id = svc->service_id, .client = p->tuple.saddr};

	d->service_id = svc->service_id;
	if (svc->affinity_timeout)
		b = affinity_backend(svc, &akey, now, &backend_id);
	if (!b) {
		backend_id = select_backend(svc, &p->tuple, d);
		if (!backend_id) {
			d->action = LB_DROP;
			return;
		}
		b = bpf_map_lookup_elem(&lb4_backends, &backend_id);
		if (!b || !b->service_id) {
			d->action = LB_DROP;
			d->counter = XEBEC_CNT_DROP_NO_BACKEND;
			return;
		}
	}
	if (svc->affinity_timeout) {
		struct affinity4_entry a = {.backend_id = backend_id, .last_used = now};
		bpf_map_update_elem(&lb4_affinity, &akey, &a, BPF_ANY);
	}

	struct ct4_entry fwd = {
		.nat_address = b->address,
		.nat_port = b->port,
		.direction = CT_FORWARD,
		.service_id = svc->service_id,
		.backend_id = backend_id,
		.created = now,
		.last_seen = now,
	};
	struct ct4_key rkey = {
		.saddr = b->address,
		.daddr = p->tuple.saddr,
		.sport = b->port,
		.dport = p->tuple.sport,
		.proto = p->tuple.proto,
	};
	struct ct4_entry rev = fwd;
	rev.nat_address = p->tuple.daddr;
	rev.nat_port = p->tuple.dport;
	rev.direction = CT_REPLY;
	/* reply entry first: a reply can never arrive before the forward packet is sent */
	bpf_map_update_elem(&lb4_ct, &rkey, &rev, BPF_ANY);
	bpf_map_update_elem(&lb4_ct, &p->tuple, &fwd, BPF_ANY);

	d->action = LB_DNAT;
	d->addr = b->address;
	d->port = b->port;
	d->counter = XEBEC_CNT_DNAT_NEW;
}

/* The decision for a packet at a hook acting on `dirs`. A tracked reply gets its frontend
 * back as source. A tracked forward flow keeps its backend, even one since removed: removal
 * is graceful; only a new connection (SYN) on the tuple of a flow whose backend is gone, or
 * an idle-expired flow, chooses again. Anything else addressed to a frontend is a new flow. */
static __always_inline void lb4_decide(const struct pkt4 *p, int dirs, struct lb_decision *d)
{
	struct ct4_entry *ct = bpf_map_lookup_elem(&lb4_ct, &p->tuple);

	if (ct) {
		__u32 now = now_seconds();
		if (ct->direction == CT_REPLY) {
			if (!(dirs & DIR_REPLY))
				return;
			if (ct->last_seen != now)
				ct->last_seen = now;
			d->action = LB_RNAT;
			d->counter = XEBEC_CNT_REVNAT;
			d->addr = ct->nat_address;
			d->port = ct->nat_port;
			return;
		}
		if (!(dirs & DIR_FORWARD))
			return;
		if (now - ct->last_seen <= ct_lifetime(p->tuple.proto) &&
		    !(p->tcp_syn && !backend_alive(ct))) {
			if (ct->last_seen != now)
				ct->last_seen = now;
			d->action = LB_DNAT;
			d->counter = XEBEC_CNT_DNAT_ESTABLISHED;
			d->addr = ct->nat_address;
			d->port = ct->nat_port;
			d->service_id = ct->service_id;
			return;
		}
	}
	if (!(dirs & DIR_FORWARD))
		return;
	struct lb4_service *svc = lookup_frontend(&p->tuple);
	if (svc)
		lb4_new_flow(p, svc, d);
}

/* Counts a finished decision: globally, and against its service. */
static __always_inline void lb4_account(const struct pkt4 *p, const struct lb_decision *d)
{
	count(d->counter);
	if (d->service_id && d->action != LB_RNAT)
		count_service(d->service_id, p->len, d->counter == XEBEC_CNT_DNAT_NEW,
			      d->action == LB_DROP);
}

#endif
