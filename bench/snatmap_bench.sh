#!/usr/bin/env bash
# snatmap_bench.sh — STUN Binding responses per second: confabd's address
# reflector vs coturn vs a bare recvmmsg/sendmmsg echo (the machine's ceiling),
# in one run, each server with one worker pinned to the same CPU, the load
# generator pinned to another. Prints a table and the ratios
# confabd/coturn (target >= 1.5) and confabd/echo (target >= 0.80).
#
#   bench/snatmap_bench.sh [--duration S] [--build-dir DIR] [--json FILE] ...
#
# See bench/README.md. Only loopback is ever used.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DURATION=5
WARMUP=1
BUILD_DIR="$REPO/build/dev"
BENCH_DIR=""
CONFABD=""
JSON_OUT=""
SERVER_CPU=0
LOAD_CPU=1
SOCKETS=16
WINDOW=32
ROUNDS=1
TARGETS="echo,coturn,confabd"
TARGET_VS_COTURN=1.5
TARGET_VS_ECHO=0.80

usage() {
  cat <<EOF
usage: $0 [options]
  --duration S       measured seconds per target (default $DURATION; plus --warmup)
  --warmup S         unmeasured warm-up seconds per target (default $WARMUP)
  --build-dir DIR    build tree with bench/ and apps/confabd (default build/dev)
  --bench-dir DIR    where bench_udp_echo/bench_stun_load are (default <build-dir>/bench)
  --confabd PATH     confabd binary (default <build-dir>/apps/confabd)
  --json FILE        also write the results and ratios as JSON to FILE
  --rounds N         measure every target N times, interleaved; report the median (default 1)
  --targets LIST     comma-separated subset of echo,coturn,confabd (default all)
  --server-cpu N     CPU for the server under test (default 0)
  --load-cpu N       CPU for the load generator (default 1)
  --sockets N        load generator sockets / source ports (default $SOCKETS)
  --window W         outstanding requests per socket (default $WINDOW)
EOF
}

die() { echo "snatmap_bench: $*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while (($#)); do
  case $1 in
    --duration) is_num "${2-}" || die "bad --duration"; DURATION=$2; shift 2 ;;
    --warmup) is_num "${2-}" || die "bad --warmup"; WARMUP=$2; shift 2 ;;
    --build-dir) [[ -n ${2-} ]] || die "bad --build-dir"; BUILD_DIR=$2; shift 2 ;;
    --bench-dir) [[ -n ${2-} ]] || die "bad --bench-dir"; BENCH_DIR=$2; shift 2 ;;
    --confabd) [[ -n ${2-} ]] || die "bad --confabd"; CONFABD=$2; shift 2 ;;
    --json) [[ -n ${2-} ]] || die "bad --json"; JSON_OUT=$2; shift 2 ;;
    --rounds) { is_int "${2-}" && (($2 >= 1 && $2 <= 20)); } || die "bad --rounds (1..20)"; ROUNDS=$2; shift 2 ;;
    --targets) [[ -n ${2-} ]] || die "bad --targets"; TARGETS=$2; shift 2 ;;
    --server-cpu) is_int "${2-}" || die "bad --server-cpu"; SERVER_CPU=$2; shift 2 ;;
    --load-cpu) is_int "${2-}" || die "bad --load-cpu"; LOAD_CPU=$2; shift 2 ;;
    --sockets) is_int "${2-}" || die "bad --sockets"; SOCKETS=$2; shift 2 ;;
    --window) is_int "${2-}" || die "bad --window"; WINDOW=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

# A relative --build-dir is taken from the current directory if it exists
# there, else from the repository root (so the default works from anywhere).
if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $REPO/$BUILD_DIR ]]; then BUILD_DIR="$REPO/$BUILD_DIR"; fi
[[ -n $BENCH_DIR ]] || BENCH_DIR="$BUILD_DIR/bench"
[[ -n $CONFABD ]] || CONFABD="$BUILD_DIR/apps/confabd"
ECHO_BIN="$BENCH_DIR/bench_udp_echo"
LOAD_BIN="$BENCH_DIR/bench_stun_load"
for b in "$ECHO_BIN" "$LOAD_BIN"; do
  [[ -x $b ]] || die "$b not found; build it: ninja -C $BUILD_DIR bench_udp_echo bench_stun_load"
done
command -v taskset >/dev/null || die "taskset not found (util-linux)"
command -v ss >/dev/null || die "ss not found (iproute2)"

