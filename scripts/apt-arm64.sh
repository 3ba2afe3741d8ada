#!/bin/sh
# SPDX-License-Identifier: MIT
# apt for Debian's arm64 packages, in a private state directory: the
# system's sources, lists and dpkg database stay as they are (no
# dpkg --add-architecture). Packages are downloaded, never installed.
#   apt-arm64.sh DIR apt-get ARGS...   (e.g. download PKG, install
#                                       --download-only PKG)
#   apt-arm64.sh DIR apt-cache ARGS... (e.g. depends PKG)
# DIR holds sources.list, the lists, an empty dpkg status and the archive
# cache; the lists are fetched on first use and when older than a day.
set -eu
dir=$1
tool=$2
shift 2
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
[ -f "$dir/status" ] || : >"$dir/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$dir/sources.list.tmp" <<SRC
deb [arch=arm64 signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb [arch=arm64 signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb [arch=arm64 signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
SRC
mv "$dir/sources.list.tmp" "$dir/sources.list"
opts="-o APT::Architecture=arm64 -o APT::Architectures::=arm64
-o Dir::Etc::SourceList=$dir/sources.list -o Dir::Etc::SourceParts=/dev/null
-o Dir::State::Lists=$dir/lists -o Dir::State::status=$dir/status
-o Dir::Cache=$dir/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q"
case $dir in *[!A-Za-z0-9._/+@:~-]*) echo "apt-arm64: '$dir' has special characters" >&2; exit 1 ;; esac
if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n1)" ]; then
	# shellcheck disable=SC2086
	apt-get $opts update >/dev/null
fi
# shellcheck disable=SC2086
exec "$tool" $opts "$@"
