#!/usr/bin/env bash
# sip_bench.sh — SIP calls per second and digest REGISTERs per second through
# confabd vs. through Kamailio (Debian's package, tuned the way operators run
# it: one worker, TLSF allocator, 4 MB receive buffer; bench/kamailio/), in one
# run, with the same sipp scenarios. Each server runs pinned to one CPU, the
# sipp load generators (uac and uas) to another. Prints a table and the ratios
# confabd/Kamailio for the highest zero-failure call rate (goal >= 1.0) and
# for REGISTER/s.
#
#   bench/sip_bench.sh [--rates 1000,2000,4000,7000] [--duration S] [--json FILE] ...
#
# See bench/README.md. Only loopback is ever used. Installs Kamailio with apt
# if it is missing (--no-install to skip), without letting Debian start it.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/bench"

RATES="1000,2000,4000,7000"
DURATION=5
REG_DURATION=5
REG_RATE=20000
REG_LIMIT=200
BUILD_DIR="$REPO/build/dev"
CONFABD=""
JSON_OUT=""
KEEP_LOGS=""
SERVER_CPU=0
LOAD_CPU=1
TARGETS="kamailio,confabd"
INSTALL=1
ALL_RATES=0
KAM_SHM_MB=1024
GOAL_CALLS=1.0
PASSWORD="bench-$RANDOM$RANDOM"

usage() {
  cat <<EOF
usage: $0 [options]
  --rates LIST       call rates (calls/s) to step through (default $RATES)
  --duration S       seconds of calls per rate step: sipp -m RATE*S (default $DURATION)
  --all-rates        keep stepping after a step with failures (default: stop at the
                     second failing step)
  --reg-duration S   seconds of the REGISTER loop (default $REG_DURATION)
  --reg-rate R       REGISTER loop: offered registrations/s, sipp -r (default $REG_RATE)
  --reg-limit N      REGISTER loop: concurrent registrations, sipp -l (default $REG_LIMIT)
  --targets LIST     comma-separated subset of kamailio,confabd (default both)
  --build-dir DIR    build tree with apps/confabd (default build/dev)
  --confabd PATH     confabd binary (default <build-dir>/apps/confabd)
  --json FILE        also write the results and ratios as JSON to FILE
  --keep-logs DIR    copy server logs and sipp error/stat files to DIR
  --no-install       do not apt-get install kamailio when it is missing
  --kamailio-shm MB  Kamailio shared memory, -m (default $KAM_SHM_MB; 256 runs out at 2000 calls/s)
  --server-cpu N     CPU for the server under test (default 0)
  --load-cpu N       CPU for sipp uac and uas (default 1)
EOF
}

die() { echo "sip_bench: $*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while (($#)); do
  case $1 in
    --rates) [[ ${2-} =~ ^[0-9]+(,[0-9]+)*$ ]] || die "bad --rates"; RATES=$2; shift 2 ;;
    --duration) is_num "${2-}" || die "bad --duration"; DURATION=$2; shift 2 ;;
    --all-rates) ALL_RATES=1; shift ;;
    --reg-duration) is_int "${2-}" || die "bad --reg-duration"; REG_DURATION=$2; shift 2 ;;
    --reg-rate) is_int "${2-}" || die "bad --reg-rate"; REG_RATE=$2; shift 2 ;;
    --reg-limit) is_int "${2-}" || die "bad --reg-limit"; REG_LIMIT=$2; shift 2 ;;
    --targets) [[ -n ${2-} ]] || die "bad --targets"; TARGETS=$2; shift 2 ;;
    --build-dir) [[ -n ${2-} ]] || die "bad --build-dir"; BUILD_DIR=$2; shift 2 ;;
    --confabd) [[ -n ${2-} ]] || die "bad --confabd"; CONFABD=$2; shift 2 ;;
    --json) [[ -n ${2-} ]] || die "bad --json"; JSON_OUT=$2; shift 2 ;;
    --keep-logs) [[ -n ${2-} ]] || die "bad --keep-logs"; KEEP_LOGS=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --kamailio-shm) is_int "${2-}" || die "bad --kamailio-shm"; KAM_SHM_MB=$2; shift 2 ;;
    --server-cpu) is_int "${2-}" || die "bad --server-cpu"; SERVER_CPU=$2; shift 2 ;;
    --load-cpu) is_int "${2-}" || die "bad --load-cpu"; LOAD_CPU=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $REPO/$BUILD_DIR ]]; then BUILD_DIR="$REPO/$BUILD_DIR"; fi
