/* Bounds-checked parsing of Ethernet/IPv4/TCP|UDP into a flow tuple. Works on any
 * [data, data_end) window, so tc and XDP share it. Nothing here writes the packet. */
#ifndef XEBEC_BPF_LIB_PARSE_H
#define XEBEC_BPF_LIB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "../api/lb.h"

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

enum parse_result {
	PARSE_OK,        /* IPv4 TCP/UDP, headers complete */
	PARSE_NOT_OURS,  /* well formed but not IPv4 TCP/UDP: not the balancer's business */
	PARSE_FRAGMENT,  /* IPv4 fragment: no (or no trustworthy) L4 header */
	PARSE_MALFORMED, /* truncated or inconsistent headers */
};

/* A parsed packet: the tuple and where the fields to rewrite live. */
struct pkt4 {
	struct ct4_key tuple; /* as carried */
	__u32 l3_off;         /* offset of the IPv4 header */
	__u32 l4_off;         /* offset of the TCP/UDP header */
	__u32 len;            /* whole packet length, for byte counters */
	__u8 tcp_syn;         /* TCP SYN without ACK: a connection attempt */
	__u8 udp_nocsum;      /* UDP with checksum 0 (none): keep it 0 */
};

/* [data, data_end) must hold the headers; pkt_len is the whole packet's length, which for
 * an skb extends into paged data the program cannot (and need not) read. */
static __always_inline enum parse_result parse4(void *data, void *data_end, __u32 pkt_len, struct pkt4 *p)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return PARSE_MALFORMED;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return PARSE_NOT_OURS;

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return PARSE_MALFORMED;
	__u32 ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip))
		return PARSE_MALFORMED;
	__u32 tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < ihl || sizeof(*eth) + tot_len > pkt_len)
		return PARSE_MALFORMED;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return PARSE_NOT_OURS;
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return PARSE_FRAGMENT;

	p->l3_off = sizeof(*eth);
	p->l4_off = sizeof(*eth) + ihl;
	p->len = pkt_len;
	p->tuple.saddr = ip->saddr;
	p->tuple.daddr = ip->daddr;
	p->tuple.proto = ip->protocol;
	__builtin_memset(p->tuple.pad, 0, sizeof(p->tuple.pad));
	p->tcp_syn = 0;
	p->udp_nocsum = 0;

	void *l4 = data + p->l4_off;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > data_end || tcp->doff < 5 || tot_len < ihl + tcp->doff * 4)
			return PARSE_MALFORMED;
		p->tuple.sport = tcp->source;
		p->tuple.dport = tcp->dest;
		p->tcp_syn = tcp->syn && !tcp->ack;
	} else {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > data_end || bpf_ntohs(udp->len) < sizeof(*udp) ||
		    bpf_ntohs(udp->len) > tot_len - ihl)
			return PARSE_MALFORMED;
		p->tuple.sport = udp->source;
		p->tuple.dport = udp->dest;
		p->udp_nocsum = udp->check == 0;
	}
	return PARSE_OK;
}

/* Offset of the L4 checksum within the L4 header. */
static __always_inline __u32 l4_csum_off(const struct pkt4 *p)
{
	return p->tuple.proto == IPPROTO_TCP ? offsetof(struct tcphdr, check)
					     : offsetof(struct udphdr, check);
}

#endif
