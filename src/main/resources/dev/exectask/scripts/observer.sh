# exectask OBSERVER: finds out what became of a command that the wrapper runs or ran,
# when the operator cannot hear it from the exec that started it (an operator restart, a
# connection that failed or was cut). It answers at once with a snapshot, never waits for
# the command: when to look again is the operator's decision. It only reads (the wrapper's
# state dir and /proc) and never kills anything.
#
# Needs from lib.sh: task_uid, same, load_state, find_marked, pause. Besides builtins it
# uses only tr, grep, wc, head (or dd), tail and sleep. Run as
#   sh -c "$LIB$OBSERVER" exectask-observer UID TOKEN
# Prints one line on stdout:
#   exectask-observer exited=N          the command ended with status N (128+signal when
#                                       killed by one), as the wrapper recorded
#   exectask-observer failed SENTENCE   the wrapper never started the command, and why
#                                       (its input was cut short, say)
#   exectask-observer lost              it ran, but ended with no status recorded (the
#                                       wrapper was killed, say)
#   exectask-observer running           it still runs: ask again later
#   exectask-observer running-untracked no state dir, but processes carrying the marker
#                                       or the token are alive
#   exectask-observer absent            neither a state dir nor a marked process
# then, for each stream the wrapper keeps a record of (see wrapper.sh), a line
#   exectask-output STREAM LENGTH       STREAM stdout or stderr
# followed by LENGTH bytes: "TOTAL\n", how many bytes the command wrote to the stream in all,
# and the last 4 KiB of them (fewer when it wrote fewer), from the stream's log.
# Exit codes: 0 with those lines, 2 on a malformed call (nothing printed).

task_uid "$1" "$2" exectask-observer
# A state dir without its pid record yet is looked at again, for at most a second.
interval=0.25

say() {
  echo "exectask-observer $1"
  [ -z "$state" ] || for s_stream in stdout stderr; do
    # One open file, measured and copied through /proc/self/fd: the relay appends to its log
    # and renames a shorter one into place at any time, and the total and the tail printed
    # must be of the same bytes. "command": a failed redirection of a bare exec would end
    # the shell.
    { command exec 4<"$state/$s_stream.log"; } 2>/dev/null || continue
    # Its first line is the stream offset of the data after it. Empty, or shorter than
    # measured: the relay has only just created it.
    s_len=$(wc -c </proc/self/fd/4) && s_len=$((s_len + 0)) &&
      IFS= read -r s_base <&4 && case $s_base in '' | *[!0-9]*) false ;; esac &&
      s_data=$((s_len - ${#s_base} - 1)) && [ "$s_data" -ge 0 ] || {
      exec 4<&-
      continue
    }
    s_keep=$s_data
    [ "$s_keep" -le 4096 ] || s_keep=4096
    s_total=$((s_base + s_data))
    echo "exectask-output $s_stream $((${#s_total} + 1 + s_keep))"
    echo "$s_total"
    first "$s_len" </proc/self/fd/4 | tail -c "$s_keep"
    exec 4<&-
  done
  exit 0
}

# The first $1 bytes of a regular file on stdin: head -c, or one read of dd where head has no -c
# (it refuses the option before it reads).
first() {
  head -c "$1" 2>/dev/null || dd bs="$1" count=1 2>/dev/null
}

untracked() {
  find_marked
  if [ "$marked" = ' ' ]; then say absent; else say running-untracked; fi
}

# The wrapper writes each record in one write: what is there, with its newline, is the final
# word.
exited() {
  e_why=
  IFS= read -r e_why 2>/dev/null <"$state/failed" && say "failed $e_why"
  e_code=
  read -r e_code e_rest 2>/dev/null <"$state/exit" || e_code=
  case $e_code in '' | *[!0-9]*) return 1 ;; esac
  say "exited=$e_code"
}

polls=0
while :; do
  load_state
  # No dir: never tracked, or the killer removed it once the tree was gone.
  [ -n "$state" ] || untracked
  exited
  if [ "$w_pid" = 0 ]; then
    # The wrapper writes its record just after the dir; a dir still without one belongs
    # to a wrapper that carried on untracked.
    [ "$polls" -lt 4 ] || untracked
  elif ! same "$w_pid" "$w_start" && { [ "$c_pid" = 0 ] || ! same "$c_pid" "$c_start"; }; then
    exited
    say lost
  fi
  [ "$w_pid" = 0 ] || say running
  polls=$((polls + 1))
  pause
done
