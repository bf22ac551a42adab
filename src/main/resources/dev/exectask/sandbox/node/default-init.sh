# PID 1 of a container whose pod gives neither command nor args, standing in for an image's init.
# It sleeps and reaps: `wait` without operands calls waitpid(-1) in dash and bash, so it collects
# every orphan the kernel reparents to PID 1, not only its own background sleep. TERM ends it with
# status 0, as a graceful stop would.
trap 'exit 0' TERM
while :; do sleep 3600 & wait; done
