/* Header rewrites for DNAT (destination -> backend) and reverse NAT (source -> frontend),
 * keeping IPv4 and L4 checksums right. Addresses, ports and the IPv4 checksum are written
 * directly (RFC 1624 incremental update). The L4 checksum differs: in tc a veth's packets
 * may be CHECKSUM_PARTIAL (the field holds only the pseudo-header sum), which only the
 * kernel's bpf_l4_csum_replace knows how to update; XDP frames always carry full sums. */
#ifndef XEBEC_BPF_LIB_NAT_H
#define XEBEC_BPF_LIB_NAT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

/* Which end of the packet to rewrite. */
enum nat_side {
	NAT_DST = 0, /* DNAT: daddr/dport */
	NAT_SRC = 1, /* reverse NAT: saddr/sport */
};

/* Where the fields to rewrite are, checked against the packet's end. */
struct nat_fields {
	__u16 *ip_check;
	__be32 *ip_addr;
	__be16 *l4_port;
	__u16 *l4_check;
};

/* Finds the fields for `side`; -1 if they are out of bounds (they cannot be after a
 * successful parse4, but the verifier needs the check). */
static __always_inline int nat_locate(void *data, void *data_end, const struct pkt4 *p, enum nat_side side,
				      struct nat_fields *f)
{
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *tcp = data + (p->l4_off & 0xff); /* ihl <= 60 keeps the offset bounded */
	struct udphdr *udp = (void *)tcp;

	if ((void *)(ip + 1) > data_end || (void *)(udp + 1) > data_end)
		return -1;
	if (p->tuple.proto == IPPROTO_TCP) {
		if ((void *)(tcp + 1) > data_end)
			return -1;
		f->l4_check = &tcp->check;
	} else {
		f->l4_check = &udp->check;
	}
	/* tcphdr and udphdr both start with source, then dest */
	f->ip_check = &ip->check;
	f->ip_addr = side == NAT_DST ? &ip->daddr : &ip->saddr;
	f->l4_port = side == NAT_DST ? &tcp->dest : &tcp->source;
	return 0;
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

/* Rewrites one side of an skb; returns 0 or a negative error. */
static __always_inline int nat4_skb(struct __sk_buff *skb, const struct pkt4 *p, enum nat_side side,
				    __be32 addr, __be16 port)
{
	struct nat_fields f;
	if (nat_locate((void *)(long)skb->data, (void *)(long)skb->data_end, p, side, &f))
		return -1;
	__be32 old_addr = *f.ip_addr;
	__be16 old_port = *f.l4_port;

	csum_replace4(f.ip_check, old_addr, addr);
	*f.ip_addr = addr;
	*f.l4_port = port;
	if (p->udp_nocsum)
		return 0;
	/* the checksum field itself is left to the kernel (see the file comment) */
	__u32 off = p->l4_off + l4_csum_off(p);
	__u64 flags = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	int err = bpf_l4_csum_replace(skb, off, old_addr, addr, flags | BPF_F_PSEUDO_HDR | sizeof(addr));
	if (err)
		return err;
	return bpf_l4_csum_replace(skb, off, old_port, port, flags | sizeof(port));
}

/* Rewrites one side of an XDP frame in place; returns 0 or -1. */
static __always_inline int nat4_xdp(struct xdp_md *ctx, const struct pkt4 *p, enum nat_side side,
				    __be32 addr, __be16 port)
{
	struct nat_fields f;
	if (nat_locate((void *)(long)ctx->data, (void *)(long)ctx->data_end, p, side, &f))
		return -1;
	if (!p->udp_nocsum) {
		csum_replace4(f.l4_check, *f.ip_addr, addr);
		csum_replace2(f.l4_check, *f.l4_port, port);
		/* a UDP checksum that computes to 0 is sent as 0xffff (RFC 768) */
		if (p->tuple.proto == IPPROTO_UDP && *f.l4_check == 0)
			*f.l4_check = 0xffff;
	}
	csum_replace4(f.ip_check, *f.ip_addr, addr);
	*f.ip_addr = addr;
	*f.l4_port = port;
	return 0;
}

#endif
