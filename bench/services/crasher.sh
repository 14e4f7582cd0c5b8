#!/bin/bash
# crasher.sh LOG: a service that crashes after 150 ms, logging its start and
# its exit so the restart latency (exit -> next start) can be read back:
# "start <s.µs>" and "exit <s.µs>". bash's $EPOCHREALTIME is a builtin, so
# stamping forks nothing (date would add a fork+exec to each stamp).
echo "start $EPOCHREALTIME" >> "$1"
sleep 0.15
echo "exit $EPOCHREALTIME" >> "$1"
exit 1
