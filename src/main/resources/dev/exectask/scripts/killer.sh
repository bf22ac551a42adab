# exectask KILLER: ends the whole process tree of ExecTasks and confirms it is gone.
# Closing the exec connection kills nothing, and a command can leave its process group
# (setsid, nohup cmd &, double fork), rewrite its title or clear its environment, or run
# as another uid, so the tree is the union of what it cannot all shed at once: the
# EXECTASK_UID=UID environment marker, the CPU-time token (see lib.sh), the command's
# process group, the recorded command, and parentage.
#
# Needs from lib.sh: task_uid, number, proc, same, load_state, probe_grep_z, pause, now.
# Besides builtins it uses only tr, grep, sleep and rm. Run as
#   sh -c "$LIB$KILLER" exectask-killer UID TOKEN [UID TOKEN ...] GRACE_SECONDS
# for one task or several of one container (kills due at the same moment): each task goes
# through what follows on its own, but every look at /proc is shared, one pass over every
# process for all the tasks that need one in a round (a round every poll interval), so
# that 64 tasks cost about what one does. For each task it collects the tree (processes carrying the marker or the token, members of the
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
# Output: one line on stdout per task, as soon as that task is done,
#   exectask-killer signalled=N remaining=M[ exited=S[ at=EPOCH]]
# with "UID " ahead of it when the call names more than one task; and while tasks are left,
# "exectask-killer working" at the start and at least once a second after a round, so
# that the caller can tell a killer slowed by a busy node from a hung one.
# N: distinct processes of the tree signalled (the wrapper is not counted); M: processes
# of the tree still alive at the end; exited: the status the wrapper recorded for the
# command (and when it ended), read before the state dir goes. Running it again once all
# is gone prints signalled=0 remaining=0.
# Exit codes: 0 when M is 0 for every task, 1 otherwise, 2 on a malformed call (nothing
# done, nothing printed).


