# exectask WRAPPER: runs one ExecTask's command inside the container so that it can be
# found, killed and accounted for later. Closing an exec connection never kills what it
# started, so the operator needs the marker and the state this script leaves behind.
#
# Portable POSIX sh (dash, busybox ash, bash); besides builtins it uses only mkdir, mv,
# rm, head (or dd) and, when present, setsid. Run as
#   sh -c "$WRAPPER" exectask-wrapper UID STDIN_BYTES WORKDIR ENVCOUNT \
#         NAME=VALUE... (ENVCOUNT of them) ARGV0 ARGS...
#   UID          the task's metadata.uid ([A-Za-z0-9-]+); exported as EXECTASK_UID
#   STDIN_BYTES  "-": the command reads /dev/null; N (0..262144): exactly N bytes are read
#                from this exec's stdin, which never reaches end-of-file (the v4 exec
#                protocol cannot half-close it), and the command reads them, then EOF
#   WORKDIR      directory to run in; empty: the container's default
#   NAME=VALUE   exported to the command only, values verbatim
#   ARGV0 ARGS   the command, run as exec would run it (ARGV0 looked up in PATH)
#
# Output: nothing of its own on success; stdout and stderr belong to the command.
# Exit codes: the command's status as sh reports it (128+N when killed by signal N,
# 127 when ARGV0 is not found); 126 when WORKDIR cannot be entered or stdin cannot be
# buffered, with one line "exectask: ..." on stderr; 2 on a malformed call.
#
# State dir (first writable of ${TMPDIR:-/tmp}/.exectask/UID, /dev/shm/.exectask/UID;
# none: carry on untracked), read by the killer and the observer:
#   pid    "WRAPPER_PID COMMAND_PID COMMAND_STARTTIME WRAPPER_STARTTIME" (starttime: field
#          22 of /proc/PID/stat, to tell a reused pid); COMMAND_* are 0 until it starts
#   exit   the command's exit status, written once it has ended
#   stdin  the buffered input, removed when the command ends

fail() {
  printf 'exectask: %s\n' "$2" >&2
  exit "$1"
}

[ "$#" -ge 5 ] || fail 2 'wrapper called with too few arguments'
uid=$1 stdin_bytes=$2 workdir=$3 envcount=$4
shift 4
case $uid in '' | *[!A-Za-z0-9-]*) fail 2 'wrapper called with an invalid task uid' ;; esac
case $envcount in '' | *[!0-9]*) fail 2 'wrapper called with an invalid variable count' ;; esac
[ "$#" -gt "$envcount" ] || fail 2 'wrapper called without a command'

# The starttime of a process (empty if it is gone): the pid alone may be reused.
starttime() {
  st_line=
  IFS= read -r st_line 2>/dev/null <"/proc/$1/stat"
  set -- ${st_line##*)}
  st_value=${20}
}

# Writes through a temporary file and a rename so that a reader never sees half a file.
publish() {
  printf '%s\n' "$2" >"$state/$1.tmp" && mv -f "$state/$1.tmp" "$state/$1"
} 2>/dev/null

# A relative TMPDIR would point elsewhere for the killer, which runs in another directory.
case ${TMPDIR:-} in /*) tmp=$TMPDIR ;; *) tmp=/tmp ;; esac
state=
for base in "$tmp" /dev/shm; do
  if mkdir -p -m 700 "$base/.exectask/$uid" 2>/dev/null && [ -w "$base/.exectask/$uid" ]; then
    state=$base/.exectask/$uid
    break
  fi
done
starttime $$
wrapper_start=$st_value
[ -z "$state" ] || publish pid "$$ 0 0 $wrapper_start" || state=

input=/dev/null
case $stdin_bytes in
  -) ;;
  '' | *[!0-9]*) fail 2 'wrapper called with an invalid stdin size' ;;
  *)
    [ -n "$state" ] || fail 126 "cannot buffer stdin: no writable directory in $tmp or /dev/shm"
    input=$state/stdin
    # Exactly N bytes and no more: waiting for end-of-file would wait forever. dd with
    # bs=1 is the fallback for a head without -c; a short pipe read cannot fool it.
    if head -c 0 </dev/null >/dev/null 2>&1; then
      head -c "$stdin_bytes" >"$input"
    else
      dd bs=1 count="$stdin_bytes" of="$input" 2>/dev/null
    fi || fail 126 'cannot buffer stdin'
    ;;
esac

# "./" keeps a directory named "-..." from reading as an option or as OLDPWD; CDPATH=
# keeps cd from looking elsewhere, and from printing where it went on the command's stdout.
case $workdir in -*) target=./$workdir ;; *) target=$workdir ;; esac
if [ -n "$workdir" ] && ! CDPATH= cd "$target" 2>/dev/null; then
  if [ ! -e "$workdir" ]; then
    why='No such file or directory'
  elif [ ! -d "$workdir" ]; then
    why='Not a directory'
  else
    why='Permission denied'
  fi
  fail 126 "cannot change to working directory $workdir: $why"
fi

# A session of its own makes the command the leader of a process group the killer can
# signal as a whole; without setsid it stays in ours and the killer relies on the marker.
setsid=$(command -v setsid 2>/dev/null) || setsid=
(
  while [ "$envcount" -gt 0 ]; do
    export "$1"
    shift
    envcount=$((envcount - 1))
  done
  # Exported last, so that no user variable can override the marker.
  export EXECTASK_UID="$uid"
  [ -n "$setsid" ] || exec "$@"
  case $1 in -*) exec "$setsid" -- "$@" ;; esac
  exec "$setsid" "$@"
) <"$input" &
command_pid=$!
starttime "$command_pid"
[ -z "$state" ] || publish pid "$$ $command_pid ${st_value:-0} $wrapper_start"

# busybox ash reports a job killed by a signal ("Killed") on stderr, which is the command's.
wait "$command_pid" 2>/dev/null
status=$?
if [ -n "$state" ]; then
  publish exit "$status"
  rm -f "$state/stdin" 2>/dev/null
fi
exit "$status"
