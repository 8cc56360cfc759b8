#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection for test_extcap_capture.sh, NOT a stand-in for ctrcap: a
# "helper" that ignores SIGTERM, the one case the real ctrcap cannot be made
# to produce (it always handles SIGTERM), to prove that ctrcapdump kills a
# helper that does not stop within CAPTURE_STOP_TIMEOUT_MS. It writes its
# pid to $CEXT_STUBBORN_PIDFILE and sleeps at most 30 s, ignoring SIGTERM
# (an ignored signal stays ignored across exec).
trap '' TERM
echo $$ >"${CEXT_STUBBORN_PIDFILE:?}"
exec sleep 30
