# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run): number checks,
# the PIDS list every started process goes into, stopping them, free ports.

is_num() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }
is_int() { [[ $1 =~ ^[0-9]+$ ]]; }

declare -a PIDS=()

forget_pid() {  # drop $1 from PIDS
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

stop_pid() {  # TERM, up to 3 s grace, then KILL; forgets it
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}

# shellcheck disable=SC2317  # called from the scripts' EXIT traps
stop_all_pids() {  # TERM everything at once, then give each 3 s before KILL
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# A free UDP+TCP port on loopback (bounded tries; a race with another program
# is possible but harmless: the readiness probe then fails and says so).
free_port() {
  local i p
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    if [[ -z $(ss -Hlun "sport = :$p" 2>/dev/null) && -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]]; then
      echo "$p"; return 0
    fi
  done
  return 1
}

log_tail() { if [[ -f $1 ]]; then tail -n 5 "$1" | sed 's/^/    | /' >&2; fi; }
