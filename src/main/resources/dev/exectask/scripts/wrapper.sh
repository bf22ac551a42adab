# exectask WRAPPER: runs one ExecTask's command inside the container so that it can be
# found, killed and accounted for later. Closing an exec connection never kills what it
# started, so the operator needs the marks and the state this script leaves behind.
#
# Needs from lib.sh: task_uid, number, proc, state_bases, pause. Besides builtins it uses mkdir,
# mv, rm, wc, tail, dd, env, head (or dd) and, when present, mkfifo, setsid and date. Run as
#   sh -c "$LIB$WRAPPER" exectask-wrapper UID TOKEN PAYLOAD_BYTES
#   UID            the task's metadata.uid ([A-Za-z0-9-]+); the marker EXECTASK_UID=UID
#   TOKEN          the task's CPU-time token: the command's soft RLIMIT_CPU (see lib.sh)
#   PAYLOAD_BYTES  how many bytes the operator writes to this exec's stdin, which never
#                  reaches end-of-file (the v4 exec protocol cannot half-close it)
# Nothing the user wrote travels as an argument (exec arguments land in the API server's
# audit log and in /proc/PID/cmdline): the payload carries it. It is a header of lines,
#   a ARG          one per argv item, in order
#   e NAME=VALUE   one per environment variable, in order
#   w DIR          the working directory (none: the container's default)
#   i N            the command reads the N bytes after the header, then end-of-file
#                  ("i -": it reads /dev/null)
#   .              end of the header
# then the N raw bytes. Each field is printf %b text: every byte outside [A-Za-z0-9_./=:,+@-]
# is an octal escape \0NNN, so newlines, quotes, backslashes and any other byte survive;
# the decoded values are never evaluated as shell code.
#
# The command runs as `env NAME=VALUE... EXECTASK_UID=UID ARGV...`: the variables never
# pass through this shell, so a name the shell uses itself (uid, state, IFS, PATH, and
# UID, EUID or PPID, read-only in bash) reaches the command verbatim and the marker, set
# last, cannot be overridden. A container without env(1) gets a clear failure: exporting
# through the shell would silently drop or refuse such names.
#
# Output: nothing of its own on success; stdout and stderr belong to the command.
# Exit codes: the command's status as sh reports it (128+N when killed by signal N,
# 127 when ARGV0 is not found); 126 when the payload arrives short, WORKDIR cannot be
# entered or there is no env(1), with one line "exectask: ..." on stderr (and, for a cut
# payload, the same sentence in the state dir's "failed"); 2 on a malformed call.
#
# State dir (first writable of ${TMPDIR:-/tmp}/.exectask/UID, /dev/shm/.exectask/UID;
# none: the command is not started), read by the killer and the observer:
#   pid      "WRAPPER_PID COMMAND_PID COMMAND_STARTTIME WRAPPER_STARTTIME" (starttime:
#            field 22 of /proc/PID/stat, to tell a reused pid); COMMAND_* 0 until it starts
#   exit     "STATUS [EPOCH_SECONDS]": the command's exit status and when it ended
#   failed   one sentence: why the command was never started
#   stdin    the command's input, removed when the command ends (the header is read with
#            the read builtin, a byte at a time, and never reaches the disk)
#   stdout.log, stderr.log
#            a line "BASE", the stream offset of the bytes after it, then the command's
#            output from that offset on: the relay appends each chunk, and past 16 KiB
#            renames into place a log that starts again from the last 4 KiB; empty for a
#            moment at first, before its first line "0" is written
#   stdout.fifo, stderr.fifo, stdout.count, stderr.count
#            the relays' FIFOs and what dd said of the last chunk, removed once the command
#            and its relays are done
# Every record but the logs is one line written in place by one write: see publish.
# Beside the state dir, UID.killed is a killer's tombstone (see killer.sh): a wrapper that
# finds one in a base once its pid record is written fails with 126 and runs nothing.
#
# Output relay. The command writes into two FIFOs; one relay per stream reads them in
# chunks of at most 64 KiB, appends each chunk to the stream's log and passes it on from
# there to this exec's stdout or stderr: two processes per chunk (dd, tail). So the log, not
# the exec connection, is what knows the output: a connection cut (or an operator restart)
# loses nothing of the totals or the last 4 KiB, and a relay whose stream is gone goes on
# reading (a write that fails is ignored), so the command is never stopped by a dead
# connection. Disk use per stream: the log (under 16 KiB and a chunk of 64 KiB, plus 4 KiB
# while it starts again): under 84 KiB, 168 KiB per task. The relays are children of this
# wrapper, not of the command:
# they carry no mark and are not the killer's business; they end when the last writer of
# their FIFO is gone, which is when the command's tree is. Without mkfifo the command
# writes to the exec streams directly and no record is kept.

