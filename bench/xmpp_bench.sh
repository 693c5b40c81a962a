#!/usr/bin/env bash
# xmpp_bench.sh — XMPP server memory per idle session and one-to-one message
# throughput/latency: confabd vs Prosody 0.12 vs ejabberd 23.01 (Debian's
# packages; configs in bench/prosody/ and bench/ejabberd/), in one run, on
# the same machine, measured by the same load tool (bench_xmpp_load, which
# uses confab's own XMPP client session). Each server is pinned to one CPU,
# the load tool to another. Prints a table and the ratios:
#   messages/s confabd/Prosody (goal >= 2), confabd/ejabberd (goal >= 1),
#   confabd's KiB per idle session (goal <= 10).
#
#   bench/xmpp_bench.sh [--sessions 1000,10000] [--duration 10] [--json FILE] ...
#
# See bench/README.md. Only loopback is ever used. Installs prosody and
# ejabberd with apt when missing (--no-install to skip), without letting
# Debian start them.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/bench"
T_START=$(date +%s)

SESSIONS="1000,10000"
DURATION=10
WARMUP=2
PAIRS=100
IN_FLIGHT=10
CONCURRENCY=128
SETTLE=3
BUILD_DIR="$REPO/build/dev"
CONFABD=""
BENCH_BIN=""
JSON_OUT=""
KEEP_LOGS=""
SERVER_CPU=0
LOAD_CPU=1
NICE=0
TARGETS="confabd,prosody,ejabberd"
CONFABD_SETS=()
INSTALL=1
LOADED=1
CONFABD_ACCOUNTS=direct
GOAL_VS_PROSODY=2.0
GOAL_VS_EJABBERD=1.0
GOAL_KIB=10
PASSWORD="bench-$RANDOM$RANDOM"

