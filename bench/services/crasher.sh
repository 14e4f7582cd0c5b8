#!/bin/sh
# crasher.sh LOG: a service that crashes after LIFE seconds (150ms), logging
# its start and its exit in ns so the restart latency (exit -> next start) can
# be read back: "start <ns>" and "exit <ns>".
echo "start $(date +%s%N)" >> "$1"
sleep 0.15
echo "exit $(date +%s%N)" >> "$1"
exit 1