NPROC=$(nproc)
if ((SERVER_CPU >= NPROC || LOAD_CPU >= NPROC)); then
  die "CPU $SERVER_CPU or $LOAD_CPU not available (nproc=$NPROC); use --server-cpu/--load-cpu"
fi
((SERVER_CPU != LOAD_CPU)) || echo "snatmap_bench: warning: server and load share CPU $SERVER_CPU" >&2

# Every process this script starts is recorded here and killed on exit,
# whatever the exit path (normal, error, Ctrl-C, SIGTERM). Each server is also
# wrapped in `timeout`, so it cannot outlive the run even if this shell is
# killed with SIGKILL.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snatmap_bench.XXXXXX")
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all_pids
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "snatmap_bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM




# Upper bound on a server's life: warm-up + duration + generous start/stop.
SERVER_LIFETIME=$(awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", d + w + 60 }')

# start_server LOGFILE CMD... : starts CMD pinned to SERVER_CPU; sets SERVER_PID.
start_server() {
  local log=$1; shift
  timeout --kill-after=3 "$SERVER_LIFETIME" taskset -c "$SERVER_CPU" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

# The server process itself (child of `timeout`; taskset execs into it).
server_child() { pgrep -P "$1" 2>/dev/null | head -n1 || true; }

# wait_ready PORT EXPECT: probe until one valid answer; at most 50 probes of
# 0.1 s plus 0.1 s pauses (~10 s).
wait_ready() {
  local port=$1 expect=$2 i
  for ((i = 0; i < 50; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    if taskset -c "$LOAD_CPU" "$LOAD_BIN" --target "127.0.0.1:$port" --expect "$expect" \
        --duration 0.1 --warmup 0 --sockets 1 --window 1 --timeout-ms 50 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

json_num() {  # json_num KEY JSON -> number or empty
  sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2"
}

# measure NAME PORT EXPECT: runs the load (which also reads the server's CPU
# time over the measured window); sets MEASURED to its JSON line and returns
# non-zero if nothing answered. The load generator runs in the background
# and is waited for, so a signal to this script is handled at once.
measure() {
  local name=$1 port=$2 expect=$3 child out lpid rc=0
  out="$WORK/$name.load.json"
  child=$(server_child "$SERVER_PID")
  taskset -c "$LOAD_CPU" "$LOAD_BIN" --target "127.0.0.1:$port" --expect "$expect" \
    --label "$name" --duration "$DURATION" --warmup "$WARMUP" \
    --sockets "$SOCKETS" --window "$WINDOW" ${child:+--server-pid "$child"} \
    >"$out" 2>>"$WORK/$name.load.err" &
  lpid=$!
  PIDS+=("$lpid")
  wait "$lpid" || rc=$?
  forget_pid "$lpid"
  MEASURED=$(head -n1 "$out")
  [[ -n $MEASURED ]] || MEASURED="{\"target\":\"$name\",\"responses_per_second\":0,\"received\":0}"
  return "$rc"
}


# run_target NAME -> sets RESULT to one JSON object with "status" (ok, not
# built, not installed, failed to start, no responses, crashed) and, when it
# ran, the measurement. Not called in $(...): the server PIDs it records must
# reach this shell's PIDS so that the exit trap can kill them.
run_target() {
  local name=$1 port dir res status expect
  port=$(free_port) || { RESULT="{\"target\":\"$name\",\"status\":\"no free port\"}"; return; }
  dir="$WORK/$name.$port"
  mkdir -p "$dir"
  case $name in
    echo)
      start_server "$dir/log" "$ECHO_BIN" --bind "127.0.0.1:$port" --duration "$SERVER_LIFETIME"
      expect="echo" ;;
    coturn)
      if ! command -v turnserver >/dev/null; then
        RESULT="{\"target\":\"$name\",\"status\":\"not installed\"}"; return
      fi
      # coturn 4.6: STUN only, one relay thread (-m 1: all UDP work on that
      # thread; the listener/auth/admin threads stay idle), UDP only on
      # loopback, no TLS/DTLS/CLI, no config file (-n), private userdb and
      # pid file so nothing touches /var.
      start_server "$dir/log" turnserver -n --no-cli --no-tls --no-dtls --no-tcp --stun-only \
        -L 127.0.0.1 -p "$port" -m 1 --no-rfc5780 --no-software-attribute \
        --log-file "$dir/turn.log" --simple-log --pidfile "$dir/turnserver.pid" \
        --userdb "$dir/turndb"
      expect="stun" ;;
    confabd)
      if [[ ! -x $CONFABD ]]; then
        RESULT="{\"target\":\"$name\",\"status\":\"not built\"}"; return
      fi
      mkdir -p "$dir/data"
      start_server "$dir/log" "$CONFABD" --set server.workers=1 --set "snatmap.ports=[$port]" \
        --set snatmap.tcp=false --set snatmap.limits.requests_per_second=0 \
        --set 'snatmap.address="127.0.0.1"' --set "server.data_dir=\"$dir/data\"" \
        --set 'log.level="warn"' --set sip.enabled=false --set xmpp.enabled=false --set portcheck.enabled=false
      expect="stun" ;;
    *) RESULT="{\"target\":\"$name\",\"status\":\"unknown target\"}"; return ;;
  esac
  if ! wait_ready "$port" "$expect"; then
    echo "snatmap_bench: $name on 127.0.0.1:$port never answered a Binding request" >&2
    log_tail "$dir/log"; log_tail "$dir/turn.log"
    stop_pid "$SERVER_PID"
    RESULT="{\"target\":\"$name\",\"status\":\"failed to start\"}"; return
  fi
  if measure "$name" "$port" "$expect"; then status=ok; else status="no responses"; fi
  res=$MEASURED
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "snatmap_bench: $name exited during the run" >&2; log_tail "$dir/log"
    status="crashed"
  fi
  stop_pid "$SERVER_PID"
  RESULT="{\"status\":\"$status\",${res#\{}"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

IFS=, read -r -a TLIST <<<"$TARGETS"
for t in "${TLIST[@]}"; do [[ $t == echo || $t == coturn || $t == confabd ]] || die "unknown target: $t"; done

echo "snatmap_bench: $NPROC CPUs; server on CPU $SERVER_CPU, load on CPU $LOAD_CPU;" \
     "${WARMUP}s warm-up + ${DURATION}s per target, $ROUNDS round(s);" \
     "load: $SOCKETS sockets x $WINDOW outstanding" >&2
declare -A LAST=() RPS=() RPC=() STATUS=()
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TLIST[@]}"; do
    echo "snatmap_bench: round $r/$ROUNDS: $t ..." >&2
    run_target "$t"
    res=$RESULT
    st=$(sed -n 's/.*"status":"\([^"]*\)".*/\1/p' <<<"$res")
    LAST[$t]=$res
    if [[ $st == ok ]]; then
      RPS[$t]="${RPS[$t]-} $(json_num responses_per_second "$res")"
      RPC[$t]="${RPC[$t]-} $(json_num responses_per_server_cpu_second "$res")"
      STATUS[$t]=ok
    elif [[ ${STATUS[$t]-} != ok ]]; then
      STATUS[$t]=$st
    fi
    echo "  $res" >&2
  done
done

declare -A MED=() MEDC=()
printf '\n%-8s %-16s %12s %14s %8s %8s %9s %9s\n' target status "responses/s" "per srv CPU-s" "srv cpu" "load cpu" lost "p50 us"
for t in "${TLIST[@]}"; do
  res=${LAST[$t]}
  if [[ ${STATUS[$t]} == ok ]]; then
    MED[$t]=$(median <<<"${RPS[$t]}")
    MEDC[$t]=$(median <<<"${RPC[$t]-}")
    printf '%-8s %-16s %12.0f %14s %7s%% %7s%% %9s %9s\n' "$t" ok "${MED[$t]}" \
      "$(printf '%.0f' "${MEDC[$t]:-0}")" "$(json_num server_cpu_percent "$res")" \
      "$(json_num load_cpu_percent "$res")" "$(json_num lost "$res")" "$(json_num rtt_p50_us "$res")"
    srv=$(json_num server_cpu_percent "$res"); ld=$(json_num load_cpu_percent "$res")
    if [[ -n $ld ]] && awk -v l="$ld" 'BEGIN { exit !(l >= 95) }'; then
      echo "  warning: $t: load generator at ${ld}% CPU; the result may be bounded by the load, not the server" >&2
    elif [[ -n $srv ]] && awk -v c="$srv" 'BEGIN { exit !(c < 90) }'; then
      echo "  note: $t: server got only ${srv}% of CPU $SERVER_CPU (other work on that core?); see per srv CPU-s" >&2
    fi
  else
    printf '%-8s %-16s %12s\n' "$t" "${STATUS[$t]}" -
  fi
done
((ROUNDS == 1)) || echo "(responses/s and per srv CPU-s are medians of $ROUNDS rounds; the other columns are from the last round)"

ratio() {  # ratio ARRAY A B -> A/B with 3 decimals, or empty
  local -n m=$1
  [[ -n ${m[$2]-} && -n ${m[$3]-} ]] || return 0
  awk -v a="${m[$2]}" -v b="${m[$3]}" 'BEGIN { if (b > 0) printf "%.3f", a / b }'
}
verdict() {  # verdict RATIO TARGET -> pass/FAIL/n/a
  [[ -n $1 ]] || { echo "n/a"; return; }
  awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t) ? "pass" : "FAIL" }'
}
R_CC=$(ratio MED confabd coturn); C_CC=$(ratio MEDC confabd coturn)
R_CE=$(ratio MED confabd echo); C_CE=$(ratio MEDC confabd echo)
R_TE=$(ratio MED coturn echo); C_TE=$(ratio MEDC coturn echo)
echo
printf '%-16s %-9s %-22s %s\n' ratio "by rate" "goal" "by server CPU-second"
printf '%-16s %-9s %-22s %s\n' confabd/coturn "${R_CC:-n/a}" ">= $TARGET_VS_COTURN: $(verdict "$R_CC" "$TARGET_VS_COTURN")" "${C_CC:-n/a}"
printf '%-16s %-9s %-22s %s\n' confabd/echo "${R_CE:-n/a}" ">= $TARGET_VS_ECHO: $(verdict "$R_CE" "$TARGET_VS_ECHO")" "${C_CE:-n/a}"
printf '%-16s %-9s %-22s %s\n' coturn/echo "${R_TE:-n/a}" "(reference)" "${C_TE:-n/a}"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after the run: $LOADAVG (on $NPROC CPUs; other work on these CPUs skews the rates)"