tasks=0
everyone=
while [ $# -gt 1 ]; do
  task_uid "$1" "$2" exectask-killer
  tasks=$((tasks + 1))
  everyone="$everyone $tasks"
  eval "t${tasks}_uid=\$uid t${tasks}_token=\$token"
  shift 2
done
number "${1:-}" 'grace period' exectask-killer
grace=$number
if [ "$tasks" = 0 ]; then
  echo "exectask-killer: no task named" >&2
  exit 2
fi

# Every task's variables live as t<N>_<name>; use makes task N's the current ones, keep
# saves them back.
use() {
  t=$1
  eval "uid=\$t${t}_uid token=\$t${t}_token state=\${t${t}_state:-} w_pid=\${t${t}_w_pid:-0}" \
    "c_pid=\${t${t}_c_pid:-0} c_start=\${t${t}_c_start:-0} w_start=\${t${t}_w_start:-0}" \
    "group=\${t${t}_group:-none} tree=\${t${t}_tree:- } signalled=\${t${t}_signalled:- }" \
    "marked=\${t${t}_marked:- } phase=\${t${t}_phase:-term} deadline=\${t${t}_deadline:-0}" \
    "fresh=\${t${t}_fresh:-} w_since=\${t${t}_w_since:-}"
  marker=EXECTASK_UID=$uid
}

keep() {
  eval "t${t}_state=\$state t${t}_w_pid=\$w_pid t${t}_c_pid=\$c_pid t${t}_c_start=\$c_start" \
    "t${t}_w_start=\$w_start t${t}_group=\$group t${t}_tree=\$tree" \
    "t${t}_signalled=\$signalled t${t}_marked=\$marked t${t}_phase=\$phase" \
    "t${t}_deadline=\$deadline t${t}_fresh=\$fresh t${t}_w_since=\$w_since"
}

# Sets, for each task named, t<N>_marked to " PID ... ": the processes carrying its
# environment marker or its CPU-time token. One grep over every environ (entries are
# NUL-terminated, so grep -z compares whole entries: a newline inside a value cannot
# pose as one) and one over every /proc/PID/limits, for all the tasks at once. Where grep
# has no -z (a busybox built without its GNU extras), tr turns each process's entries
# into lines, and newlines inside values into \1: a fork per process of the snapshot (see
# collect), so only for those started no earlier than the earliest of the tasks'
# wrappers, when known.
mark() {
  m_tasks=$*
  m_uids=' ' m_tokens=' ' m_since=
  set --
  for m_t in $m_tasks; do
    eval "m_uid=\$t${m_t}_uid m_token=\$t${m_t}_token m_start=\${t${m_t}_w_start:-0}"
    eval "t${m_t}_marked=' '"
    m_uids="$m_uids$m_uid=$m_t "
    m_tokens="$m_tokens$m_token=$m_t "
    set -- "$@" -e "EXECTASK_UID=$m_uid"
    if [ -z "$m_since" ] || [ "$m_start" -lt "$m_since" ]; then
      m_since=$m_start
    fi
  done
  probe_grep_z
  if [ "$grep_z" = yes ]; then
    m_hits=$(grep -HxzF "$@" /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n')
  else
    m_hits=
    # The snapshot's start times, rather than each /proc/PID/stat read again.
    IFS=$nl
    for m_row in $snapshot; do
      IFS=$ifs
      set -- $m_row
      [ "$4" -ge "$m_since" ] || continue
      m_dir=/proc/$1
      m_env=$(tr '\n\0' '\1\n' <"$m_dir/environ" 2>/dev/null)
      for m_t in $m_tasks; do
        eval "m_uid=\$t${m_t}_uid"
        case "$nl$m_env$nl" in
          *"${nl}EXECTASK_UID=$m_uid$nl"*) m_hits="$m_hits$m_dir/environ:EXECTASK_UID=$m_uid$nl" ;;
        esac
      done
    done
    IFS=$ifs
  fi
  IFS=$nl
  for m_line in $m_hits; do
    IFS=$ifs
    m_key=${m_line#*:EXECTASK_UID=}
    case $m_uids in *" $m_key="*) ;; *) continue ;; esac
    m_t=${m_uids#*" $m_key="}
    marked_by "${m_t%% *}" "$m_line"
  done
  IFS=$ifs
  set --
  for m_t in $m_tasks; do
    eval "m_token=\$t${m_t}_token"
    set -- "$@" -e "^Max cpu time  *$m_token "
  done
  m_hits=$(grep -H "$@" /proc/[0-9]*/limits 2>/dev/null)
  IFS=$nl
  for m_line in $m_hits; do
    IFS=$ifs
    set -- ${m_line#*:}
    case $m_tokens in *" $4="*) ;; *) continue ;; esac
    m_t=${m_tokens#*" $4="}
    marked_by "${m_t%% *}" "$m_line"
  done
  IFS=$ifs
}

# Adds the process of the /proc/PID/... line $2 to task $1's marked.
marked_by() {
  b_pid=${2#/proc/}
  b_pid=${b_pid%%/*}
  eval "b_marked=\$t$1_marked"
  case $b_marked in *" $b_pid "*) ;; *) eval "t$1_marked=\"\$b_marked\$b_pid \"" ;; esac
}

stat_fields='\) [A-Za-z] ([-0-9]+ ){18}[0-9]+'

# Adds the process of $1, a "/proc/PID/stat:FIELDS" match of stat_fields, to snapshot unless
# it is a zombie or dead.
stat_row() {
  r_pid=${1#/proc/}
  set -- ${1#*:) }
  case $1 in Z | X | x) return ;; esac
  snapshot="$snapshot${r_pid%%/*} $2 $3 ${20}$nl"
}

# Sets snapshot to "PID PPID PGRP STARTTIME" lines of every live process of the container.
# One grep reads every /proc/PID/stat (the read builtin takes a file a byte at a time: a
# few hundred processes cost a hundred thousand reads): each match is the fields after
# comm, from state to starttime, which a comm (15 bytes at most, newlines or parentheses
# in it or not) cannot fake. Where grep has no -o or -E, each stat is read as proc does.
snap() {
  snapshot=
  if s_rows=$(grep -H -o -E "$stat_fields" /proc/[0-9]*/stat 2>/dev/null); then
    IFS=$nl
    for s_row in $s_rows; do
      IFS=$ifs
      stat_row "$s_row"
    done
    IFS=$ifs
    return
  fi
  for s_dir in /proc/[0-9]*; do
    s_pid=${s_dir#/proc/}
    proc "$s_pid" || continue
    snapshot="$snapshot$s_pid $p_ppid $p_pgrp $p_start$nl"
  done
}

# The look of snap and mark in one grep over every process's stat, environ and limits, for
# all the tasks named: each match a "FILE:TEXT" line once tr has turned the NULs of -z into
# newlines. Each kind of match counts only from its own kind of file: a stat's fields
# cannot hold a NUL-delimited marker entry, and an environ or limits line that looks like
# stat fields (or a limits line in an environ) is ignored. Fails where grep has no -z, -o
# or -E, for snap and mark to look apart.
look() {
  probe_grep_z
  [ "$grep_z" = yes ] || return 1
  l_uids= l_tokens= l_keys=' '
  for l_t in "$@"; do
    eval "l_uid=\$t${l_t}_uid l_token=\$t${l_t}_token"
    eval "t${l_t}_marked=' '"
    l_uids=$l_uids${l_uids:+|}$l_uid
    l_tokens=$l_tokens${l_tokens:+|}$l_token
    l_keys="$l_keys$l_uid=$l_t $l_token=$l_t "
  done
  l_rows=$(grep -H -z -o -E -e "^EXECTASK_UID=($l_uids)\$" -e "$stat_fields" \
    -e "Max cpu time +($l_tokens) " /proc/[0-9]*/stat /proc/[0-9]*/environ \
    /proc/[0-9]*/limits 2>/dev/null | tr '\0' '\n') || return 1
  snapshot=
  IFS=$nl
  for l_row in $l_rows; do
    IFS=$ifs
    case $l_row in
      /proc/*/stat:\)\ *)
        stat_row "$l_row"
        continue
        ;;
      /proc/*/environ:EXECTASK_UID=*) l_key=${l_row#*:EXECTASK_UID=} ;;
      /proc/*/limits:Max\ cpu\ time\ *)
        set -- ${l_row#*:}
        l_key=$4
        ;;
      *) continue ;;
    esac
    case $l_keys in *" $l_key="*) ;; *) continue ;; esac
    l_t=${l_keys#*" $l_key="}
    marked_by "${l_t%% *}" "$l_row"
  done
  IFS=$ifs
  # The killer itself is always there: no stat at all is a grep that did not look.
  [ -n "$snapshot" ]
}

# Collects the trees of the tasks named, from one look at /proc (see tree).
collect() {
  for c_t in "$@"; do
    use "$c_t"
    load_state
    keep
  done
  look "$@" || {
    snap
    mark "$@"
  }
  index
  for c_t in "$@"; do
    use "$c_t"
    tree
    keep
  done
}

# Indexes snapshot for tree: xs_PID its starttime, xp_PID its parent, xk_PID its children
# and xg_PGRP the members of a group (" PID ..."), once per look rather than a pass over
# every process per task and per generation of its tree.
index() {
  [ -z "$x_names" ] || unset $x_names
  x_names=
  IFS=$nl
  for x_row in $snapshot; do
    IFS=$ifs
    set -- $x_row
    eval "xs_$1=\$4 xp_$1=\$2 xk_$2=\"\${xk_$2:-} \$1\" xg_$3=\"\${xg_$3:-} \$1\""
    x_names="$x_names xs_$1 xp_$1 xk_$2 xg_$3"
  done
  IFS=$ifs
}

# Sets tree to " PID:STARTTIME ... " for every live process of the current task, from the
# index of the snapshot (see index): its marked processes, the command's group while it is
# anchored, the command, and their descendants; never the wrapper, the killer or its
# children.
tree() {
  group=none
  # The command's start time as the snapshot saw it (empty: gone).
  eval "t_start=\${xs_$c_pid:-}"
  if [ "$c_pid" != 0 ]; then
    if [ "$t_start" = "$c_start" ]; then
      group=$c_pid
    else
      eval "t_members=\${xg_$c_pid:-}"
      for t_pid in $t_members; do
        case $marked in *" $t_pid "*) group=$c_pid && break ;; esac
      done
    fi
  fi
  t_next=$marked
  [ "$group" = none ] || eval "t_next=\"\$t_next \${xg_$group:-}\""
  # The recorded command only while it is the process recorded: its pid may be reused.
  [ "$c_pid" = 0 ] || [ "$t_start" != "$c_start" ] || t_next="$t_next $c_pid"
  tree=' '
  while [ -n "$t_next" ]; do
    t_these=$t_next
    t_next=
    for t_pid in $t_these; do
      case $tree in *" $t_pid:"*) continue ;; esac
      eval "t_start=\${xs_$t_pid:-} t_parent=\${xp_$t_pid:-}"
      # Not in the snapshot: gone, a zombie, or never seen.
      [ -n "$t_start" ] || continue
      [ "$t_pid" = $$ ] || [ "$t_parent" = $$ ] && continue
      [ "$t_pid" = "$w_pid" ] && [ "$t_start" = "$w_start" ] && continue
      tree="$tree$t_pid:$t_start "
      eval "t_next=\"\$t_next \${xk_$t_pid:-}\""
    done
  done
}

# Sends the signals named, in turn, to every process of the tree that is still the one
# collected, and to the command's group while it is anchored (to reach children forked
# since collect). The live ones are found before the first signal goes, and all get each
# from one kill: a shell waiting for the child killed ahead of it exits by itself, and it
# still counts as signalled.
signal() {
  g_alive=
  for g_entry in $tree; do
    same "${g_entry%:*}" "${g_entry#*:}" || continue
    g_alive="$g_alive ${g_entry%:*}"
    case $signalled in *" $g_entry "*) ;; *) signalled="$signalled$g_entry " ;; esac
  done
  g_anchored=
  if [ "$group" != none ] && { ! proc "$c_pid" || [ "$p_start" = "$c_start" ]; }; then
    g_anchored=yes
  fi
  for g_signal in "$@"; do
    [ -z "$g_alive" ] || kill "-$g_signal" $g_alive 2>/dev/null
    [ -z "$g_anchored" ] || kill "-$g_signal" "-$group" 2>/dev/null
  done
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

# Sets counted to the number of words in $1.
count() {
  set -- $1
  counted=$#
}

enter_kill() {
  now
  deadline=$((now + 500))
  w_since=
  fresh=yes
  phase=kill
}

# Each task goes through three phases, a round (one poll interval) at a time:
# term: SIGTERM (and SIGCONT, for stopped ones) to the tree and to children forked since,
#   until all are gone or the grace period is over;
# kill: SIGKILL to survivors and late-comers until none is left (5 s at most), the
#   wrapper SIGKILLed if it has not exited by itself a second later;
# final: one more look if something may be left, then its line.
# before decides whether the current task needs a fresh tree this round (need=yes).
before() {
  need=
  [ "$phase" = term ] && [ "$tree" = ' ' ] && enter_kill
  case $phase in
    term) all_gone && need=yes ;;
    kill) [ "$fresh" = yes ] && [ "$tree" = ' ' ] || need=yes ;;
    final) [ "$tree" = ' ' ] || need=yes ;;
  esac
}

# after acts on the current task, its tree fresh if it needed one.
after() {
  case $phase in
    term)
      if [ "$need" = yes ]; then
        # All gone: children forked meanwhile (by a TERM trap, say) get their share of
        # the grace too.
        if [ "$tree" = ' ' ]; then
          enter_kill
          after
          return
        fi
        signal TERM CONT
      fi
      now
      [ "$now" -lt "$deadline" ] || enter_kill
      ;;
    kill)
      fresh=no
      if [ "$tree" != ' ' ]; then
        signal KILL
      elif [ "$w_pid" != 0 ] && same "$w_pid" "$w_start"; then
        # A wrapper normally exits, recording its command's status, a moment after it. Once
        # it has recorded its command (it starts no other), a tree found empty stays empty:
        # the rounds that wait for it need no more passes over /proc. Until then each round
        # looks again, for a command it may still start.
        [ "$c_pid" = 0 ] || fresh=yes
        now
        : "${w_since:=$now}"
        [ $((now - w_since)) -lt 100 ] || kill_wrapper
      else
        report
        return
      fi
      now
      [ "$now" -lt "$deadline" ] || phase=final
      ;;
    final) report ;;
  esac
}

# Prints the current task's line and, once its tree is gone, removes its state dir.
report() {
  phase=done
  count "$tree"
  remaining=$counted
  exited=
  if [ -n "$state" ]; then
    e_code= e_at=
    read -r e_code e_at 2>/dev/null <"$state/exit" || e_code=
    case $e_code in '' | *[!0-9]*) ;; *)
      exited=" exited=$e_code"
      case $e_at in '' | *[!0-9]*) ;; *) exited="$exited at=$e_at" ;; esac
      ;;
    esac
  fi
  if [ "$remaining" = 0 ] && [ -n "$state" ]; then
    case $state in
      *"$nl"*) rm -rf "$state" 2>/dev/null ;;
      *) r_dirs="$r_dirs$state$nl" ;;
    esac
    # Its wrapper was seen, and is gone: no start can come after it.
    if [ "$w_pid" != 0 ]; then
      for k_dir in $k_dirs; do
        case $k_dir in *"$nl"*) ;; *) r_dirs="$r_dirs$k_dir/$uid.killed$nl" ;; esac
      done
    fi
  fi
  count "$signalled"
  r_line="exectask-killer signalled=$counted remaining=$remaining$exited"
  [ "$tasks" = 1 ] || r_line="$uid $r_line"
  r_lines="$r_lines$r_line$nl"
  [ "$remaining" = 0 ] || failed=yes
}

# A wrapper whose exec is still on its way (the killer's exec came first) must never start
# its command. Before its first look at /proc the killer leaves UID.killed beside where the
# task's state dir goes; a wrapper looks for it once its pid record is written (see
# wrapper.sh), so of the two, one sees the other: the wrapper the tombstone (and runs
# nothing), or the killer the wrapper (and kills it and all it starts). The tombstone goes
# with the state dir once the killer has seen the wrapper gone; a task whose wrapper never
# came keeps it (one empty file).
tombstones() {
  state_bases
  k_dirs=
  for k_base in $bases; do
    [ -d "$k_base/.exectask" ] && [ -w "$k_base/.exectask" ] && k_dirs="$k_dirs $k_base/.exectask"
  done
  if [ -z "$k_dirs" ]; then
    for k_base in $bases; do
      if mkdir -p "$k_base/.exectask" 2>/dev/null && [ -w "$k_base/.exectask" ]; then
        k_dirs=" $k_base/.exectask"
        break
      fi
    done
  fi
  for i in $everyone; do
    use "$i"
    for k_dir in $k_dirs; do
      : >"$k_dir/$uid.killed" 2>/dev/null
    done
  done
}

# Removes the state dirs of the tasks reported this round in one rm, then prints their lines.
flush() {
  [ -n "$r_lines" ] || return 0
  if [ -n "$r_dirs" ]; then
    IFS=$nl
    set -- $r_dirs
    IFS=$ifs
    rm -rf "$@" 2>/dev/null
  fi
  printf '%s' "$r_lines"
  r_lines= r_dirs=
}

# The first sign of life, before the first look at /proc, which a busy node can make slow.
printf '%s\n' 'exectask-killer working'
tombstones
collect $everyone
now
beat=$now
for i in $everyone; do
  use "$i"
  # A stopped process would keep SIGTERM pending until the SIGKILL.
  signal TERM CONT
  deadline=$((now + grace * 100))
  keep
done

failed= r_lines= r_dirs=
while :; do
  due=
  for i in $everyone; do
    use "$i"
    [ "$phase" = done ] && continue
    before
    [ "$need" = yes ] && due="$due $i"
    keep
  done
  [ -z "$due" ] || collect $due
  left=
  for i in $everyone; do
    use "$i"
    [ "$phase" = done ] && continue
    case "$due " in *" $i "*) need=yes ;; *) need= ;; esac
    after
    [ "$phase" = done ] || left=yes
    keep
  done
  flush
  [ -n "$left" ] || break
  now
  if [ $((now - beat)) -ge 100 ]; then
    printf 'exectask-killer working\n'
    beat=$now
  fi
  pause
done
[ -z "$failed" ]