[[ -n $CONFABD ]] || CONFABD="$BUILD_DIR/apps/confabd"
command -v sipp >/dev/null || die "sipp not found (apt-get install sip-tester)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"
command -v ss >/dev/null || die "ss not found (iproute2)"
IFS=, read -r -a TLIST <<<"$TARGETS"
for t in "${TLIST[@]}"; do [[ $t == kamailio || $t == confabd ]] || die "unknown target: $t"; done
IFS=, read -r -a RLIST <<<"$RATES"

NPROC=$(nproc)
if ((SERVER_CPU >= NPROC || LOAD_CPU >= NPROC)); then
  die "CPU $SERVER_CPU or $LOAD_CPU not available (nproc=$NPROC); use --server-cpu/--load-cpu"
fi
((SERVER_CPU != LOAD_CPU)) || echo "sip_bench: warning: server and load share CPU $SERVER_CPU" >&2

# Every process this script starts is recorded here and killed on exit,
# whatever the exit path (normal, error, Ctrl-C, SIGTERM). Servers and sipp
# also run under `timeout`, so nothing outlives the run even if this shell is
# killed with SIGKILL.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sip_bench.XXXXXX")
POLICY_BACKUP=""
POLICY_CREATED=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all_pids
  restore_policy_rc
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "sip_bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM



# ---------------------------------------------------------------------------
# Kamailio: install if missing, never letting Debian's packaging start it.

# shellcheck disable=SC2317
restore_policy_rc() {
  if [[ -n $POLICY_BACKUP ]]; then
    mv -f "$POLICY_BACKUP" /usr/sbin/policy-rc.d 2>/dev/null || true; POLICY_BACKUP=""
  elif ((POLICY_CREATED)); then
    rm -f /usr/sbin/policy-rc.d; POLICY_CREATED=0
  fi
}

# Kamailio processes that this script did not start (e.g. a service started
# by the package): listed, then stopped. Ours all run with -f $BENCH/kamailio.
stop_foreign_kamailio() {
  local p
  for p in $(pgrep -x kamailio 2>/dev/null || true); do
    if ! tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$WORK/"; then
      echo "sip_bench: stopping a kamailio this script did not start: pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null))" >&2
      kill -TERM "$p" 2>/dev/null || true
    fi
  done
}

install_kamailio() {
  command -v kamailio >/dev/null && return 0
  ((INSTALL)) || return 1
  [[ $(id -u) == 0 ]] || { echo "sip_bench: kamailio missing and not root; install it: apt-get install kamailio" >&2; return 1; }
  echo "sip_bench: installing kamailio (apt-get install -y kamailio; service start blocked by policy-rc.d)" >&2
  if [[ -e /usr/sbin/policy-rc.d ]]; then
    POLICY_BACKUP="$WORK/policy-rc.d.orig"; cp -p /usr/sbin/policy-rc.d "$POLICY_BACKUP"
  else
    POLICY_CREATED=1
  fi
  printf '#!/bin/sh\n# sip_bench.sh: no service starts during the install\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  local ok=0
  if DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends kamailio >"$WORK/apt.log" 2>&1; then ok=1
  elif DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update >>"$WORK/apt.log" 2>&1 &&
       DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends kamailio >>"$WORK/apt.log" 2>&1; then ok=1
  fi
  restore_policy_rc
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl stop kamailio >/dev/null 2>&1 || true
    systemctl disable kamailio >/dev/null 2>&1 || true
  fi
  stop_foreign_kamailio
  ((ok)) || { echo "sip_bench: apt-get install kamailio failed:" >&2; tail -n 5 "$WORK/apt.log" | sed 's/^/    | /' >&2; return 1; }
  command -v kamailio >/dev/null
}

