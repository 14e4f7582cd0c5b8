#!/bin/sh
# service.sh NAME LOG [ignore]: one benchmark service. Starts three
# grandchildren (two in its process group, one that left it with setsid),
# appends "up NAME" to LOG, then waits. With `ignore`, SIGTERM is ignored by
# the service and, through the inherited SIG_IGN, by its grandchildren.
name=$1 log=$2
[ "$3" = ignore ] && trap '' TERM
sleep 3600 &
sleep 3600 &
setsid sleep 3600 &
echo "up $name" >> "$log"
while :; do wait; done
