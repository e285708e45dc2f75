/* Header rewrites for DNAT (destination -> backend) and reverse NAT (source -> frontend),
 * keeping IPv4 and L4 checksums right. tc uses the kernel's csum helpers, which also handle
 * CHECKSUM_PARTIAL packets from veths; XDP frames carry full checksums, updated here by
 * RFC 1624 incremental arithmetic. */
#ifndef XEBEC_BPF_LIB_NAT_H
#define XEBEC_BPF_LIB_NAT_H

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

/* Which end of the packet to rewrite. */
enum nat_side {
	NAT_DST = 0, /* DNAT: daddr/dport */
	NAT_SRC = 1, /* reverse NAT: saddr/sport */
};

static __always_inline __u32 ip_addr_off(enum nat_side side)
{
	return side == NAT_DST ? offsetof(struct iphdr, daddr) : offsetof(struct iphdr, saddr);
}

/* tcphdr and udphdr both start with source, then dest. */
static __always_inline __u32 l4_port_off(enum nat_side side)
{
	return side == NAT_DST ? offsetof(struct tcphdr, dest) : offsetof(struct tcphdr, source);
}

/* Rewrites one side of an skb; returns 0 or a negative kernel error. */
static __always_inline int nat4_skb(struct __sk_buff *skb, const struct pkt4 *p, enum nat_side side,
				    __be32 addr, __be16 port)
{
	__be32 old_addr = side == NAT_DST ? p->tuple.daddr : p->tuple.saddr;
	__be16 old_port = side == NAT_DST ? p->tuple.dport : p->tuple.sport;
	__u32 csum = p->l4_off + l4_csum_off(p);
	__u64 l4flags = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	int err;

	if (!p->udp_nocsum) {
		err = bpf_l4_csum_replace(skb, csum, old_addr, addr,
					  l4flags | BPF_F_PSEUDO_HDR | sizeof(addr));
		if (err)
			return err;
		err = bpf_l4_csum_replace(skb, csum, old_port, port, l4flags | sizeof(port));
		if (err)
			return err;
	}
	err = bpf_l3_csum_replace(skb, p->l3_off + offsetof(struct iphdr, check), old_addr, addr,
				  sizeof(addr));
	if (err)
		return err;
	err = bpf_skb_store_bytes(skb, p->l3_off + ip_addr_off(side), &addr, sizeof(addr), 0);
	if (err)
		return err;
	return bpf_skb_store_bytes(skb, p->l4_off + l4_port_off(side), &port, sizeof(port), 0);
}

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)((sum & 0xffff) + (sum >> 16));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 32-bit field change. */
static __always_inline void csum_replace4(__u16 *check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~*check;
	sum += (__u16)~from + (__u16)~(from >> 16) + (__u16)to + (__u16)(to >> 16);
	*check = ~csum_fold32(sum);
}

static __always_inline void csum_replace2(__u16 *check, __be16 from, __be16 to)
{
	__u32 sum = (__u16)~*check;
	sum += (__u16)~from + (__u16)to;
	*check = ~csum_fold32(sum);
}

/* Rewrites one side of an XDP frame in place; returns 0, or -1 if the headers moved out
 * of bounds (they cannot after a successful parse4, but the verifier wants the check). */
static __always_inline int nat4_xdp(struct xdp_md *ctx, const struct pkt4 *p, enum nat_side side,
				    __be32 addr, __be16 port)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *l4 = data + (p->l4_off & 0xff); /* ihl <= 60: keeps the offset bounded */

	if ((void *)(ip + 1) > data_end || (void *)l4 + sizeof(struct udphdr) > data_end)
		return -1;
	__u16 *check;
	if (p->tuple.proto == IPPROTO_TCP) {
		if ((void *)(l4 + 1) > data_end)
			return -1;
		check = &l4->check;
	} else {
		check = &((struct udphdr *)l4)->check;
	}
	__be32 *ip_addr = side == NAT_DST ? &ip->daddr : &ip->saddr;
	__be16 *l4_port = side == NAT_DST ? &l4->dest : &l4->source;

	if (!p->udp_nocsum) {
		csum_replace4(check, *ip_addr, addr);
		csum_replace2(check, *l4_port, port);
		/* a UDP checksum that computes to 0 is sent as 0xffff (RFC 768) */
		if (p->tuple.proto == IPPROTO_UDP && *check == 0)
			*check = 0xffff;
	}
	csum_replace4(&ip->check, *ip_addr, addr);
	*ip_addr = addr;
	*l4_port = port;
	return 0;
}

#endif
