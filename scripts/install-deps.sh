#!/usr/bin/env bash
# Installs everything confab needs to build, test and benchmark, from Debian's
# packages. Idempotent, and quick when everything is already there: it only
# calls apt when a package is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # libraries named in DESIGN.md that the code uses so far
  libasio-dev libssl-dev libidn-dev libspdlog-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libtomlplusplus-dev libsqlite3-dev libexpat1-dev libgtest-dev libgmock-dev libbenchmark-dev
  libsrtp2-dev libopus-dev libvpx-dev
  # test peers and the NAT lab
  python3 iproute2 nftables iptables conntrack ufw coturn stun-client procps sip-tester baresip-core
  python3-slixmpp python3-aiohttp curl go-sendxmpp python3-aioice ffmpeg tshark
  avahi-daemon avahi-utils dbus-daemon python3-zeroconf
  # XMPP federation against another server (tests/interop/test_xmpp_s2s_prosody.py): Prosody, and
  # dnsmasq serving its SRV records inside the test's network namespace
  prosody dnsmasq-base
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Test peers that are daemons (coturn, prosody, avahi) must not start as
  # system services and hold ports: the tests start their own. A
  # policy-rc.d answering 101 tells the packages' scripts not to; one the
  # machine already has is left alone.
  policy_created=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# confab install-deps: no service starts during the install\nexit 101\n' |
      $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  install_status=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    install_status=$?
  if ((policy_created)); then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  if ((install_status)); then exit "$install_status"; fi
fi
echo "install-deps: all ${#packages[@]} packages present"
