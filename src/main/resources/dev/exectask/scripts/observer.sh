# exectask OBSERVER: finds out what became of a command that the wrapper runs or ran,
# when the operator cannot hear it from the exec that started it (an operator restart, a
# connection that failed or was cut), waiting a while for it to end if it still runs. It
# only reads (the wrapper's state dir and /proc) and never kills anything.
#
# Needs from lib.sh: task_uid, number, same, load_state, find_marked, pause, now. Besides
# builtins it uses only tr, grep and sleep. Run as
#   sh -c "$LIB$OBSERVER" exectask-observer UID TOKEN WAIT_SECONDS
# Blocks while the state dir exists and the wrapper or the command is alive (same pid and
# starttime as recorded), at most WAIT_SECONDS, then prints exactly one line on stdout:
#   exectask-observer exited=N          the command ended with status N (128+signal when
#                                       killed by one), as the wrapper recorded
#   exectask-observer failed SENTENCE   the wrapper never started the command, and why
#                                       (its input was cut short, say)
#   exectask-observer lost              it ran, but ended with no status recorded (the
#                                       wrapper was killed, say)
#   exectask-observer running           still running after WAIT_SECONDS: ask again (an
#                                       exec is never left open for hours)
#   exectask-observer running-untracked no state dir, but processes carrying the marker
#                                       or the token are alive (printed at once)
#   exectask-observer absent            neither a state dir nor a marked process
# Exit codes: 0 with one of those lines, 2 on a malformed call (nothing printed).

task_uid "$1" "$2" exectask-observer
number "$3" wait exectask-observer
wait_seconds=$number
# An observer may wait for minutes: poll less often than the killer.
interval=0.5

say() {
  echo "exectask-observer $1"
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

now
give_up=$((now + wait_seconds * 100))
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
  now
  [ "$now" -lt "$give_up" ] || say running
  polls=$((polls + 1))
  pause
done
