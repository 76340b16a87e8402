#!/usr/bin/env bash
# A test network of Linux network namespaces: two homes, each a browser host behind its own NAT
# router, and a public segment holding the signaling server and coturn.
#
#   tsw-h1 10.1.0.2 -- 10.1.0.1 tsw-r1 203.0.113.11 --+
#                                                     +-- br0 in tsw-pub: 203.0.113.10, .20
#   tsw-h2 10.2.0.2 -- 10.2.0.1 tsw-r2 203.0.113.12 --+
#
# 203.0.113.0/24 is TEST-NET-3: it exists only inside these namespaces. The server and coturn
# listen on 203.0.113.10 (coturn also on .20, so a STUN probe can tell whether a NAT maps two
# destinations to the same port).
#
#   netns.sh up eim|symmetric   builds it, both routers with that kind of NAT
#   netns.sh readdress r1 ADDR  replaces router 1's public address (203.0.113.x) mid-run
#   netns.sh down               removes everything it made; safe to run at any time, twice
#
# NAT kinds: `eim` masquerades keeping source ports, so one inside socket shows one public port
# to every destination (endpoint-independent mapping, what most home routers do); `symmetric`
# masquerades with `random` ports, so each destination gets its own public port (address- and
# port-dependent mapping: STUN alone cannot get through two of them).
set -euo pipefail

PREFIX=tsw
PUB=$PREFIX-pub
NAMESPACES=("$PREFIX-h1" "$PREFIX-h2" "$PREFIX-r1" "$PREFIX-r2" "$PUB")

die() {
  echo "netns.sh: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "needs $1 (apt-get install $2)"
}

down() {
  for ns in "${NAMESPACES[@]}"; do
    if ip netns pids "$ns" >/dev/null 2>&1; then
      # Whatever still runs inside (a server, coturn, a browser) goes with its namespace.
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}

# Sets the NAT of router $1 (1 or 2) to kind $2.
set_nat() {
  local r=$1 kind=$2 flags
  case "$kind" in
    eim) flags="" ;;
    symmetric) flags="random" ;;
    *) die "NAT kind must be eim or symmetric, not '$kind'" ;;
  esac
  ip netns exec "$PREFIX-r$r" nft -f - <<NFT
flush ruleset
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ip saddr 10.$r.0.0/24 masquerade $flags
  }
}
table ip filter {
  # Unsolicited packets to the router itself are dropped, as home routers do. Dropped before
  # conntrack confirms them, they leave no entry behind: one would hold the public port a hole
  # punch needs, and the NAT would map the inside host's answer to another port.
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    iifname "lan" accept
    ct state established,related accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    iifname "lan" oifname "wan" accept
    iifname "wan" oifname "lan" ct state established,related accept
  }
}
NFT
}

up() {
  local kind=${1:-eim}
  need ip iproute2
  need nft nftables
  down
  for ns in "${NAMESPACES[@]}"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip -n "$PUB" link add br0 type bridge
  ip -n "$PUB" addr add 203.0.113.10/24 dev br0
  ip -n "$PUB" addr add 203.0.113.20/24 dev br0
  ip -n "$PUB" link set br0 up
  for r in 1 2; do
    local router=$PREFIX-r$r home=$PREFIX-h$r
    # Router WAN <-> public bridge.
    ip link add "$PREFIX-w$r" type veth peer name wan netns "$router"
    ip link set "$PREFIX-w$r" netns "$PUB"
    ip -n "$PUB" link set "$PREFIX-w$r" master br0 up
    ip -n "$router" addr add "203.0.113.1$r/24" dev wan
    ip -n "$router" link set wan up
    # Home <-> router LAN.
    ip link add "$PREFIX-l$r" type veth peer name lan netns "$router"
    ip link set "$PREFIX-l$r" netns "$home" name eth0
    ip -n "$router" addr add "10.$r.0.1/24" dev lan
    ip -n "$router" link set lan up
    ip -n "$home" addr add "10.$r.0.2/24" dev eth0
    ip -n "$home" link set eth0 up
    ip -n "$home" route add default via "10.$r.0.1"
    ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
    set_nat "$r" "$kind"
  done
}

# Replaces router $1's public address with $2, as an ISP handing out a new one: the old address
# is gone, and with it every NAT mapping on it (the kernel drops masqueraded connections whose
# address disappears).
readdress() {
  local router=$PREFIX-$1 addr=$2
  [[ $addr =~ ^203\.0\.113\.[0-9]+$ ]] || die "the new address must be in 203.0.113.0/24"
  ip -n "$router" addr flush dev wan
  ip -n "$router" addr add "$addr/24" dev wan
}

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
case "${1:-}" in
  up) up "${2:-eim}" ;;
  down) down ;;
  readdress) readdress "${2:-}" "${3:-}" ;;
  *) die "usage: netns.sh up [eim|symmetric] | readdress r1 ADDR | down" ;;
esac