usage() {
  cat <<EOF
usage: $0 [options]
  --targets LIST       comma-separated subset of confabd,prosody,ejabberd (default all)
  --sessions LIST      idle session counts, measured cumulatively (default $SESSIONS)
  --duration S         measured seconds of the message test (default $DURATION)
  --warmup S           unmeasured seconds of messages before it (default $WARMUP)
  --pairs P            sender/receiver pairs (default $PAIRS)
  --in-flight W        messages in flight per pair (default $IN_FLIGHT)
  --no-loaded          skip the second message test, run while the largest number of idle
                       sessions is still logged in
  --concurrency C      logins in progress at once while sessions open (default $CONCURRENCY)
  --settle S           seconds to wait before reading a server's memory (default $SETTLE)
  --build-dir DIR      build tree with apps/confabd and bench/bench_xmpp_* (default build/dev)
  --confabd PATH       confabd binary (default <build-dir>/apps/confabd)
  --confabd-set K=V    one more confabd setting (repeatable), e.g. xmpp.limits.archive_messages=0
                       to compare without the message archive (Prosody's and ejabberd's bench
                       configs load no archive module)
  --bench-dir DIR      where bench_xmpp_load and bench_xmpp_accounts are (default <build-dir>/bench)
  --confabd-accounts M direct: bench_xmpp_accounts writes confabd's store in one process
                       (default); cli: \`confabd user add\` per account, 4 in parallel (slow:
                       ~25 ms per account)
  --json FILE          also write the results and ratios as JSON to FILE
  --keep-logs DIR      copy the servers' configs and logs and the load tool's output to DIR
  --no-install         do not apt-get install prosody/ejabberd when missing
  --server-cpu N       CPU for the server under test (default 0)
  --load-cpu N         CPU for the load tool (default 1)
  --nice N             run servers and load tool at this nice value, and give the script's
                       scheduler autogroup the same (e.g. -10 on a busy machine; default 0)
EOF
}

die() { echo "xmpp_bench: $*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while (($#)); do
  case $1 in
    --targets) [[ -n ${2-} ]] || die "bad --targets"; TARGETS=$2; shift 2 ;;
    --sessions) [[ ${2-} =~ ^[0-9]+(,[0-9]+)*$ ]] || die "bad --sessions"; SESSIONS=$2; shift 2 ;;
    --duration) is_num "${2-}" || die "bad --duration"; DURATION=$2; shift 2 ;;
    --warmup) is_num "${2-}" || die "bad --warmup"; WARMUP=$2; shift 2 ;;
    --pairs) is_int "${2-}" || die "bad --pairs"; PAIRS=$2; shift 2 ;;
    --in-flight) is_int "${2-}" || die "bad --in-flight"; IN_FLIGHT=$2; shift 2 ;;
    --concurrency) is_int "${2-}" || die "bad --concurrency"; CONCURRENCY=$2; shift 2 ;;
    --settle) is_num "${2-}" || die "bad --settle"; SETTLE=$2; shift 2 ;;
    --build-dir) [[ -n ${2-} ]] || die "bad --build-dir"; BUILD_DIR=$2; shift 2 ;;
    --confabd) [[ -n ${2-} ]] || die "bad --confabd"; CONFABD=$2; shift 2 ;;
    --confabd-set) [[ ${2-} == *=* ]] || die "bad --confabd-set (KEY=VALUE)"; CONFABD_SETS+=(--set "$2"); shift 2 ;;
    --bench-dir) [[ -n ${2-} ]] || die "bad --bench-dir"; BENCH_BIN=$2; shift 2 ;;
    --confabd-accounts) [[ ${2-} == direct || ${2-} == cli ]] || die "bad --confabd-accounts"; CONFABD_ACCOUNTS=$2; shift 2 ;;
    --json) [[ -n ${2-} ]] || die "bad --json"; JSON_OUT=$2; shift 2 ;;
    --keep-logs) [[ -n ${2-} ]] || die "bad --keep-logs"; KEEP_LOGS=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --no-loaded) LOADED=0; shift ;;
    --server-cpu) is_int "${2-}" || die "bad --server-cpu"; SERVER_CPU=$2; shift 2 ;;
    --load-cpu) is_int "${2-}" || die "bad --load-cpu"; LOAD_CPU=$2; shift 2 ;;
    --nice) [[ ${2-} =~ ^-?[0-9]+$ ]] || die "bad --nice"; NICE=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $REPO/$BUILD_DIR ]]; then BUILD_DIR="$REPO/$BUILD_DIR"; fi
abspath() { if [[ $1 == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi; }  # servers start in their own directory
BUILD_DIR=$(abspath "$BUILD_DIR")
[[ -n $CONFABD ]] || CONFABD="$BUILD_DIR/apps/confabd"
[[ -n $BENCH_BIN ]] || BENCH_BIN="$BUILD_DIR/bench"
CONFABD=$(abspath "$CONFABD"); BENCH_BIN=$(abspath "$BENCH_BIN")
LOAD="$BENCH_BIN/bench_xmpp_load"
ACCOUNTS="$BENCH_BIN/bench_xmpp_accounts"
[[ -x $LOAD && -x $ACCOUNTS ]] || die "$LOAD or $ACCOUNTS not built (ninja -C $BUILD_DIR bench_xmpp_load bench_xmpp_accounts)"
for c in taskset ss openssl timeout; do command -v "$c" >/dev/null || die "$c not found"; done
IFS=, read -r -a TLIST <<<"$TARGETS"
for t in "${TLIST[@]}"; do [[ $t == confabd || $t == prosody || $t == ejabberd ]] || die "unknown target: $t"; done
IFS=, read -r -a SLIST <<<"$SESSIONS"
prev=0
for n in "${SLIST[@]}"; do ((n > prev)) || die "--sessions must be increasing and positive"; prev=$n; done
MAX_SESSIONS=${SLIST[-1]}
# user0.. for the idle sessions, the next 2*PAIRS for the message test (so
# that it can run while the idle sessions are still logged in).
NACCOUNTS=$((MAX_SESSIONS + 2 * PAIRS))

NPROC=$(nproc)
((SERVER_CPU < NPROC && LOAD_CPU < NPROC)) || die "CPU $SERVER_CPU or $LOAD_CPU not available (nproc=$NPROC)"
((SERVER_CPU != LOAD_CPU)) || echo "xmpp_bench: warning: server and load share CPU $SERVER_CPU" >&2

# Servers and the load tool each hold one descriptor per session.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < MAX_SESSIONS + 256)); then
  die "ulimit -n is $(ulimit -n): $MAX_SESSIONS sessions need more (raise the hard limit)"
fi

# Everything lives in one temporary directory (on tmpfs when there is one:
# account stores are written without waiting for a disk). Every process the
# script starts is recorded in PIDS and killed on every exit path; servers
# and the load tool also run under `timeout` (which signals its whole process
# group, so ejabberd's beam.smp under ejabberdctl goes too).
if [[ -d /dev/shm && -w /dev/shm ]]; then TMPBASE=/dev/shm; else TMPBASE=${TMPDIR:-/tmp}; fi
WORK=$(mktemp -d "$TMPBASE/xmpp_bench.XXXXXX")
printf '%s\n' "$PASSWORD" >"$WORK/password"
POLICY_BACKUP=""
POLICY_CREATED=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all_pids
  kill_ours
  restore_policy_rc
  restore_autogroup
  rm -rf "$WORK"
  exit "$rc"
}
# Any process whose command line names our temporary directory is ours.
# shellcheck disable=SC2317
kill_ours() {
  local p i
  for p in $(pgrep -f -- "$WORK/" 2>/dev/null || true); do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 30; i++)); do [[ -n $(pgrep -f -- "$WORK/" 2>/dev/null || true) ]] || return 0; sleep 0.1; done
  for p in $(pgrep -f -- "$WORK/" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
}
# --nice: with the scheduler's autogroups (sched_autogroup_enabled), a nice
# value only ranks processes of the same session against each other; other
# sessions' work competes as whole groups. So the value also goes to our
# session's autogroup (restored on exit).
AUTOGROUP_OLD=""
# shellcheck disable=SC2317
restore_autogroup() {
  if [[ -n $AUTOGROUP_OLD ]]; then echo "$AUTOGROUP_OLD" >"/proc/$$/autogroup" 2>/dev/null || true; AUTOGROUP_OLD=""; fi
}
trap cleanup EXIT
if ((NICE != 0)) && [[ -w /proc/$$/autogroup && $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]]; then
  AUTOGROUP_OLD=$(awk '{ print $NF }' "/proc/$$/autogroup" 2>/dev/null || true)
  echo "$NICE" >"/proc/$$/autogroup" 2>/dev/null || AUTOGROUP_OLD=""
fi
trap 'echo "xmpp_bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Prosody and ejabberd: install if missing, never letting Debian's packaging
# start them (policy-rc.d), and stop any system instance we did not start.

# shellcheck disable=SC2317
restore_policy_rc() {
  if [[ -n $POLICY_BACKUP ]]; then
    mv -f "$POLICY_BACKUP" /usr/sbin/policy-rc.d 2>/dev/null || true; POLICY_BACKUP=""
  elif ((POLICY_CREATED)); then
    rm -f /usr/sbin/policy-rc.d; POLICY_CREATED=0
  fi
}

# A system instance: run by the package's user, or on the package's config.
stop_foreign() {  # stop_foreign prosody|ejabberd
  local p cmd user
  case $1 in
    prosody) for p in $(pgrep -f 'prosody' 2>/dev/null || true); do
               cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true); user=$(stat -c %U "/proc/$p" 2>/dev/null || true)
               [[ $cmd == *lua* && $cmd == */prosody* && $cmd != *"$WORK/"* ]] || continue
               if [[ $user == prosody || $cmd != *--config* || $cmd == *"/etc/prosody/"* ]]; then
                 echo "xmpp_bench: stopping a prosody this script did not start: pid $p ($cmd)" >&2
                 kill -TERM "$p" 2>/dev/null || true
               fi
             done ;;
    ejabberd) for p in $(pgrep -x beam.smp 2>/dev/null || true); do
                cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true); user=$(stat -c %U "/proc/$p" 2>/dev/null || true)
                [[ $cmd == *ejabberd* && $cmd != *"$WORK/"* ]] || continue
                if [[ $user == ejabberd || $cmd == *"ejabberd@localhost"* || $cmd == *"/var/lib/ejabberd"* ]]; then
                  echo "xmpp_bench: stopping an ejabberd this script did not start: pid $p" >&2
                  kill -TERM "$p" 2>/dev/null || true
                fi
              done ;;
  esac
}

install_pkg() {  # install_pkg prosody|ejabberd
  local pkg=$1 bin
  case $pkg in prosody) bin=prosody ;; ejabberd) bin=ejabberdctl ;; esac
  command -v "$bin" >/dev/null && return 0
  ((INSTALL)) || return 1
  [[ $(id -u) == 0 ]] || { echo "xmpp_bench: $pkg missing and not root; install it: apt-get install $pkg" >&2; return 1; }
  echo "xmpp_bench: installing $pkg (apt-get install -y $pkg; service start blocked by policy-rc.d)" >&2
  if [[ -e /usr/sbin/policy-rc.d ]]; then
    POLICY_BACKUP="$WORK/policy-rc.d.orig"; cp -p /usr/sbin/policy-rc.d "$POLICY_BACKUP"
  else
    POLICY_CREATED=1
  fi
  printf '#!/bin/sh\n# xmpp_bench.sh: no service starts during the install\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  local ok=0
  if DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "$pkg" >"$WORK/apt.log" 2>&1; then ok=1
  elif DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update >>"$WORK/apt.log" 2>&1 &&
       DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "$pkg" >>"$WORK/apt.log" 2>&1; then ok=1
  fi
  restore_policy_rc
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl stop "$pkg" >/dev/null 2>&1 || true
    systemctl disable "$pkg" >/dev/null 2>&1 || true
  fi
  stop_foreign "$pkg"
  ((ok)) || { echo "xmpp_bench: apt-get install $pkg failed:" >&2; tail -n 5 "$WORK/apt.log" | sed 's/^/    | /' >&2; return 1; }
  command -v "$bin" >/dev/null
}

# ---------------------------------------------------------------------------
# Processes and their memory.

# Upper bound on a server's life: account creation, logins at a pessimistic
# 30 per second, the message test, margins.
SERVER_LIFETIME=$(awk -v n="$NACCOUNTS" -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", 300 + 3 * n / 30 + d + w + 120 }')
LOAD_LIFETIME=$SERVER_LIFETIME

start_bg() {  # start_bg LOGFILE CPU LIFETIME DIR CMD... ; sets BG_PID
  local log=$1 cpu=$2 life=$3 dir=$4; shift 4
  (cd "$dir" && exec timeout --kill-after=5 "$life" nice -n "$NICE" taskset -c "$cpu" "$@") >"$log" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

descendants() {  # every process under $1, depth first (not $1 itself)
  local p
  for p in $(pgrep -P "$1" 2>/dev/null || true); do echo "$p"; descendants "$p"; done
}

# The server's own processes under our `timeout`: wrappers (timeout, nice,
# taskset, ejabberdctl's shell) left out; beam.smp's erl_child_setup counted.
server_pids() {
  local p comm
  for p in $(descendants "$1"); do
    comm=$(cat "/proc/$p/comm" 2>/dev/null || true)
    case $comm in timeout | nice | taskset | bash | sh | su | "") ;; *) echo "$p" ;; esac
  done
}
main_pid() {  # main_pid ROOT NAME: the process called NAME under ROOT
  local p
  for p in $(descendants "$1"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null || true) == "$2" ]] && { echo "$p"; return 0; }
  done
  return 1
}
rss_kib() {  # rss_kib ROOT: VmRSS of the server's processes, summed
  local p t=0 v
  for p in $(server_pids "$1"); do
    v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

wait_port() {  # wait_port PORT SECONDS ROOTPID
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$3" 2>/dev/null || return 1
    [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]] && return 0
    sleep 0.1
  done
  return 1
}

jget() {  # jget KEY JSONLINE -> the scalar value of the first "KEY"
  { grep -o "\"$1\":\"\{0,1\}[^,\"}]*" <<<"$2" || true; } | head -n1 | sed 's/^[^:]*:"\{0,1\}//'
}

# The load tool on the load CPU, bounded in time.
LOADCMD=(timeout --kill-after=5 "$LOAD_LIFETIME" nice -n "$NICE" taskset -c "$LOAD_CPU" "$LOAD")

# ---------------------------------------------------------------------------
# One target: start, accounts, warm-up, idle steps, message test, stop.

# message_test NAME OUTBASE LABEL: the load tool's message mode (accounts after
# the idle ones); sets M_STATUS, M_JSON, M_RATE, M_P50, M_P99, M_SRV, M_PER.
message_test() {
  local name=$1 out=$2 label=$3 mline
  M_STATUS=failed; M_JSON=null; M_RATE=""; M_P50=""; M_P99=""; M_SRV=""; M_PER=""
  "${LOADCMD[@]}" messages "${common[@]}" "${pids_arg[@]}" --first "$MAX_SESSIONS" --pairs "$PAIRS" \
    --in-flight "$IN_FLIGHT" --duration "$DURATION" --warmup "$WARMUP" >"$out.out" 2>"$out.err" || true
  mline=$(grep '"result"' "$out.out" || true)
  if [[ -z $mline ]]; then
    echo "xmpp_bench: $name: the message test printed no result" >&2; log_tail "$out.err"
    return
  fi
  M_JSON=$(sed 's/^{"event":"result",//; s/^/{/' <<<"$mline")
  M_STATUS=$(jget status "$mline")
  M_RATE=$(jget messages_per_second "$mline"); M_P50=$(jget p50 "$mline"); M_P99=$(jget p99 "$mline")
  M_SRV=$(jget server_cpu_percent "$mline"); M_PER=$(jget messages_per_server_cpu_second "$mline")
  printf '    %-8s %s: %s/s delivered, p50 %s us, p99 %s us, lost %s, errors %s; server CPU %s%%, load CPU %s%%  (%s)\n' \
    "$name" "$label" "$M_RATE" "$M_P50" "$M_P99" "$(jget lost "$mline")" "$(jget errors "$mline")" "$M_SRV" \
    "$(jget load_cpu_percent "$mline")" "$M_STATUS" >&2
}

keep_logs() {  # keep_logs NAME DIR: configs, logs, load tool output -> --keep-logs DIR/NAME
  [[ -n $KEEP_LOGS ]] || return 0
  mkdir -p "$KEEP_LOGS/$1"
  (cd "$2" && cp -r -- ./*.out ./*.err ./*.log log.* logs ./*.cfg* ./*.yml "$KEEP_LOGS/$1/" 2>/dev/null) || true
}

# A TCP port on loopback that no socket uses in any state, below the
# ephemeral range (lib.sh's free_port only checks listeners: a port picked in
# the ephemeral range can be the local end of some connection, and then
# listen() fails).
free_tcp_port() {
  local i p lo
  lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((lo > 12000)) || lo=32768
  for ((i = 0; i < 200; i++)); do
    p=$((10000 + RANDOM % (lo - 10000)))
    if [[ -z $(ss -Htan "sport = :$p" 2>/dev/null) && -z $(ss -Hlun "sport = :$p" 2>/dev/null) ]]; then
      echo "$p"; return 0
    fi
  done
  return 1
}

# start_server NAME DIR PORT MAINPROC LIFE: SRV_CMD pinned to the server CPU, in
# DIR, until it listens; sets root (the `timeout` around it), mpid, pids_arg.
start_server() {
  local name=$1 dir=$2 port=$3
  start_bg "$dir/log.$5" "$SERVER_CPU" "$SERVER_LIFETIME" "$dir" "${SRV_CMD[@]}"
  root=$BG_PID
  ln -sf "log.$5" "$dir/log"
  if ! wait_port "$port" 60 "$root"; then
    echo "xmpp_bench: $name never listened on 127.0.0.1:$port" >&2; log_tail "$dir/log"
    stop_server "$name"; keep_logs "$name" "$dir"
    return 1
  fi
  mpid=$(main_pid "$root" "$4" || true)
  pids_arg=()
  [[ -z $mpid ]] || pids_arg=(--server-pid "$mpid")
}
stop_server() {
  [[ $1 != ejabberd ]] || timeout 30 "${EJCTL[@]}" stop >/dev/null 2>&1 || true
  [[ -z $root ]] || stop_pid "$root"
  kill_ours  # whatever is left of the server (beam.smp under ejabberdctl)
}
# warm_up NAME OUTBASE: 20 logins, so that code paths and caches exist.
warm_up() {
  if ! "${LOADCMD[@]}" idle "${common[@]}" --steps 20 --hold 0 >"$2.out" 2>&1 ||
     [[ $(jget sessions_up "$(grep '"up"' "$2.out" || true)") != 20 ]]; then
    echo "xmpp_bench: $1: warm-up logins failed:" >&2; log_tail "$2.out"; log_tail "$dir/log"
    return 1
  fi
}

# run_target NAME -> sets RESULT (JSON), STATUS_T, and the per-target arrays
run_target() {
  local name=$1 port dir mpid_name t0 t1 acc_s=null cb=() steps_json=() msg_json=null lmsg_json=null msg_fail=""
  root=""; mpid=""; pids_arg=(); SRV_CMD=()
  STATUS_T=ok; BASE_T=""; LRATE_T=""; LP99_T=""; KIB_T=(); UP_T=(); SETUP_T=(); RATE_T=""; P50_T=""; P99_T=""; SRVCPU_T=""; PERCPU_T=""
  port=$(free_tcp_port) || { STATUS_T="no free port"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
  dir="$WORK/$name"; mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj /CN=example.org \
    -addext subjectAltName=DNS:example.org -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 ||
    { STATUS_T="no certificate"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
  case $name in
    confabd)
      if [[ ! -x $CONFABD ]]; then STATUS_T="not built"; RESULT="{\"status\":\"$STATUS_T\"}"; return; fi
      t0=$(date +%s.%N)
      if [[ $CONFABD_ACCOUNTS == cli ]]; then
        seq 0 $((NACCOUNTS - 1)) | xargs -P 4 -I{} "$CONFABD" --set "server.data_dir=\"$dir/data\"" \
          user add "user{}@example.org" --password-file "$WORK/password" >"$dir/accounts.log" 2>&1 || true
      else
        "$ACCOUNTS" confabd --data-dir "$dir/data" --count "$NACCOUNTS" --password-file "$WORK/password" >"$dir/accounts.log" 2>&1 ||
          { log_tail "$dir/accounts.log"; STATUS_T="accounts failed"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
      fi
      t1=$(date +%s.%N); acc_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
      # The certificate confabd makes for itself is the same kind (P-256, self-signed).
      SRV_CMD=("$CONFABD" --set "server.data_dir=\"$dir/data\"" --set server.workers=1 \
        --set snatmap.enabled=false --set sip.enabled=false --set portcheck.enabled=false --set xmpp.upload.enabled=false \
        --set "xmpp.port=$port" --set xmpp.tls_port=0 --set 'xmpp.address="127.0.0.1"' \
        --set "xmpp.limits.connections=$((MAX_SESSIONS + 1000))" --set xmpp.limits.idle_timeout=3600 \
        --set 'log.level="warn"' ${CONFABD_SETS[@]+"${CONFABD_SETS[@]}"})
      mpid_name=confabd ;;
    prosody)
      if ! install_pkg prosody; then STATUS_T="not installed"; RESULT="{\"status\":\"$STATUS_T\"}"; return; fi
      stop_foreign prosody
      mkdir -p "$dir/data" "$dir/certs"
      sed -e "s|@WORK@|$dir|g; s|@DATA@|$dir/data|g; s|@PORT@|$port|g; s|@CERT@|$dir/cert.pem|g; s|@KEY@|$dir/key.pem|g" \
        "$BENCH/prosody/prosody.cfg.lua" >"$dir/prosody.cfg.lua"
      t0=$(date +%s.%N)
      "$ACCOUNTS" prosody --data-dir "$dir/data" --count "$NACCOUNTS" --password-file "$WORK/password" >"$dir/accounts.log" 2>&1 ||
        { log_tail "$dir/accounts.log"; STATUS_T="accounts failed"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
      t1=$(date +%s.%N); acc_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
      SRV_CMD=(prosody --config "$dir/prosody.cfg.lua" -F)
      mpid_name=lua5.4 ;;
    ejabberd)
      if ! install_pkg ejabberd; then STATUS_T="not installed"; RESULT="{\"status\":\"$STATUS_T\"}"; return; fi
      stop_foreign ejabberd
      local distport
      distport=$port
      while [[ $distport == "$port" ]]; do
        distport=$(free_tcp_port) || { STATUS_T="no free port"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
      done
      mkdir -p "$dir/spool" "$dir/logs"
      cat "$dir/key.pem" "$dir/cert.pem" >"$dir/server.pem"
      printf '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n' >"$dir/inetrc"
      sed -e "s|@CERTFILE@|$dir/server.pem|g; s|@PORT@|$port|g" "$BENCH/ejabberd/ejabberd.yml" >"$dir/ejabberd.yml"
      sed -e "s|@NODE@|xmppbench$port@localhost|g; s|@DISTPORT@|$distport|g" "$BENCH/ejabberd/ejabberdctl.cfg" >"$dir/ejabberdctl.cfg"
      EJCTL=(env HOME="$dir" ejabberdctl --config-dir "$dir" --ctl-config "$dir/ejabberdctl.cfg" --config "$dir/ejabberd.yml"
             --logs "$dir/logs" --spool "$dir/spool")
      SRV_CMD=("${EJCTL[@]}" foreground)
      mpid_name=beam.smp
      # ejabberd 23.01 offers SCRAM-SHA-1-PLUS but only with tls-unique; confab's
      # client binds with tls-exporter (RFC 9266), which ejabberd refuses.
      cb=(--no-channel-binding) ;;
  esac
  if ! start_server "$name" "$dir" "$port" "$mpid_name" 1; then
    STATUS_T="failed to start"; RESULT="{\"status\":\"$STATUS_T\"}"; return
  fi
  if [[ $name == ejabberd ]]; then
    "$ACCOUNTS" piefxis --out "$dir/users.xml" --count "$NACCOUNTS" --password-file "$WORK/password"
    local i
    for ((i = 0; i < 60; i++)); do timeout 20 "${EJCTL[@]}" status >/dev/null 2>&1 && break; sleep 1; done
    t0=$(date +%s.%N)
    # ejabberd hashes each password (SCRAM-SHA-1, 4096 iterations) as it imports.
    timeout "$SERVER_LIFETIME" "${EJCTL[@]}" --no-timeout import_piefxis "$dir/users.xml" >"$dir/accounts.log" 2>&1 ||
      { log_tail "$dir/accounts.log"; }
    t1=$(date +%s.%N); acc_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  fi
  echo "xmpp_bench: $name on 127.0.0.1:$port (pid ${mpid:-?}), $NACCOUNTS accounts created in ${acc_s} s" >&2

  local common=(--target "127.0.0.1:$port" --password-file "$WORK/password" --name "$name"
                --concurrency "$CONCURRENCY" "${cb[@]}")
  # Two server lifetimes: the message test on a fresh server (Prosody's Lua
  # heap after 10,000 logins and logouts makes it several times slower), then
  # a restart (accounts kept) for the memory baseline and the idle sessions,
  # so that memory the message test freed but kept does not hide session memory.
  warm_up "$name" "$dir/warmup" || STATUS_T="logins fail"
  # Messages: pairs of sessions, A keeps W in flight to B.
  if kill -0 "$root" 2>/dev/null && [[ $STATUS_T == ok ]]; then
    message_test "$name" "$dir/messages" "messages"
    msg_json=$M_JSON
    RATE_T=$M_RATE; P50_T=$M_P50; P99_T=$M_P99; SRVCPU_T=$M_SRV; PERCPU_T=$M_PER
    if [[ $M_STATUS != ok ]]; then msg_fail="messages: $M_STATUS"; RATE_T=""; fi
  fi
  if ! kill -0 "$root" 2>/dev/null || [[ -z $(server_pids "$root") ]]; then
    echo "xmpp_bench: $name exited during the message test" >&2; log_tail "$dir/log"; STATUS_T=crashed
  fi
  stop_server "$name"
  if [[ $STATUS_T == ok ]]; then
    if ! start_server "$name" "$dir" "$port" "$mpid_name" 2; then
      STATUS_T="failed to restart"
    else
      warm_up "$name" "$dir/warmup2" || STATUS_T="logins fail"
      sleep "$SETTLE"
      BASE_T=$(rss_kib "$root")
    fi
  fi

  # Idle sessions, in cumulative steps; the server's memory after each.
  local line up n k kib setup lps idle_pid tool_pid=""
  if [[ $STATUS_T == ok ]]; then
    : >"$dir/idle.out"
    "${LOADCMD[@]}" idle "${common[@]}" --steps "$SESSIONS" --hold 900 >"$dir/idle.out" 2>"$dir/idle.err" &
    idle_pid=$!; PIDS+=("$idle_pid")
    # SIGUSR1 goes to the tool itself, not to the timeout/nice/taskset around it.
    for ((k = 0; k < 100; k++)); do
      tool_pid=$(main_pid "$idle_pid" bench_xmpp_load || true)
      [[ -n $tool_pid ]] && break
      sleep 0.05
    done
    [[ -n $tool_pid ]] || tool_pid=$idle_pid
    for ((k = 0; k < ${#SLIST[@]}; k++)); do
      n=${SLIST[$k]}
      line=""
      while kill -0 "$idle_pid" 2>/dev/null; do
        line=$(grep "\"step\":$k," "$dir/idle.out" || true)
        [[ -n $line ]] && break
        sleep 0.2
      done
      [[ -n $line ]] || line=$(grep "\"step\":$k," "$dir/idle.out" || true)
      if [[ -z $line ]]; then
        echo "xmpp_bench: $name: the load tool ended before $n sessions were up" >&2; log_tail "$dir/idle.err"
        STATUS_T="idle failed"; break
      fi
      sleep "$SETTLE"
      up=$(jget sessions_up "$line"); setup=$(jget setup_s "$line"); lps=$(jget logins_per_second "$line")
      if ! kill -0 "$root" 2>/dev/null; then STATUS_T=crashed; break; fi
      local rss; rss=$(rss_kib "$root")
      kib=$(awk -v r="$rss" -v b="$BASE_T" -v u="$up" 'BEGIN { if (u > 0) printf "%.1f", (r - b) / u; else print "null" }')
      KIB_T+=("$kib"); UP_T+=("$up"); SETUP_T+=("$setup")
      printf '    %-8s %6s idle sessions: %6s up (%s failed) in %ss (%s logins/s); server RSS %s KiB (baseline %s): %s KiB/session\n' \
        "$name" "$n" "$up" "$(jget failed "$line")" "$setup" "$lps" "$rss" "$BASE_T" "$kib" >&2
      steps_json+=("{\"sessions\":$n,\"up\":$up,\"failed\":$(jget failed "$line"),\"setup_s\":$setup,\"logins_per_second\":$lps,\"rss_kib\":$rss,\"kib_per_session\":$kib,\"failures\":$(sed -n 's/.*"failures":\({.*}\)}$/\1/p' <<<"$line")}")
      if [[ $(jget complete "$line") != true || $up != "$n" ]]; then
        echo "xmpp_bench: $name: only $up of $n sessions came up: $(sed -n 's/.*"failures":\({.*}\)}$/\1/p' <<<"$line")" >&2
        [[ $up == 0 ]] && STATUS_T="idle failed"
        [[ $(jget complete "$line") == true && $up != 0 ]] || break
      fi
      # On to the next step; after the last, the sessions stay up for the loaded message test.
      if ((k + 1 < ${#SLIST[@]} || !LOADED)); then kill -USR1 "$tool_pid" 2>/dev/null || true; fi
    done
    # Messages while the idle sessions are still logged in.
    if ((LOADED)) && [[ $STATUS_T == ok ]] && kill -0 "$idle_pid" 2>/dev/null && kill -0 "$root" 2>/dev/null; then
      message_test "$name" "$dir/messages_loaded" "messages with ${UP_T[-1]} idle sessions up"
      LRATE_T=$M_RATE; LP99_T=$M_P99; lmsg_json=$M_JSON
      [[ $M_STATUS == ok ]] || LRATE_T=""
    fi
    kill -USR1 "$tool_pid" 2>/dev/null || true
    local j
    for ((j = 0; j < 100; j++)); do kill -0 "$idle_pid" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$idle_pid"
    sleep 2  # the server forgets the closed sessions
  fi

  if ! kill -0 "$root" 2>/dev/null || [[ -z $(server_pids "$root") ]]; then
    echo "xmpp_bench: $name exited during the run" >&2; log_tail "$dir/log"; STATUS_T=crashed
  fi
  [[ -z $msg_fail || $STATUS_T != ok ]] || STATUS_T=$msg_fail
  stop_server "$name"
  keep_logs "$name" "$dir"
  local sj
  sj=$(IFS=,; echo "${steps_json[*]}")
  RESULT="{\"status\":\"$STATUS_T\",\"port\":$port,\"accounts\":$NACCOUNTS,\"accounts_s\":$acc_s,\"baseline_rss_kib\":${BASE_T:-null},\"idle\":[${sj}],\"messages\":${msg_json},\"messages_with_idle\":${lmsg_json}}"
}

echo "xmpp_bench: $NPROC CPUs; server on CPU $SERVER_CPU, load tool on CPU $LOAD_CPU (nice $NICE);" \
     "idle sessions $SESSIONS; messages: $PAIRS pairs x $IN_FLIGHT in flight, ${WARMUP}s + ${DURATION}s" >&2
declare -A RES=() ST=() BASE=() RATE=() P50=() P99=() SRVCPU=() PERCPU=() KIB=() LRATE=() LP99=()
for t in "${TLIST[@]}"; do
  echo "xmpp_bench: $t ..." >&2
  run_target "$t"
  RES[$t]=$RESULT; ST[$t]=$STATUS_T; BASE[$t]=${BASE_T:-}; RATE[$t]=${RATE_T:-}; P50[$t]=${P50_T:-}; P99[$t]=${P99_T:-}
  SRVCPU[$t]=${SRVCPU_T:-}; PERCPU[$t]=${PERCPU_T:-}; LRATE[$t]=${LRATE_T:-}; LP99[$t]=${LP99_T:-}
  for ((k = 0; k < ${#SLIST[@]}; k++)); do KIB[$t.$k]=${KIB_T[$k]:-}; done
done

ms() { [[ -n $1 ]] && awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }' || echo -; }
echo
hdr=$(printf '%-9s %-16s %9s' target status "base MiB")
for n in "${SLIST[@]}"; do hdr+=$(printf ' %13s' "KiB/s @$n"); done
hdr+=$(printf ' %10s %8s %8s %8s %12s' "msgs/s" "p50 ms" "p99 ms" "srv cpu" "msgs/srv-s")
((LOADED)) && hdr+=$(printf ' %14s %8s' "msgs/s @${MAX_SESSIONS}up" "p99 ms")
echo "$hdr"
for t in "${TLIST[@]}"; do
  row=$(printf '%-9s %-16s %9s' "$t" "${ST[$t]}" "$([[ -n ${BASE[$t]} ]] && awk -v k="${BASE[$t]}" 'BEGIN { printf "%.1f", k / 1024 }' || echo -)")
  for ((k = 0; k < ${#SLIST[@]}; k++)); do row+=$(printf ' %13s' "${KIB[$t.$k]:--}"); done
  row+=$(printf ' %10s %8s %8s %8s %12s' "${RATE[$t]:--}" "$(ms "${P50[$t]}")" "$(ms "${P99[$t]}")" \
    "$([[ -n ${SRVCPU[$t]} ]] && echo "${SRVCPU[$t]}%" || echo -)" "${PERCPU[$t]:--}")
  ((LOADED)) && row+=$(printf ' %14s %8s' "${LRATE[$t]:--}" "$(ms "${LP99[$t]}")")
  echo "$row"
done
echo "(KiB/s @N = server RSS growth per idle session with N sessions up: TLS, SCRAM login, bound, initial presence;"
echo " msgs/s = one-to-one chat messages delivered per second, $PAIRS pairs x $IN_FLIGHT in flight, ${DURATION}s;"
echo " p50/p99 = send-to-receive latency; srv cpu = the server's share of one core while measured;"
echo " msgs/srv-s = messages per second of server CPU time;"
echo " msgs/s @Nup = the same message test while the N idle sessions are still logged in)"

ratio() {  # ratio A B -> A/B with 3 decimals, or empty
  [[ -n $1 && -n $2 ]] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b }'
}
verdict() {  # verdict VALUE OP GOAL
  [[ -n $1 ]] || { echo "n/a"; return; }
  awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? (v >= g) : (v <= g); print ok ? "pass" : "FAIL" }'
}
R_P=$(ratio "${RATE[confabd]-}" "${RATE[prosody]-}")
R_E=$(ratio "${RATE[confabd]-}" "${RATE[ejabberd]-}")
RC_P=$(ratio "${PERCPU[confabd]-}" "${PERCPU[prosody]-}")
RC_E=$(ratio "${PERCPU[confabd]-}" "${PERCPU[ejabberd]-}")
echo
printf '%-42s %-8s %s\n' ratio value goal
printf '%-42s %-8s %s\n' "msgs/s confabd/prosody" "${R_P:-n/a}" ">= $GOAL_VS_PROSODY: $(verdict "$R_P" '>=' "$GOAL_VS_PROSODY")"
printf '%-42s %-8s %s\n' "msgs/s confabd/ejabberd" "${R_E:-n/a}" ">= $GOAL_VS_EJABBERD: $(verdict "$R_E" '>=' "$GOAL_VS_EJABBERD")"
printf '%-42s %-8s %s\n' "msgs per server CPU-s confabd/prosody" "${RC_P:-n/a}" "(cross-check)"
printf '%-42s %-8s %s\n' "msgs per server CPU-s confabd/ejabberd" "${RC_E:-n/a}" "(cross-check)"
if ((LOADED)); then
  printf '%-42s %-8s %s\n' "msgs/s @${MAX_SESSIONS}up confabd/prosody" "$(ratio "${LRATE[confabd]-}" "${LRATE[prosody]-}")" "(reported)"
  printf '%-42s %-8s %s\n' "msgs/s @${MAX_SESSIONS}up confabd/ejabberd" "$(ratio "${LRATE[confabd]-}" "${LRATE[ejabberd]-}")" "(reported)"
fi
KIB_JSON=""
for ((k = 0; k < ${#SLIST[@]}; k++)); do
  n=${SLIST[$k]}; v=${KIB[confabd.$k]-}
  printf '%-42s %-8s %s\n' "confabd KiB/session @$n" "${v:-n/a}" "<= $GOAL_KIB: $(verdict "$v" '<=' "$GOAL_KIB")"
  for o in prosody ejabberd; do
    r=$(ratio "${KIB[$o.$k]-}" "$v")
    [[ -z $r ]] || printf '%-42s %-8s %s\n' "KiB/session @$n $o/confabd" "$r" "(reported)"
  done
  KIB_JSON+="${KIB_JSON:+,}\"$n\":$([[ -n $v ]] && echo "$v" || echo null)"
done
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T_START))
echo "load average after the run: $LOADAVG (on $NPROC CPUs; other work on these CPUs skews the rates); run time ${ELAPSED}s"

if [[ -n $JSON_OUT ]]; then
  jnum() { [[ -n $1 ]] && echo "$1" || echo null; }
  {
    printf '{"benchmark":"xmpp_sessions_and_messages","time":"%s","kernel":"%s","nproc":%d,"loadavg":"%s",' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$NPROC" "$LOADAVG"
    printf '"server_cpu":%d,"load_cpu":%d,"nice":%d,"sessions":[%s],"pairs":%d,"in_flight":%d,"duration_s":%s,"warmup_s":%s,"run_time_s":%d,' \
      "$SERVER_CPU" "$LOAD_CPU" "$NICE" "$SESSIONS" "$PAIRS" "$IN_FLIGHT" "$DURATION" "$WARMUP" "$ELAPSED"
    printf '"prosody_version":"%s","ejabberd_version":"%s","results":{' \
      "$(dpkg-query -W -f '${Version}' prosody 2>/dev/null || true)" "$(dpkg-query -W -f '${Version}' ejabberd 2>/dev/null || true)"
    sep=""
    for t in "${TLIST[@]}"; do printf '%s"%s":%s' "$sep" "$t" "${RES[$t]}"; sep=","; done
    printf '},"ratios":{"messages_confabd_over_prosody":%s,"messages_confabd_over_ejabberd":%s,' "$(jnum "$R_P")" "$(jnum "$R_E")"
    printf '"messages_per_server_cpu_confabd_over_prosody":%s,"messages_per_server_cpu_confabd_over_ejabberd":%s,' "$(jnum "$RC_P")" "$(jnum "$RC_E")"
    printf '"confabd_kib_per_session":{%s}},' "$KIB_JSON"
    printf '"goals":{"messages_confabd_over_prosody":%s,"messages_confabd_over_ejabberd":%s,"confabd_kib_per_session_max":%s}}\n' \
      "$GOAL_VS_PROSODY" "$GOAL_VS_EJABBERD" "$GOAL_KIB"
  } >"$JSON_OUT"
  echo "wrote $JSON_OUT"
fi

rc=0
for t in "${TLIST[@]}"; do
  case ${ST[$t]} in ok | "not built" | "not installed") ;; *) rc=1 ;; esac
done
exit "$rc"
