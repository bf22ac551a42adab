# exectask KILLER: ends the whole process tree of one ExecTask and confirms it is gone.
# Closing the exec connection kills nothing, and a command can leave its process group
# (setsid, nohup cmd &, double fork), so the tree is found by what it cannot easily shed:
# the EXECTASK_UID=UID entry the wrapper put in its environment, the command's process
# group, and parentage.
#
# Portable POSIX sh (dash, busybox ash, bash); besides builtins it uses only tr, grep,
# sleep and rm, and reads /proc directly (no ps, pgrep or pkill). Run as
#   sh -c "$KILLER" exectask-killer UID GRACE_SECONDS
# Collects the tree (processes carrying the marker, members of the command's process
# group, the command, and their descendants by ppid, to a fixpoint; never the wrapper,
# never itself), sends SIGTERM (and SIGCONT, for stopped ones), waits up to GRACE_SECONDS
# (returning as soon as all are gone), sends SIGKILL to survivors and late-comers until
# none is left (5 s at most), SIGKILLs the wrapper if it has not exited by itself a second
# later, and once all is confirmed gone removes the state dir. A zombie counts as gone.
# Every signal is preceded by a check that the pid still belongs to the process collected
# (same starttime, field 22 of /proc/PID/stat).
#
# Output: exactly one line on stdout,
#   exectask-killer signalled=N remaining=M
# N: distinct processes of the tree signalled (the wrapper is not counted); M: processes
# of the tree still alive at the end. Running it again once all is gone prints
# signalled=0 remaining=0.
# Exit codes: 0 when M is 0, 1 otherwise, 2 on a malformed call (nothing printed).
#
# The helpers between the >>> and <<< lines are shared: InContainerScripts sends them
# ahead of observer.sh too.

# >>> helpers
nl='
'
ifs=$IFS
interval=0.1
grep_z=

# Validates and sets the task uid and its marker; on a malformed call exits 2 with $2.
task_uid() {
  case $1 in '' | *[!A-Za-z0-9-]*)
    echo "$2: invalid task uid" >&2
    exit 2
    ;;
  esac
  uid=$1
  marker=EXECTASK_UID=$uid
}

# Reads /proc/PID/stat into p_state p_ppid p_pgrp p_start; fails when the process is gone
# or a zombie. comm (field 2) may hold spaces, parentheses and even newlines, hence the
# loop over lines and the fields taken after the last ')'.
proc() {
  p_line=
  { while IFS= read -r p_part; do p_line="$p_line $p_part"; done; } 2>/dev/null <"/proc/$1/stat"
  case $p_line in *')'*) ;; *) return 1 ;; esac
  set -- ${p_line##*)}
  p_state=$1 p_ppid=$2 p_pgrp=$3 p_start=${20}
  case $p_state$p_start in '' | Z* | X* | x* | *[!0-9]) return 1 ;; esac
}

# Succeeds while PID is still the very process that had starttime START.
same() {
  proc "$1" && [ "$p_start" = "$2" ]
}