KAM_MODULES=""
for d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/aarch64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules; do
  [[ -d $d ]] && { KAM_MODULES=$d; break; }
done

# ---------------------------------------------------------------------------


# Upper bound on a server's (and the uas's) life.
SERVER_LIFETIME=$(awk -v n="${#RLIST[@]}" -v d="$DURATION" -v r="$REG_DURATION" \
  'BEGIN { printf "%d", n * (2 * d + 45) + r + 90 }')

start_bg() {  # start_bg LOGFILE CPU LIFETIME DIR CMD... ; sets BG_PID
  local log=$1 cpu=$2 life=$3 dir=$4; shift 4
  (cd "$dir" && exec timeout --kill-after=3 "$life" taskset -c "$cpu" "$@") >"$log" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

# CPU ticks (utime+stime) of the server: the process under `timeout`/taskset
# and its children (Kamailio's worker, timers, ...; confabd's threads are in
# its own count).
server_ticks() {
  local top=$1 p t=0 kid
  kid=$(pgrep -P "$top" 2>/dev/null | head -n1 || true)
  [[ -n $kid ]] || { echo 0; return; }
  for p in "$kid" $(pgrep -P "$kid" 2>/dev/null || true); do
    if [[ -r /proc/$p/stat ]]; then
      t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)))
    fi
  done
  echo "$t"
}
CLK_TCK=$(getconf CLK_TCK)

# cpu_busy_ticks N -> busy and total jiffies of CPU N from /proc/stat (all
# processes on it, ours and others'): tells whether the load CPU was saturated.
cpu_busy_ticks() {
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
busy_pct() {  # busy_pct "B0 T0" "B1 T1"
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; if (d > 0) printf "%.0f", 100 * (y[1] - x[1]) / d; else print 0 }'
}

# stat_field FILE COLUMN -> the value of COLUMN in the last line of a sipp
# -trace_stat file (';'-separated, header on the first line).
stat_field() {
  awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                         { last = $0 } END { if (!c || last == "") exit; split(last, f, ";"); print f[c] }' "$1" 2>/dev/null
}
# sipp elapsed time "HH:MM:SS:uuuuuu" (or HH:MM:SS) -> seconds
elapsed_s() { awk -F: '{ s = $1 * 3600 + $2 * 60 + $3; if (NF >= 4) s += $4 / (length($4) >= 6 ? 1e6 : 1e3); printf "%.3f", s }' <<<"$1"; }