if [[ -n $JSON_OUT ]]; then
  jnum() { [[ -n $1 ]] && echo "$1" || echo null; }
  {
    printf '{"benchmark":"snatmap_binding_rps","time":"%s","kernel":"%s","nproc":%d,' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$NPROC"
    printf '"loadavg":"%s","server_cpu":%d,"load_cpu":%d,"duration_s":%s,"warmup_s":%s,' \
      "$LOADAVG" "$SERVER_CPU" "$LOAD_CPU" "$DURATION" "$WARMUP"
    printf '"rounds":%d,"sockets":%d,"window":%d,"results":{' "$ROUNDS" "$SOCKETS" "$WINDOW"
    sep=""
    for t in "${TLIST[@]}"; do
      rounds_list=$(tr -s ' ' '\n' <<<"${RPS[$t]-}" | grep -v '^$' | paste -sd, - || true)
      printf '%s"%s":{"status":"%s","median_responses_per_second":%s,' \
        "$sep" "$t" "${STATUS[$t]}" "$(jnum "${MED[$t]-}")"
      printf '"median_responses_per_server_cpu_second":%s,"rounds_responses_per_second":[%s],"last":%s}' \
        "$(jnum "${MEDC[$t]-}")" "$rounds_list" "${LAST[$t]}"
      sep=","
    done
    printf '},"ratios":{"confabd_over_coturn":%s,"confabd_over_echo":%s,"coturn_over_echo":%s},' \
      "$(jnum "$R_CC")" "$(jnum "$R_CE")" "$(jnum "$R_TE")"
    printf '"ratios_per_server_cpu_second":{"confabd_over_coturn":%s,"confabd_over_echo":%s,"coturn_over_echo":%s},' \
      "$(jnum "$C_CC")" "$(jnum "$C_CE")" "$(jnum "$C_TE")"
    printf '"goals":{"confabd_over_coturn":%s,"confabd_over_echo":%s}}\n' "$TARGET_VS_COTURN" "$TARGET_VS_ECHO"
  } >"$JSON_OUT"
  echo "wrote $JSON_OUT"
fi

# Exit status: 0 if every target ran or was simply absent (confabd not built,
# coturn not installed); 1 if one failed to start, crashed or never answered.
rc=0
for t in "${TLIST[@]}"; do
  case ${STATUS[$t]} in ok | "not built" | "not installed") ;; *) rc=1 ;; esac
done
exit "$rc"
