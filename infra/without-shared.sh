#!/usr/bin/env bash
# Runs a command with ../shared (the optional extras beside the repository: benchmark
# peers, the Compose schema) hidden, as in a clone with nothing beside it. `make test`
# runs itself this way, so that anything the repository needs and does not hold fails
# there, not on a new user's machine.
#
#   infra/without-shared.sh COMMAND [ARG...]
#
# Hiding mounts an empty, read-only tmpfs over ../shared in a private mount namespace
# (unshare, which needs root): only COMMAND and its children see the empty folder, and
# the mount goes away when they exit; nothing changes for anyone else. Without
# ../shared, COMMAND runs as it is. Where ../shared cannot be hidden (not root, or no
# unshare), COMMAND runs with it visible, after saying so. COMMAND sees
# SLUICE_SHARED=hidden, absent or visible.
set -euo pipefail
SLUICE_COMPONENT=without-shared
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($# >= 1)) || die "usage: $0 COMMAND [ARG...]"

shared=$(cd "$SLUICE_REPO/.." && pwd)/shared
if [[ ! -e $shared ]]; then
    SLUICE_SHARED=absent exec "$@"
fi
if [[ $(id -u) != 0 ]] || ! command -v unshare >/dev/null; then
    say "cannot hide $shared (a mount namespace needs root and unshare): running with it visible"
    SLUICE_SHARED=visible exec "$@"
fi
say "hiding $shared from: $*"
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private -- env SLUICE_SHARED=hidden bash -c '
    mount -t tmpfs -o ro,size=16k,mode=0555 sluice-hides-shared "$1" || exit 1
    shift
    exec "$@"
' hide "$shared" "$@"
