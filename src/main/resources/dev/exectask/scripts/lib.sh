# exectask LIB: what the wrapper, the killer and the observer share. InContainerScripts
# sends this file ahead of each of them, in one "sh -c" script; none of it runs by itself.
#
# Portable POSIX sh (dash, busybox ash, bash); besides builtins it uses only grep and tr,
# and reads /proc directly (no ps, pgrep or pkill).
#
#   task_uid UID TOKEN WHO  validates the call's task uid and CPU-time token; sets uid,
#                           token, marker (EXECTASK_UID=UID); exits 2 on a malformed one
#   number VALUE WHAT WHO   sets number to VALUE, a whole number; exits 2 otherwise
#   proc PID                reads /proc/PID/stat into p_state p_ppid p_pgrp p_start
#   same PID START          succeeds while PID is still the process with starttime START
#   state_bases             the directories a state dir may live in, in order
#   load_state              finds the task's state dir and its pid record
#   find_marked [START]     sets marked to " PID ... ": the processes carrying the task's
#                           environment marker or its CPU-time token
#   probe_grep_z            sets grep_z to yes when grep -z matches whole NUL-ended entries
#   pause, now              poll interval sleep; centiseconds since boot
#
# The task's two marks. EXECTASK_UID=UID in the environment is inherited by every
# descendant, but a process may clear it (env -i, execve with a new environment) or
# overwrite the memory /proc/PID/environ shows (a title rewrite: $0= in Perl,
# setproctitle), and another uid's environ is unreadable without CAP_SYS_PTRACE. The soft
# RLIMIT_CPU set to TOKEN (a per-task number of seconds no process ever reaches) is
# inherited across fork, exec, setsid and setuid, and /proc/PID/limits is readable by
# every uid; a process must reset that limit on purpose to lose it. An unreadable environ
# is "unknown", never "not ours": such a process is matched by the token, its group or
# its parentage.

nl='
'
ifs=$IFS
interval=0.1
grep_z=

task_uid() {
  case $1 in '' | *[!A-Za-z0-9-]*)
    echo "$3: invalid task uid" >&2
    exit 2
    ;;
  esac
  number "$2" 'task token' "$3"
  uid=$1
  token=$2
  marker=EXECTASK_UID=$uid
}

number() {
  case $1 in '' | *[!0-9]*)
    echo "$3: invalid $2" >&2
    exit 2
    ;;
  esac
  number=$1
}

# Fails when the process is gone or a zombie. comm (field 2) may hold spaces, parentheses
# and even newlines, hence the loop over lines and the fields taken after the last ')'.
proc() {
  p_line=
  { while IFS= read -r p_part; do p_line="$p_line $p_part"; done; } 2>/dev/null <"/proc/$1/stat"
  case $p_line in *')'*) ;; *) return 1 ;; esac
  set -- ${p_line##*)}
  p_state=$1 p_ppid=$2 p_pgrp=$3 p_start=${20}
  case $p_state$p_start in '' | Z* | X* | x* | *[!0-9]) return 1 ;; esac
}

same() {
  proc "$1" && [ "$p_start" = "$2" ]
}

# A relative TMPDIR would point elsewhere for the killer, which runs in another directory.
state_bases() {
  case ${TMPDIR:-} in /*) s_tmp=$TMPDIR ;; *) s_tmp=/tmp ;; esac
  bases="$s_tmp /dev/shm"
}

# Sets state (empty without one) and, from its pid record (see wrapper.sh), w_pid c_pid
# c_start w_start; all 0 without a record.
load_state() {
  state_bases
  state= w_pid=0 c_pid=0 c_start=0 w_start=0
  for s_base in $bases; do
    [ -d "$s_base/.exectask/$uid" ] || continue
    state=$s_base/.exectask/$uid
    read -r w_pid c_pid c_start w_start 2>/dev/null <"$state/pid" || w_pid=0
    break
  done
  case " $w_pid $c_pid $c_start $w_start " in
    *[!0-9\ ]* | *'  '*) w_pid=0 c_pid=0 c_start=0 w_start=0 ;;
  esac
}

# Once per script: whether this grep has -z, to read NUL-terminated environ entries whole.
probe_grep_z() {
  [ -z "$grep_z" ] || return 0
  grep_z=no
  printf 'A=1\0%s\0' "$marker" | grep -qxzF -e "$marker" 2>/dev/null && grep_z=yes
}

# Environ entries are NUL-terminated, so grep -z compares whole entries (a newline inside
# a value cannot pose as one) across all processes at once. Where grep has no -z (a
# busybox built without its GNU extras), tr turns each process's entries into lines, and
# newlines inside values into \1: a fork per process, so only for those started no
# earlier than $1 (the wrapper's starttime, when known), which the task's must be. The
# token is one grep over every /proc/PID/limits: one pass, no fork per process.
find_marked() {
  probe_grep_z
  if [ "$grep_z" = yes ]; then
    m_files=$(grep -lxzF -e "$marker" /proc/[0-9]*/environ 2>/dev/null)
  else
    m_files=
    for m_dir in /proc/[0-9]*; do
      proc "${m_dir#/proc/}" && [ "$p_start" -ge "${1:-0}" ] || continue
      m_env=$(tr '\n\0' '\1\n' <"$m_dir/environ" 2>/dev/null)
      case "$nl$m_env$nl" in *"$nl$marker$nl"*) m_files="$m_files $m_dir/environ" ;; esac
    done
  fi
  m_files="$m_files $(grep -l -e "^Max cpu time  *$token " /proc/[0-9]*/limits 2>/dev/null)"
  marked=' '
  for m_file in $m_files; do
    m_pid=${m_file#/proc/}
    m_pid=${m_pid%/*}
    case $marked in *" $m_pid "*) ;; *) marked="$marked$m_pid " ;; esac
  done
}

# A busybox built without fractional sleep falls back to whole seconds.
pause() {
  sleep "$interval" 2>/dev/null || {
    interval=1
    sleep 1
  }
}

# /proc/uptime always has two decimals. Without it, each call counts as one poll interval
# so that every loop still ends.
now() {
  n_up=
  read -r n_up n_rest 2>/dev/null </proc/uptime
  case $n_up in
    *[0-9].[0-9][0-9]) now=$((${n_up%.*} * 100 + 1${n_up#*.} - 100)) ;;
    *) now=$((${now:-0} + 10)) ;;
  esac
}
