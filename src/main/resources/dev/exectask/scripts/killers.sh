# exectask KILLERS: the killer (killer.sh) for several tasks of one container in one exec,
# so that kills due at the same moment in the same container cost one exec connection and
# one shell, not one each. InContainerScripts defines killer.sh as the function kill_one
# ahead of this. Run as
#   sh -c "$LIB$KILL_ONE$KILLERS" exectask-killers GRACE_SECONDS UID TOKEN [UID TOKEN ...]
# Each task's killer runs at once in a subshell of its own, side by side (the grace
# periods run together, not one after another); a subshell of this shell is never
# collected into a tree (the killer leaves out this shell and its children).
#
# Output: one line per task on stdout, in the order the killers end,
#   UID exectask-killer signalled=N remaining=M[ exited=S[ at=EPOCH]]
# (the killer's line, see killer.sh); a task whose uid or token is malformed gets none,
# and its killer's complaint goes to stderr. Exit 0 once every killer has ended, 2 on a
# malformed call (nothing done).

number "$1" 'grace period' exectask-killers
k_grace=$number
shift
if [ $# -lt 2 ] || [ $(($# % 2)) != 0 ]; then
  echo "exectask-killers: expected UID TOKEN pairs" >&2
  exit 2
fi
while [ $# -ge 2 ]; do
  (
    k_line=$(kill_one "$1" "$2" "$k_grace")
    [ -z "$k_line" ] || echo "$1 $k_line"
  ) &
  shift 2
done
wait
