# exectask OBSERVER: finds out what became of a command that the wrapper runs or ran,
# when the operator cannot hear it from the exec that started it (an operator restart, a
# connection that failed or was cut). It answers at once with a snapshot, never waits for
# the command: when to look again is the operator's decision. It only reads (the wrapper's
# state dir and /proc) and never kills anything.
#
# Needs from lib.sh: task_uid, same, load_state, find_marked, pause. Besides builtins it
# uses only tr, grep, wc, cat and sleep. Run as
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
# followed by the LENGTH bytes of the record as they are: "TOTAL\n" and the stream's tail.
# Exit codes: 0 with those lines, 2 on a malformed call (nothing printed).

task_uid "$1" "$2" exectask-observer
# A state dir without its pid record yet is looked at again, for at most a second.
interval=0.25

say() {
  echo "exectask-observer $1"
  [ -z "$state" ] || for s_stream in stdout stderr; do
    # One open file, measured and copied through /proc/self/fd: the relay renames a new
    # record into place at any time, and length and bytes must be of the same one.
    # "command": a failed redirection of a bare exec would end the shell.
    { command exec 4<"$state/$s_stream.rec"; } 2>/dev/null || continue
    s_len=$(wc -c </proc/self/fd/4) || continue
    s_len=$((s_len + 0))
    # Empty: the relay has only just created it.
    [ "$s_len" -gt 0 ] || {
      exec 4<&-
      continue
    }
    echo "exectask-output $s_stream $s_len"
    cat <&4
    exec 4<&-
  done
  exit 0
}

untracked() {
  find_marked
  if [ "$marked" = ' ' ]; then say absent; else say running-untracked; fi
}

# The wrapper renames its records into place whole, so what is there is the final word.
exited() {
  e_why=
  { IFS= read -r e_why || [ -n "$e_why" ]; } 2>/dev/null <"$state/failed" && say "failed $e_why"
  e_code=
  read -r e_code e_rest 2>/dev/null <"$state/exit"
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
