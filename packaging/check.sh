#!/usr/bin/env bash
# Build the one-folder bundle on Linux and run its self-test; print the bundle's size and the
# self-test's time.  Not part of the normal test suite (the build takes minutes):
#     source /work/venv/bin/activate   # pilot-eval + PyInstaller installed
#     packaging/check.sh [WORK_DIR]
# Exits non-zero when the build or the self-test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-$(mktemp -d -t pilot-eval-check.XXXXXX)}"
mkdir -p "$work"
dist="$work/dist"
out="$work/self-test"

python -c "import PyInstaller" 2>/dev/null || {
    echo "PyInstaller is not installed in this environment (pip install pyinstaller)" >&2
    exit 2
}

echo "== building into $dist"
python "$here/build.py" --dist "$dist" --work "$work/build" > "$work/build.log" 2>&1 || {
    tail -40 "$work/build.log" >&2
    echo "build failed; full log: $work/build.log" >&2
    exit 1
}

bundle="$dist/pilot-eval"
echo "== bundle: $bundle ($(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) files)"
test -f "$bundle/_internal/THIRD-PARTY-NOTICES.txt" || { echo "THIRD-PARTY-NOTICES missing" >&2; exit 1; }

# Without a network: in a new network namespace (no interfaces up) when the kernel allows it.
offline=()
if unshare -rn true 2>/dev/null; then
    offline=(unshare -rn)
    echo "== self-test, with no network (unshare -rn: a network namespace without interfaces)"
else
    echo "== self-test (unshare -rn is not available here: run it with the network off yourself)"
fi
# A clean home: settings, logs and the matplotlib cache must be created from nothing.
export PILOT_EVAL_HOME="$work/home"
unset MPLCONFIGDIR
start=$(date +%s.%N)
status=0
"${offline[@]}" "$bundle/pilot-eval-cli" --self-test "$out" || status=$?
end=$(date +%s.%N)
printf '== self-test exit code %d, wall time %.1f s\n' "$status" "$(echo "$end - $start" | bc)"
test -d "$PILOT_EVAL_HOME/matplotlib" || { echo "matplotlib cache not in the user's folder" >&2; exit 1; }
"$bundle/pilot-eval-cli" --version

echo "== the window starts (offscreen; closed after 15 s)"
window=0
QT_QPA_PLATFORM=offscreen timeout 15 "${offline[@]}" "$bundle/pilot-eval" || window=$?
if [ "$window" != 124 ]; then  # 124: still running when timeout stopped it
    echo "the window exited by itself (exit code $window)" >&2
    status=1
fi
leftover=$(find "$bundle" \( -name '*Qt6Network*' -o -name '*arrow_flight*' -o -name '*qvnc*' \) | head -3)
if [ -n "$leftover" ]; then
    echo "network-capable libraries in the bundle: $leftover" >&2
    status=1
fi
exit "$status"