[ "$#" -eq 3 ] || {
  echo 'exectask: wrapper called with the wrong number of arguments' >&2
  exit 2
}
task_uid "$1" "$2" exectask-wrapper
number "$3" 'payload size' exectask-wrapper
payload_bytes=$number

# Writes a record in place, in one write (no mv to run): Linux grows a file's size only once
# the bytes written are in it, so a reader finds the record empty or whole, and takes empty
# (or a line without its newline) as no record yet.
publish() {
  printf '%s\n' "$2" >"$state/$1"
} 2>/dev/null

fail() {
  [ -z "$state" ] || [ "$1" != 126 ] || publish failed "$2"
  printf 'exectask: %s\n' "$2" >&2
  exit "$1"
}

state_bases
state=
for base in $bases; do
  if mkdir -p -m 700 "$base/.exectask/$uid" 2>/dev/null && [ -w "$base/.exectask/$uid" ]; then
    state=$base/.exectask/$uid
    break
  fi
done
proc $$
wrapper_start=$p_start
[ -z "$state" ] || publish pid "$$ 0 0 $wrapper_start" || state=

[ -n "$state" ] || fail 126 "cannot buffer the task's input: no writable directory in $bases"

# A killer that came before this exec left a tombstone (see killer.sh): the task is over,
# and its command never starts. Looked for after the pid record is written: a killer that
# writes its tombstone later finds this wrapper instead, and kills it.
for base in $bases; do
  [ ! -e "$base/.exectask/$uid.killed" ] ||
    fail 126 'the task was killed before its command could start'
done

# A dropped connection ends stdin early: never run the command on a prefix of its input.
cut_short() {
  fail 126 "stdin was cut short: got $1 of $payload_bytes bytes"
}

# A field without an escape is its own value: no subshell for it.
decode() {
  case $1 in
    *\\*)
      d_value=$(printf '%bx' "$1")
      d_value=${d_value%x}
      ;;
    *) d_value=$1 ;;
  esac
}

# The header lists the variables first, then the argv: the marker goes between them, last
# of the assignments. It is read from stdin itself, which never reaches end-of-file: the
# read builtin takes a pipe a byte at a time, so nothing past the "." line is consumed.
# Every header byte is ASCII (see above): a line's length is its size in bytes.
set --
workdir= input= args=0 got=0
while :; do
  line=
  IFS= read -r line || cut_short $((got + ${#line}))
  got=$((got + ${#line} + 1))
  [ "$got" -le "$payload_bytes" ] || fail 2 'wrapper got a malformed payload'
  case $line in
    'e '*)
      [ "$args" = 0 ] || fail 2 'wrapper got a malformed payload'
      decode "${line#e }"
      set -- "$@" "$d_value"
      ;;
    'a '*)
      decode "${line#a }"
      [ "$args" != 0 ] || {
        set -- "$@" "$marker"
        argv0=$d_value
      }
      set -- "$@" "$d_value"
      args=$((args + 1))
      ;;
    'w '*) decode "${line#w }" && workdir=$d_value ;;
    'i '*) input=${line#i } ;;
    .) break ;;
    *) fail 2 'wrapper got a malformed payload' ;;
  esac
done
[ "$args" != 0 ] || fail 2 'wrapper got a payload without a command'

# The command's input follows the header: exactly that many bytes and no more. dd with bs=1
# is the fallback for a head without -c (which refuses the option before it reads); a short
# pipe read cannot fool it, and input that arrives short is caught by its size.
case $input in
  -) input=/dev/null stdin_bytes=0 ;;
  '' | *[!0-9]*) fail 2 'wrapper got a malformed payload' ;;
  0) : >"$state/stdin" && input=$state/stdin stdin_bytes=0 || fail 126 'cannot buffer stdin' ;;
  *)
    stdin_bytes=$input
    input=$state/stdin
    head -c "$stdin_bytes" >"$input" 2>/dev/null ||
      dd bs=1 count="$stdin_bytes" of="$input" 2>/dev/null ||
      fail 126 'cannot buffer stdin'
    s_got=$(wc -c <"$input")
    [ "$((s_got + 0))" = "$stdin_bytes" ] || cut_short $((got + s_got))
    ;;
esac
[ $((got + stdin_bytes)) = "$payload_bytes" ] || fail 2 'wrapper got a malformed payload'

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