# sipp_register DIR PORT LPORT USER: one digest REGISTER (binding USER@example.org
# -> 127.0.0.1:LPORT). Retries for ~10 s, so it is also the readiness probe.
sipp_register() {
  local dir=$1 port=$2 lport=$3 user=$4 i
  for ((i = 0; i < 20; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    if (cd "$dir" && timeout 5 taskset -c "$LOAD_CPU" sipp -sf "$BENCH/sipp/register_loop.xml" \
          -s "$user" -au "$user" -ap "$PASSWORD" -key domain example.org -m 1 -nostdin \
          -i 127.0.0.1 -p "$lport" -timeout 2 "127.0.0.1:$port") >"$dir/register.out" 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}


# run_step NAME DIR PORT RATE -> appends one JSON object to STEPS, sets STEP_OK
run_step() {
  local name=$1 dir=$2 port=$3 rate=$4 count lport sdir t0 t1 w0 w1 l0 l1 lcpu pid rc=0 life
  count=$(awk -v r="$rate" -v d="$DURATION" 'BEGIN { printf "%d", r * d }')
  lport=$(free_port) || { STEP_OK=0; return; }
  sdir="$dir/uac.$rate"; mkdir -p "$sdir"
  life=$(awk -v d="$DURATION" 'BEGIN { printf "%d", 2 * d + 40 }')
  t0=$(server_ticks "$SERVER_PID"); w0=$(date +%s.%N); l0=$(cpu_busy_ticks "$LOAD_CPU")
  # -recv_timeout: a call that hears nothing for 10 s fails; -timeout bounds the run.
  start_bg "$sdir/out" "$LOAD_CPU" "$((life + 5))" "$sdir" sipp -sn uac -s bob -i 127.0.0.1 -p "$lport" \
    "127.0.0.1:$port" -r "$rate" -m "$count" -nostdin -timeout "$life" -recv_timeout 10000 \
    -buff_size 4194304 -trace_stat -stf "$sdir/stat.csv" -fd 1 -trace_err -error_file "$sdir/errors.log" \
    -trace_screen -screen_file "$sdir/screen.log"
  pid=$BG_PID
  wait "$pid" || rc=$?
  forget_pid "$pid"
  w1=$(date +%s.%N); t1=$(server_ticks "$SERVER_PID"); l1=$(cpu_busy_ticks "$LOAD_CPU"); lcpu=$(busy_pct "$l0" "$l1")
  local ok fail retr el elapsed unexp maxretr timeouts rejected wall cpu achieved
  ok=$(stat_field "$sdir/stat.csv" "SuccessfulCall(C)"); ok=${ok:-0}
  fail=$(stat_field "$sdir/stat.csv" "FailedCall(C)"); fail=${fail:-0}
  retr=$(stat_field "$sdir/stat.csv" "Retransmissions(C)"); retr=${retr:-0}
  unexp=$(stat_field "$sdir/stat.csv" "FailedUnexpectedMessage(C)"); unexp=${unexp:-0}
  maxretr=$(stat_field "$sdir/stat.csv" "FailedMaxUDPRetrans(C)"); maxretr=${maxretr:-0}
  timeouts=$(stat_field "$sdir/stat.csv" "FailedTimeoutOnRecv(C)"); timeouts=${timeouts:-0}
  rejected=$(stat_field "$sdir/stat.csv" "FailedCallRejected(C)"); rejected=${rejected:-0}
  el=$(stat_field "$sdir/stat.csv" "ElapsedTime(C)")
  elapsed=$(elapsed_s "${el:-0:0:0}")
  wall=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", b - a }')
  cpu=$(awk -v a="$t0" -v b="$t1" -v w="$wall" -v h="$CLK_TCK" 'BEGIN { if (w > 0) printf "%.1f", 100 * (b - a) / h / w; else print 0 }')
  achieved=$(awk -v n="$ok" -v e="$elapsed" 'BEGIN { if (e > 0) printf "%.0f", n / e; else print 0 }')
  # Which responses sipp counted as unexpected (the first few kinds).
  local codes=""
  if [[ -s $sdir/errors.log ]]; then
    codes=$(grep -o 'SIP/2.0 [0-9][0-9][0-9] [A-Za-z ]*' "$sdir/errors.log" 2>/dev/null | sort | uniq -c | sort -rn | head -n 3 |
            awk '{ c = $1; $1 = ""; sub(/^ /, ""); printf "%s%s x%d", (NR > 1 ? ", " : ""), $0, c }' || true)
  fi
  if ((fail == 0 && ok >= count)); then STEP_OK=1; else STEP_OK=0; fi
  printf '    %-8s %6s calls/s offered: %7s ok %6s failed %7s retrans  %6s calls/s achieved  server cpu %s%%  load CPU busy %s%%  (sipp rc %s)%s\n' \
    "$name" "$rate" "$ok" "$fail" "$retr" "$achieved" "$cpu" "$lcpu" "$rc" "${codes:+  unexpected: $codes}" >&2
  STEPS+=("{\"rate\":$rate,\"count\":$count,\"successful\":$ok,\"failed\":$fail,\"retransmissions\":$retr,\"failed_unexpected_message\":$unexp,\"failed_max_udp_retrans\":$maxretr,\"failed_timeout_on_recv\":$timeouts,\"failed_call_rejected\":$rejected,\"elapsed_s\":$elapsed,\"achieved_calls_per_second\":$achieved,\"server_cpu_percent\":$cpu,\"load_cpu_busy_percent\":$lcpu,\"sipp_rc\":$rc,\"zero_failures\":$([[ $STEP_OK == 1 ]] && echo true || echo false),\"unexpected\":\"${codes//\"/}\"}")
}

# run_register NAME DIR PORT -> sets REG_JSON
run_register() {
  local name=$1 dir=$2 port=$3 lport sdir t0 t1 w0 w1 l0 l1 lcpu pid rc=0
  lport=$(free_port) || { REG_JSON=null; return; }
  sdir="$dir/register"; mkdir -p "$sdir"
  t0=$(server_ticks "$SERVER_PID"); w0=$(date +%s.%N); l0=$(cpu_busy_ticks "$LOAD_CPU")
  start_bg "$sdir/out" "$LOAD_CPU" "$((REG_DURATION + 20))" "$sdir" sipp -sf "$BENCH/sipp/register_loop.xml" \
    -s carol -au carol -ap "$PASSWORD" -key domain example.org -i 127.0.0.1 -p "$lport" "127.0.0.1:$port" \
    -r "$REG_RATE" -l "$REG_LIMIT" -m 100000000 -nostdin -timeout "$REG_DURATION" -buff_size 4194304 \
    -trace_stat -stf "$sdir/stat.csv" -fd 1 -trace_err -error_file "$sdir/errors.log"
  pid=$BG_PID
  wait "$pid" || rc=$?
  forget_pid "$pid"
  w1=$(date +%s.%N); t1=$(server_ticks "$SERVER_PID"); l1=$(cpu_busy_ticks "$LOAD_CPU"); lcpu=$(busy_pct "$l0" "$l1")
  local ok fail retr el elapsed wall cpu per
  ok=$(stat_field "$sdir/stat.csv" "SuccessfulCall(C)"); ok=${ok:-0}
  fail=$(stat_field "$sdir/stat.csv" "FailedCall(C)"); fail=${fail:-0}
  retr=$(stat_field "$sdir/stat.csv" "Retransmissions(C)"); retr=${retr:-0}
  el=$(stat_field "$sdir/stat.csv" "ElapsedTime(C)")
  elapsed=$(elapsed_s "${el:-0:0:0}")
  wall=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", b - a }')
  cpu=$(awk -v a="$t0" -v b="$t1" -v w="$wall" -v h="$CLK_TCK" 'BEGIN { if (w > 0) printf "%.1f", 100 * (b - a) / h / w; else print 0 }')
  per=$(awk -v n="$ok" -v e="$elapsed" 'BEGIN { if (e > 0) printf "%.0f", n / e; else print 0 }')
  printf '    %-8s REGISTER loop: %7s ok %6s failed %7s retrans in %ss: %6s REGISTER/s  server cpu %s%%  load CPU busy %s%%\n' \
    "$name" "$ok" "$fail" "$retr" "$elapsed" "$per" "$cpu" "$lcpu" >&2
  REG_JSON="{\"successful\":$ok,\"failed\":$fail,\"retransmissions\":$retr,\"elapsed_s\":$elapsed,\"registers_per_second\":$per,\"server_cpu_percent\":$cpu,\"load_cpu_busy_percent\":$lcpu,\"sipp_rc\":$rc}"
  REG_RPS=$per; REG_FAIL=$fail
}

# run_target NAME -> sets RESULT (JSON), MAXRATE, MAXACH, REG_RPS, REG_FAIL, STATUS_T
run_target() {
  local name=$1 port uport dir fails=0 rate
  STEPS=(); MAXRATE=""; MAXACH=""; REG_RPS=""; REG_FAIL=""; REG_JSON=null
  port=$(free_port) || { STATUS_T="no free port"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
  dir="$WORK/$name.$port"; mkdir -p "$dir"
  case $name in
    kamailio)
      if ! install_kamailio; then STATUS_T="not installed"; RESULT="{\"status\":\"$STATUS_T\"}"; return; fi
      stop_foreign_kamailio
      mkdir -p "$dir/run"
      cp "$BENCH/kamailio/kamailio.cfg" "$dir/kamailio.cfg"
      # -DD: stay in the foreground (children are still forked); -E: log to stderr.
      KAMAILIO_BENCH_PASSWORD=$PASSWORD start_bg "$dir/log" "$SERVER_CPU" "$SERVER_LIFETIME" "$dir" \
        kamailio -f "$dir/kamailio.cfg" -DD -E -x tlsf -X tlsf -m "$KAM_SHM_MB" -M 16 \
        -Y "$dir/run" -P "$dir/run/kamailio.pid" ${KAM_MODULES:+-L "$KAM_MODULES"} \
        -l "udp:127.0.0.1:$port" -n 1
      SERVER_PID=$BG_PID ;;
    confabd)
      if [[ ! -x $CONFABD ]]; then STATUS_T="not built"; RESULT="{\"status\":\"$STATUS_T\"}"; return; fi
      mkdir -p "$dir/data"; printf '%s\n' "$PASSWORD" >"$dir/pw"
      local u
      for u in bob carol; do
        "$CONFABD" --set "server.data_dir=\"$dir/data\"" user add "$u@example.org" --password-file "$dir/pw" \
          >>"$dir/useradd.log" 2>&1 || { echo "sip_bench: confabd user add $u failed" >&2; log_tail "$dir/useradd.log"; }
      done
      # One UDP worker like Kamailio's children=1; UDP only, no rate limit.
      start_bg "$dir/log" "$SERVER_CPU" "$SERVER_LIFETIME" "$dir" \
        "$CONFABD" --set "server.data_dir=\"$dir/data\"" --set server.workers=1 --set snatmap.enabled=false \
        --set "sip.port=$port" --set sip.tls_port=0 --set sip.tcp=false --set 'sip.address="127.0.0.1"' --set xmpp.enabled=false \
        --set 'sip.digest_algorithms=["MD5","SHA-256"]' --set sip.limits.requests_per_second=0 --set portcheck.enabled=false \
        --set 'log.level="warn"'
      SERVER_PID=$BG_PID ;;
  esac
  uport=$(free_port) || { stop_pid "$SERVER_PID"; STATUS_T="no free port"; RESULT="{\"status\":\"$STATUS_T\"}"; return; }
  if ! sipp_register "$dir" "$port" "$uport" bob; then
    echo "sip_bench: $name on 127.0.0.1:$port never accepted bob's REGISTER" >&2
    log_tail "$dir/log"; log_tail "$dir/register.out"
    stop_pid "$SERVER_PID"
    STATUS_T="failed to start"; RESULT="{\"status\":\"$STATUS_T\"}"; return
  fi
  # Bob's phone: sipp's built-in uas on the port bob registered from.
  mkdir -p "$dir/uas"
  start_bg "$dir/uas/out" "$LOAD_CPU" "$SERVER_LIFETIME" "$dir/uas" sipp -sn uas -i 127.0.0.1 -p "$uport" \
    -nostdin -timeout "$SERVER_LIFETIME" -buff_size 4194304 -trace_err -error_file "$dir/uas/errors.log"
  local uas_pid=$BG_PID
  sleep 0.5
  for rate in "${RLIST[@]}"; do
    run_step "$name" "$dir" "$port" "$rate"
    if ((STEP_OK)); then
      MAXRATE=$rate; ach=$(sed -n 's/.*"achieved_calls_per_second":\([0-9]*\).*/\1/p' <<<"${STEPS[-1]}"); MAXACH=$ach
    else
      fails=$((fails + 1))
      ((ALL_RATES || fails < 2)) || break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
  done
  stop_pid "$uas_pid"
  kill -0 "$SERVER_PID" 2>/dev/null && run_register "$name" "$dir" "$port"
  STATUS_T=ok
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "sip_bench: $name exited during the run" >&2; log_tail "$dir/log"; STATUS_T=crashed
  fi
  stop_pid "$SERVER_PID"
  if [[ -n $KEEP_LOGS ]]; then mkdir -p "$KEEP_LOGS/$name" && cp -r "$dir/." "$KEEP_LOGS/$name/" 2>/dev/null; fi
  local steps_json
  steps_json=$(IFS=,; echo "${STEPS[*]}")
  RESULT="{\"status\":\"$STATUS_T\",\"max_zero_failure_rate\":${MAXRATE:-null},\"achieved_at_max\":${MAXACH:-null},\"steps\":[${steps_json}],\"register\":${REG_JSON}}"
}

echo "sip_bench: $NPROC CPUs; server on CPU $SERVER_CPU, sipp uac+uas on CPU $LOAD_CPU;" \
     "rates $RATES calls/s x ${DURATION}s each; REGISTER loop ${REG_DURATION}s (-r $REG_RATE -l $REG_LIMIT)" >&2
declare -A RES=() MAXR=() MAXA=() REGR=() REGF=() ST=()
for t in "${TLIST[@]}"; do
  echo "sip_bench: $t ..." >&2
  run_target "$t"
  RES[$t]=$RESULT; MAXR[$t]=${MAXRATE:-}; MAXA[$t]=${MAXACH:-}; REGR[$t]=${REG_RPS:-}; REGF[$t]=${REG_FAIL:-}; ST[$t]=$STATUS_T
done

printf '\n%-9s %-14s %22s %18s %12s %12s\n' target status "max 0-fail calls/s" "(achieved calls/s)" "REGISTER/s" "reg failed"
for t in "${TLIST[@]}"; do
  printf '%-9s %-14s %22s %18s %12s %12s\n' "$t" "${ST[$t]}" "${MAXR[$t]:-none}" "${MAXA[$t]:--}" "${REGR[$t]:--}" "${REGF[$t]:--}"
done
ratio() {  # ratio A B -> A/B with 3 decimals, or empty
  [[ -n $1 && -n $2 ]] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b }'
}
R_CALLS=$(ratio "${MAXR[confabd]-}" "${MAXR[kamailio]-}")
R_REG=$(ratio "${REGR[confabd]-}" "${REGR[kamailio]-}")
V_CALLS="n/a"; [[ -z $R_CALLS ]] || V_CALLS=$(awk -v r="$R_CALLS" -v g="$GOAL_CALLS" 'BEGIN { print (r >= g) ? "pass" : "FAIL" }')
echo
printf '%-30s %-8s %s\n' ratio value goal
printf '%-30s %-8s %s\n' "calls/s confabd/kamailio" "${R_CALLS:-n/a}" ">= $GOAL_CALLS: $V_CALLS"
printf '%-30s %-8s %s\n' "REGISTER/s confabd/kamailio" "${R_REG:-n/a}" "(reported)"
echo "(max 0-fail = highest offered rate step in {$RATES} with every call completed and none failed;"
echo " the rate grid bounds the resolution; the sipp uac and uas share CPU $LOAD_CPU and may be the limit)"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after the run: $LOADAVG (on $NPROC CPUs; other work on these CPUs skews the rates)"

