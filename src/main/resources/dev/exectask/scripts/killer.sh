# exectask KILLER: ends the whole process tree of one ExecTask and confirms it is gone.
# Closing the exec connection kills nothing, and a command can leave its process group
# (setsid, nohup cmd &, double fork), rewrite its title or clear its environment, or run
# as another uid, so the tree is the union of what it cannot all shed at once: the
# EXECTASK_UID=UID environment marker, the CPU-time token (see lib.sh), the command's
# process group, the recorded command, and parentage.
#
# Needs from lib.sh: task_uid, number, proc, same, load_state, find_marked, pause, now. Besides
# builtins it uses only tr, grep, sleep and rm. Run as
#   sh -c "$LIB$KILLER" exectask-killer UID TOKEN GRACE_SECONDS
# Collects the tree (processes carrying the marker or the token, members of the
# command's process group while the group is anchored, the command, and their
# descendants by ppid, to a fixpoint; never the wrapper, never itself), sends SIGTERM (and
# SIGCONT, for stopped ones), waits up to GRACE_SECONDS (returning as soon as all are
# gone), sends SIGKILL to survivors and late-comers until none is left (5 s at most),
# SIGKILLs the wrapper if it has not exited by itself a second later, and once all is
# confirmed gone removes the state dir. A zombie counts as gone. Every signal is preceded
# by a check that the pid still belongs to the process collected (same starttime, field
# 22 of /proc/PID/stat).
#
# The group bears the command's pid as its id, and a pid can be reused once its process
# is gone. So the group counts as the command's (its members collected, and signalled as
# a whole) only while anchored: its leader alive with the recorded starttime, or one of
# its members carrying the marker or the token. Otherwise only the processes matched one
# by one are signalled.
#
# Output: exactly one line on stdout,
#   exectask-killer signalled=N remaining=M[ exited=S[ at=EPOCH]]
# N: distinct processes of the tree signalled (the wrapper is not counted); M: processes
# of the tree still alive at the end; exited: the status the wrapper recorded for the
# command (and when it ended), read before the state dir goes. Running it again once all
# is gone prints signalled=0 remaining=0.
# Exit codes: 0 when M is 0, 1 otherwise, 2 on a malformed call (nothing printed).

task_uid "$1" "$2" exectask-killer
number "$3" 'grace period' exectask-killer
grace=$number

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
  group=none
  if [ "$c_pid" != 0 ]; then
    if same "$c_pid" "$c_start"; then
      group=$c_pid
    else
      IFS=$nl
      for c_row in $snapshot; do
        IFS=$ifs
        set -- $c_row
        [ "$3" = "$c_pid" ] || continue
        case $marked in *" $1 "*) group=$c_pid && break ;; esac
      done
      IFS=$ifs
    fi
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
# the command's group while it is anchored (to reach children forked since collect).
signal() {
  for g_entry in $tree; do
    same "${g_entry%:*}" "${g_entry#*:}" && kill "-$1" "${g_entry%:*}" 2>/dev/null || continue
    case $signalled in *" $g_entry "*) ;; *) signalled="$signalled$g_entry " ;; esac
  done
  if [ "$group" != none ] && { ! proc "$c_pid" || [ "$p_start" = "$c_start" ]; }; then
    kill "-$1" "-$group" 2>/dev/null
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
exited=
if [ -n "$state" ]; then
  e_code= e_at=
  read -r e_code e_at 2>/dev/null <"$state/exit"
  case $e_code in '' | *[!0-9]*) ;; *)
    exited=" exited=$e_code"
    case $e_at in '' | *[!0-9]*) ;; *) exited="$exited at=$e_at" ;; esac
    ;;
  esac
fi
[ "$remaining" != 0 ] || [ -z "$state" ] || rm -rf "$state" 2>/dev/null
echo "exectask-killer signalled=$(count "$signalled") remaining=$remaining$exited"
[ "$remaining" = 0 ]