# Where a program is on PATH, found with builtins (command -v would cost a subshell).
lookup() {
  found=
  l_ifs=$IFS
  IFS=:
  for l_dir in $PATH; do
    [ -n "$l_dir" ] && [ -f "$l_dir/$1" ] && [ -x "$l_dir/$1" ] && found=$l_dir/$1 && break
  done
  IFS=$l_ifs
  [ -n "$found" ] || found=$(command -v "$1" 2>/dev/null)
}
lookup env
env=$found
[ -n "$env" ] || fail 126 'the container has no env command, which the wrapper needs to pass the environment verbatim'
# env(1) takes every leading NAME=VALUE as an assignment: a program whose name holds "="
# is started through sh -c 'exec "$0" "$@"', placed between the assignments and the argv.
case $argv0 in
  *=*)
    i=$(($# - args))
    while [ "$i" -gt 0 ]; do
      set -- "$@" "$1"
      shift
      i=$((i - 1))
    done
    set -- "$@" sh -c 'exec "$0" "$@"'
    i=$args
    while [ "$i" -gt 0 ]; do
      set -- "$@" "$1"
      shift
      i=$((i - 1))
    done
    ;;
esac

# Reads the FIFO $2 to its end, appending each chunk to the log $1.log (see above) and
# relaying it to fd 1 from there. r_base is the log's first line, r_size its data's length.
relay() {
  r_log=$state/$1.log r_count=$state/$1.count r_base=0 r_size=0
  # Written in place, not renamed (one mv fewer): a reader that comes before this one write
  # sees the log empty, which the observer takes as no log yet.
  echo 0 >"$r_log" 2>/dev/null
  exec 3<"$2"
  while dd bs=65536 count=1 <&3 2>"$r_count" >>"$r_log"; do
    # dd's last line says how many bytes it copied (GNU, busybox and toybox alike: "N bytes"
    # or "1 byte"); the log's size says it where it does not.
    r_got=
    while read -r r_n r_unit r_rest; do
      case $r_unit in byte | bytes) r_got=$r_n ;; esac
    done <"$r_count" 2>/dev/null
    case $r_got in
      '' | *[!0-9]*)
        r_got=$(wc -c <"$r_log") || break
        r_got=$((r_got - ${#r_base} - 1 - r_size))
        ;;
    esac
    [ "$r_got" -gt 0 ] || break
    r_size=$((r_size + r_got))
    tail -c "$r_got" "$r_log" 2>/dev/null
    # Past 16 KiB of data the log starts again from its last 4 KiB, renamed into place whole.
    [ "$r_size" -ge 16384 ] || continue
    r_next=$((r_base + r_size - 4096))
    { echo "$r_next" && tail -c 4096 "$r_log"; } >"$r_log.tmp" 2>/dev/null &&
      mv -f "$r_log.tmp" "$r_log" 2>/dev/null && r_base=$r_next r_size=4096
  done
  exec 3<&-
  [ ! -e "$state/exit" ] || rm -f "$r_count" 2>/dev/null
}

relay_out= relay_err=
# Clears the FIFOs' names (left by an earlier run of this task); no rm when there are none.
fifos_gone() {
  for f_name in stdout.fifo stderr.fifo; do
    if [ -e "$state/$f_name" ] || [ -h "$state/$f_name" ]; then
      rm -f "$state/stdout.fifo" "$state/stderr.fifo"
      return
    fi
  done
}
if command -v mkfifo >/dev/null 2>&1 && fifos_gone &&
  mkfifo -m 600 "$state/stdout.fifo" "$state/stderr.fifo" 2>/dev/null; then
  relay stdout "$state/stdout.fifo" </dev/null &
  relay_out=$!
  relay stderr "$state/stderr.fifo" </dev/null >&2 &
  relay_err=$!
fi

# A session of its own makes the command the leader of a process group the killer can
# signal as a whole; without setsid it stays in ours and the killer relies on the marks.
lookup setsid
setsid=$found
launch() {
  # Inherited by every descendant, whatever its uid, environment or title; only a hard
  # limit below the token (rare) keeps the command from carrying it.
  ulimit -S -t "$token" 2>/dev/null
  [ -n "$setsid" ] || exec "$env" -- "$@"
  exec "$setsid" "$env" -- "$@"
}
if [ -n "$relay_out" ]; then
  launch "$@" <"$input" >"$state/stdout.fifo" 2>"$state/stderr.fifo" &
else
  launch "$@" <"$input" &
fi
command_pid=$!
proc "$command_pid" || p_start=0
publish pid "$$ $command_pid $p_start $wrapper_start"

# busybox ash reports a job killed by a signal ("Killed") on stderr, which is the command's.
wait "$command_pid" 2>/dev/null
status=$?
# The last chunks reach the records before the exit is published, so an exit read from the
# state dir comes with the final totals; a descendant that keeps a stream open (a daemon
# started with "&") keeps its relay going, and the exit is not held back for it.
r_wait=20
while [ "$r_wait" -gt 0 ] && { proc "${relay_out:-0}" || proc "${relay_err:-0}"; }; do
  pause
  r_wait=$((r_wait - 1))
done
publish exit "$status $(date +%s 2>/dev/null)"
# One rm for what the relays and the command's input leave; a relay that outlives the wait
# above removes its own count once it ends.
set -- "$state/stdout.fifo" "$state/stderr.fifo" "$state/stdout.count" "$state/stderr.count"
[ "$input" = /dev/null ] || set -- "$@" "$state/stdin"
rm -f "$@" 2>/dev/null
exit "$status"
