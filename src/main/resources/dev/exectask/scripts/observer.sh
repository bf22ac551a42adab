# exectask OBSERVER: after an operator restart, finds out what became of a command that
# an earlier operator started under the wrapper, waiting for it to end if it still runs.
# It only reads (the wrapper's state dir and /proc) and never kills anything.
#
# Portable POSIX sh (dash, busybox ash, bash); besides builtins it uses only tr, grep and
# sleep. InContainerScripts sends it after the helpers of killer.sh (find_marked,
# load_state, same, pause, task_uid), as
#   sh -c "$HELPERS$OBSERVER" exectask-observer UID
# Blocks while the state dir exists and the wrapper or the command is alive (same pid and
# starttime as recorded), then prints exactly one line on stdout:
#   exectask-observer exited=N          the command ended with status N (128+signal when
#                                       killed by one), as the wrapper recorded
#   exectask-observer lost              it ran, but ended with no status recorded (the
#                                       wrapper was killed, say)
#   exectask-observer running-untracked no state dir, but processes carrying the marker
#                                       are alive (printed at once, without waiting)
#   exectask-observer absent            neither a state dir nor a marked process
# Exit codes: 0 with one of those lines, 2 on a malformed call (nothing printed).

task_uid "$1" exectask-observer
# An observer may wait for hours: poll less often than the killer.
interval=0.5

say() {
  echo "exectask-observer $1"
  exit 0
}

untracked() {
  find_marked
  if [ "$marked" = ' ' ]; then say absent; else say running-untracked; fi
}

# The wrapper renames its exit record into place whole, so a number is the final word.
exited() {
  e_code=
  read -r e_code 2>/dev/null <"$state/exit"
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
  polls=$((polls + 1))
  pause
done
