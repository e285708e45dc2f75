/* The service load-balancer's entry points. Each parses, asks bpf/lib/lb.h for a decision,
 * applies it and counts; the logic lives in the helpers. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "lib/lb.h"
#include "lib/maps.h"
#include "lib/nat.h"
#include "lib/parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Headers the tc programs need in the linear part of the skb: Ethernet, the longest IPv4
 * header, a TCP header. */
#define MAX_HEADERS (14 + 60 + 20)

static __always_inline int tc_parse(struct __sk_buff *skb, struct pkt4 *p)
{
	enum parse_result r = parse4((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, p);
	if (r == PARSE_MALFORMED && skb->len > skb->data_end - skb->data) {
		/* headers may sit in paged data: make them linear once and look again */
		bpf_skb_pull_data(skb, skb->len < MAX_HEADERS ? skb->len : MAX_HEADERS);
		r = parse4((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, p);
	}
	return r;
}

static __always_inline enum xebec_counter parse_counter(enum parse_result r)
{
	if (r == PARSE_FRAGMENT)
		return XEBEC_CNT_FRAGMENT;
	return r == PARSE_MALFORMED ? XEBEC_CNT_MALFORMED : XEBEC_CNT_PASS;
}

/* The shared tc path: parse, decide for the directions the hook acts on, rewrite, count. */
static __always_inline int tc_lb(struct __sk_buff *skb, int dirs)
{
	struct pkt4 p;
	struct lb_decision d = {.action = LB_PASS, .counter = XEBEC_CNT_PASS};
	enum parse_result r = tc_parse(skb, &p);

	if (r != PARSE_OK) {
		count(parse_counter(r));
		return TC_ACT_OK;
	}
	lb4_decide(&p, dirs, &d);

	int verdict = TC_ACT_OK;
	if (d.action == LB_DROP) {
		verdict = TC_ACT_SHOT;
	} else if (d.action != LB_PASS &&
		   nat4_skb(skb, &p, d.action == LB_DNAT ? NAT_DST : NAT_SRC, d.addr, d.port)) {
		d.action = LB_DROP;
		d.counter = XEBEC_CNT_DROP_REWRITE;
		verdict = TC_ACT_SHOT;
	}
	lb4_account(&p, &d);
	return verdict;
}

/* tc ingress of a pod's host-side veth: everything the pod sends. Its connections to
 * frontends are DNATed to a backend. Its replies as a backend are left for the egress hook
 * on their way out (to_pod, to_uplink): rewritten here, before routing, a NodePort reply
 * would carry a node address as source into the node's routing, which drops it as martian. */
SEC("tc")
int from_pod(struct __sk_buff *skb)
{
	return tc_lb(skb, DIR_FORWARD);
}

/* tc egress of a pod's host-side veth: everything delivered to the pod. Replies from
 * backends to the pod's connections get the frontend as their source. */
SEC("tc")
int to_pod(struct __sk_buff *skb)
{
	return tc_lb(skb, DIR_REPLY);
}

/* tc ingress of a node's uplink: traffic arriving from other nodes and outside clients.
 * NodePort (and ClusterIP) connections are DNATed to a backend. */
SEC("tc")
int from_uplink(struct __sk_buff *skb)
{
	return tc_lb(skb, DIR_FORWARD);
}

/* tc egress of a node's uplink: replies of NodePort flows leave with the node address. */
SEC("tc")
int to_uplink(struct __sk_buff *skb)
{
	return tc_lb(skb, DIR_REPLY);
}

/* XDP on a node's uplink, in place of from_uplink: the same forward path, before the
 * kernel allocates an skb. DNATed frames continue up the stack (XDP_PASS) to be routed. */
SEC("xdp")
int xdp_uplink(struct xdp_md *ctx)
{
	struct pkt4 p;
	struct lb_decision d = {.action = LB_PASS, .counter = XEBEC_CNT_PASS};
	enum parse_result r = parse4((void *)(long)ctx->data, (void *)(long)ctx->data_end,
				     ctx->data_end - ctx->data, &p);

	if (r != PARSE_OK) {
		count(parse_counter(r));
		return XDP_PASS;
	}
	lb4_decide(&p, DIR_FORWARD, &d);
	int verdict = XDP_PASS;
	if (d.action == LB_DROP) {
		verdict = XDP_DROP;
	} else if (d.action == LB_DNAT && nat4_xdp(ctx, &p, NAT_DST, d.addr, d.port)) {
		d.action = LB_DROP;
		d.counter = XEBEC_CNT_DROP_REWRITE;
		verdict = XDP_DROP;
	}
	lb4_account(&p, &d);
	return verdict;
}