if [[ -n $JSON_OUT ]]; then
  jnum() { [[ -n $1 ]] && echo "$1" || echo null; }
  {
    printf '{"benchmark":"sip_calls_and_registers","time":"%s","kernel":"%s","nproc":%d,' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$NPROC"
    printf '"loadavg":"%s","server_cpu":%d,"load_cpu":%d,"duration_s":%s,"rates":[%s],' \
      "$LOADAVG" "$SERVER_CPU" "$LOAD_CPU" "$DURATION" "$RATES"
    printf '"register":{"duration_s":%s,"offered_rate":%s,"limit":%s},' "$REG_DURATION" "$REG_RATE" "$REG_LIMIT"
    printf '"kamailio_version":"%s","sipp_version":"%s","results":{' \
      "$( (kamailio -v 2>/dev/null || true) | head -n1 | tr -d '"')" "$(sipp -v 2>/dev/null | grep -o 'v[0-9][^ ]*' | head -n1)"
    sep=""
    for t in "${TLIST[@]}"; do printf '%s"%s":%s' "$sep" "$t" "${RES[$t]}"; sep=","; done
    printf '},"ratios":{"calls_confabd_over_kamailio":%s,"registers_confabd_over_kamailio":%s},' \
      "$(jnum "$R_CALLS")" "$(jnum "$R_REG")"
    printf '"goals":{"calls_confabd_over_kamailio":%s}}\n' "$GOAL_CALLS"
  } >"$JSON_OUT"
  echo "wrote $JSON_OUT"
fi

rc=0
for t in "${TLIST[@]}"; do
  case ${ST[$t]} in ok | "not built" | "not installed") ;; *) rc=1 ;; esac
done
exit "$rc"
