/* Header rewrites for DNAT (destination -> backend) and reverse NAT (source -> frontend),
 * keeping IPv4 and L4 checksums right. Addresses, ports and checksums are written directly
 * (RFC 1624 incremental updates), which costs no helper call. In tc, what the L4 checksum
 * field holds depends on the skb's checksum state (ip_summed), read from the kernel's skb:
 *   CHECKSUM_NONE, _UNNECESSARY  a full checksum: updated for addresses and ports, as in XDP;
 *   CHECKSUM_PARTIAL             only the pseudo-header sum, not complemented (the device or
 *                                the stack adds the rest on the way out): updated for the
 *                                address alone;
 *   CHECKSUM_COMPLETE            a full checksum, and skb->csum also covers the packet: left
 *                                to bpf_l4_csum_replace, which updates both.
 * XDP frames always carry full checksums. */
#ifndef XEBEC_BPF_LIB_NAT_H
#define XEBEC_BPF_LIB_NAT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

/* The skb's checksum states (include/linux/skbuff.h). */
#define CHECKSUM_NONE 0
#define CHECKSUM_UNNECESSARY 1
#define CHECKSUM_COMPLETE 2
#define CHECKSUM_PARTIAL 3

/* The one field of the kernel's struct sk_buff read here, found at load time through the
 * kernel's BTF (CO-RE): no kernel headers needed, any layout works. */
struct sk_buff___xebec {
	__u8 ip_summed : 2;
} __attribute__((preserve_access_index));

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

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

/* HC' = HC + ~m + m': the same update for a sum that is kept uncomplemented, as the
 * pseudo-header sum of a CHECKSUM_PARTIAL packet is. */
static __always_inline void csum_add_replace4(__u16 *sum, __be32 from, __be32 to)
{
	__u32 s = *sum;
	s += (__u16)~from + (__u16)~(from >> 16) + (__u16)to + (__u16)(to >> 16);
	*sum = csum_fold32(s);
}

/* The L4 checksum of a full-checksum packet after its address and port changed. A UDP
 * checksum that computes to 0 is sent as 0xffff (RFC 768); 0 itself means "none". */
static __always_inline void l4_csum_replace_full(const struct pkt4 *p, const struct nat_fields *f, __be32 addr,
						 __be16 port)
{
	csum_replace4(f->l4_check, *f->ip_addr, addr);
	csum_replace2(f->l4_check, *f->l4_port, port);
	if (p->tuple.proto == IPPROTO_UDP && *f->l4_check == 0)
		*f->l4_check = 0xffff;
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
	struct sk_buff___xebec *kskb = bpf_cast_to_kern_ctx(skb);
	__u8 summed = BPF_CORE_READ_BITFIELD(kskb, ip_summed);

	if (summed == CHECKSUM_COMPLETE && !p->udp_nocsum) {
		__u32 off = p->l4_off + l4_csum_off(p);
		__u64 flags = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
		int err = bpf_l4_csum_replace(skb, off, old_addr, addr, flags | BPF_F_PSEUDO_HDR | sizeof(addr));
		if (!err)
			err = bpf_l4_csum_replace(skb, off, old_port, port, flags | sizeof(port));
		if (err)
			return err;
		/* the helpers may have moved the packet: find the fields again */
		if (nat_locate((void *)(long)skb->data, (void *)(long)skb->data_end, p, side, &f))
			return -1;
	} else if (summed == CHECKSUM_PARTIAL) {
		csum_add_replace4(f.l4_check, old_addr, addr);
	} else if (!p->udp_nocsum) {
		l4_csum_replace_full(p, &f, addr, port);
	}
	csum_replace4(f.ip_check, old_addr, addr);
	*f.ip_addr = addr;
	*f.l4_port = port;
	return 0;
}

/* Rewrites one side of an XDP frame in place; returns 0 or -1. */
static __always_inline int nat4_xdp(struct xdp_md *ctx, const struct pkt4 *p, enum nat_side side,
				    __be32 addr, __be16 port)
{
	struct nat_fields f;
	if (nat_locate((void *)(long)ctx->data, (void *)(long)ctx->data_end, p, side, &f))
		return -1;
	if (!p->udp_nocsum)
		l4_csum_replace_full(p, &f, addr, port);
	csum_replace4(f.ip_check, *f.ip_addr, addr);
	*f.ip_addr = addr;
	*f.l4_port = port;
	return 0;
}

#endif
