#!/bin/sh
# setup.sh - install the Debian packages clubmatch needs, when missing.
#
#   tools/setup.sh build   compiler and libraries (make run)
#   tools/setup.sh test    + test tools: SMTP server, calendar parsers, Chromium,
#                          clang (libFuzzer: make fuzz, and make test),
#                          systemd (only for systemd-analyze verify of the
#                          docs/ units; a minimal Debian has no systemd)
#   tools/setup.sh bench   + nginx and wrk, for the benchmark's baseline only
#
# Runs apt-get (through sudo when not root) only when a package is missing,
# so a second run costs one dpkg-query.
set -eu

BUILD="make gcc libc6-dev pkg-config libmicrohttpd-dev libsqlite3-dev
libical-dev libcurl4-openssl-dev libjansson-dev libssl-dev tzdata
ca-certificates libgmime-3.0-dev"
TEST="python3 faketime python3-aiosmtpd python3-icalendar python3-dateutil
python3-selenium chromium chromium-driver fonts-liberation sqlite3 curl
procps dovecot-imapd openssl clang systemd"
BENCH="nginx-light wrk"

case "${1:-build}" in
build) want="$BUILD" ;;
test) want="$BUILD $TEST" ;;
bench) want="$BUILD $TEST $BENCH" ;;
*) echo "usage: tools/setup.sh build|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "setup: installing$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