# Sets marked to " PID ... " for the processes whose environment holds exactly the
# marker entry. The entries are NUL-terminated, so grep -z compares whole entries (a
# newline inside a value cannot pose as one) across all processes at once. Where grep has
# no -z (a busybox built without its GNU extras), tr turns each process's entries into
# lines, and newlines inside values into \1: a fork per process, so only for those started
# no earlier than $1 (the wrapper's starttime, when known), which the task's must be.
find_marked() {
  if [ -z "$grep_z" ]; then
    grep_z=no
    printf 'A=1\0%s\0' "$marker" | grep -qxzF -e "$marker" 2>/dev/null && grep_z=yes
  fi
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
  marked=' '
  for m_file in $m_files; do
    m_pid=${m_file#/proc/}
    marked="$marked${m_pid%/environ} "
  done
}

# Finds the wrapper's state dir and its pid record (see wrapper.sh); all 0 without one.
load_state() {
  case ${TMPDIR:-} in /*) s_tmp=$TMPDIR ;; *) s_tmp=/tmp ;; esac
  state= w_pid=0 c_pid=0 c_start=0 w_start=0
  for s_base in "$s_tmp" /dev/shm; do
    [ -d "$s_base/.exectask/$uid" ] || continue
    state=$s_base/.exectask/$uid
    read -r w_pid c_pid c_start w_start 2>/dev/null <"$state/pid"
    break
  done
  case " $w_pid $c_pid $c_start $w_start " in
    *[!0-9\ ]* | *'  '*) w_pid=0 c_pid=0 c_start=0 w_start=0 ;;
  esac
}

# A busybox built without fractional sleep falls back to whole seconds.
pause() {
  sleep "$interval" 2>/dev/null || {
    interval=1
    sleep 1
  }
}

# <<< helpers

task_uid "$1" exectask-killer
grace=$2
case $grace in '' | *[!0-9]*)
  echo 'exectask-killer: invalid grace period' >&2
  exit 2
  ;;
esac

# Sets tree to " PID:STARTTIME ... " for every live process of the task, from a snapshot
# of "PID PPID PGRP STARTTIME" lines of every live process of the container.
collect() {
  load_state
  snapshot=
  for c_dir in /proc/[0-9]*; do
    c_each=${c_dir#/proc/}
    proc "$c_each" || continue
    snapshot="$snapshot$c_each $p_ppid $p_pgrp $p_start$nl"
  done
  find_marked "$w_start"
  # The group bears the command's pid as its id; it is the command's unless that pid now
  # belongs to another process (the kernel does not reuse a pid while its group lives).
  group=none
  if [ "$c_pid" != 0 ] && { ! proc "$c_pid" || [ "$p_start" = "$c_start" ]; }; then
    group=$c_pid
  fi
  tree=' '
  grown=yes
  while [ "$grown" = yes ]; do
    grown=no
    IFS=$nl
    for c_row in $snapshot; do
      IFS=$ifs
      set -- $c_row
      case $tree in *" $1:"*) continue ;; esac
      [ "$1" = $$ ] || [ "$2" = $$ ] && continue
      [ "$1" = "$w_pid" ] && [ "$4" = "$w_start" ] && continue
      case $marked in
        *" $1 "*) ;;
        *)
          if [ "$3" != "$group" ] && { [ "$1" != "$c_pid" ] || [ "$4" != "$c_start" ]; }; then
            case $tree in *" $2:"*) ;; *) continue ;; esac
          fi
          ;;
      esac
      tree="$tree$1:$4 "
      grown=yes
    done
    IFS=$ifs
  done
}

# Sends signal $1 to every process of the tree that is still the one collected, and to
# the command's group while its leader lives (to reach children forked since collect).
signal() {
  for g_entry in $tree; do
    same "${g_entry%:*}" "${g_entry#*:}" && kill "-$1" "${g_entry%:*}" 2>/dev/null || continue
    case $signalled in *" $g_entry "*) ;; *) signalled="$signalled$g_entry " ;; esac
  done
  if [ "$c_pid" != 0 ] && same "$c_pid" "$c_start" && [ "$p_pgrp" = "$c_pid" ]; then
    kill "-$1" "-$c_pid" 2>/dev/null
  fi
}

# Succeeds once no process of the tree is alive.
all_gone() {
  for a_entry in $tree; do
    same "${a_entry%:*}" "${a_entry#*:}" && return 1
  done
  return 0
}

# The wrapper is not the task's, but one stuck (say, still reading stdin) would go on.
# Stopped first, it can start nothing more; then its helpers (and a command it was about
# to start) go with it.
kill_wrapper() {
  kill -STOP "$w_pid" 2>/dev/null
  for k_dir in /proc/[0-9]*; do
    k_pid=${k_dir#/proc/}
    proc "$k_pid" && [ "$p_ppid" = "$w_pid" ] && kill -KILL "$k_pid" 2>/dev/null
  done
  kill -KILL "$w_pid" 2>/dev/null
}

# Centiseconds since boot; /proc/uptime always has two decimals. Without it, each call
# counts as one poll interval so that every loop still ends.
now() {
  n_up=
  read -r n_up n_rest 2>/dev/null </proc/uptime
  case $n_up in
    *[0-9].[0-9][0-9]) now=$((${n_up%.*} * 100 + 1${n_up#*.} - 100)) ;;
    *) now=$((${now:-0} + 10)) ;;
  esac
}

count() {
  set -- $1
  echo $#
}

signalled=' '
collect
signal TERM
# A stopped process would keep SIGTERM pending until the SIGKILL.
signal CONT
now
deadline=$((now + grace * 100))
# From here on, an empty tree is one that a collect has just found empty.
while [ "$tree" != ' ' ]; do
  if all_gone; then
    # Children forked meanwhile (by a TERM trap, say) get their share of the grace too.
    collect
    [ "$tree" = ' ' ] && break
    signal TERM
    signal CONT
  fi
  now
  [ "$now" -lt "$deadline" ] || break
  pause
done

now
deadline=$((now + 500))
w_since=
fresh=yes
while :; do
  # Survivors, and children forked since the last look; while the wrapper lives, it might
  # still start its command.
  [ "$fresh" = yes ] && [ "$tree" = ' ' ] || collect
  fresh=no
  if [ "$tree" != ' ' ]; then
    signal KILL
  elif [ "$w_pid" != 0 ] && same "$w_pid" "$w_start"; then
    # A wrapper normally exits, recording its command's status, a moment after it.
    now
    : "${w_since:=$now}"
    [ $((now - w_since)) -lt 100 ] || kill_wrapper
  else
    break
  fi
  now
  [ "$now" -lt "$deadline" ] || break
  pause
done

[ "$tree" = ' ' ] || collect
remaining=$(count "$tree")
[ "$remaining" != 0 ] || [ -z "$state" ] || rm -rf "$state" 2>/dev/null
echo "exectask-killer signalled=$(count "$signalled") remaining=$remaining"
[ "$remaining" = 0 ]
