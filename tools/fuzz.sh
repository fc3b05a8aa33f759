#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each in turn (one process at a time).
#
#   tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 300 s; all targets)
#
# Targets: FuzzModel (model files), FuzzARPA (ARPA language models), FuzzBinaryLM (binary language
# models), FuzzManifest (manifests),
# FuzzPCM (raw and WAV streams), FuzzAudioFile (audio files through libsndfile). Each starts from Fuzz/Seeds/<target>/ plus the corpus grown by
# earlier runs in Fuzz/Corpus/<target>/. Crashes, over-allocations (-malloc_limit_mb), memory
# blow-ups (-rss_limit_mb) and slow inputs (-timeout) are saved in Fuzz/Crashes/<target>/; after one,
# the target is restarted for the rest of its time (at most 5 findings per target).
# Prints executions and findings per target; exits 1 when anything was found.
#
# Replay one input:     .build-fuzz/release/FuzzARPA Fuzz/Crashes/FuzzARPA/crash-…
#   (FUZZ_SHOW=1 prints what each input gave: the error, or what loaded)
# Minimise a crash:     .build-fuzz/release/FuzzARPA -minimize_crash=1 -runs=100000 Fuzz/Crashes/FuzzARPA/crash-…
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzModel FuzzARPA FuzzBinaryLM FuzzManifest FuzzPCM FuzzAudioFile)
case "$seconds" in ''|*[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

max_len() {
    case "$1" in
        FuzzModel) echo 4096 ;;    # seeds are ~250 bytes: header, JSON table, a few tensors
        FuzzARPA) echo 4096 ;;     # the tiny trigram seed is 516 bytes
        FuzzBinaryLM) echo 4096 ;; # the compiled tiny trigram is about 1.5 kB
        FuzzManifest) echo 2048 ;; # a few lines of TSV or JSON
        FuzzPCM) echo 1024 ;;      # a WAV header and some frames, or raw frames
        FuzzAudioFile) echo 8192 ;; # an Ogg Vorbis seed's headers alone take about 4 kB
        *) echo "unknown target $1" >&2; exit 2 ;;
    esac
}

scratch="$root/.build-fuzz"
echo "building the fuzz targets (release, -sanitize=fuzzer,address) in $scratch" >&2
# One product at a time: a plain `swift build` would also build the main package's own executables,
# which have entry points of their own and cannot be built with -parse-as-library.
for target in "${targets[@]}"; do
    (cd "$root/Fuzz" && swift build -c release -j 1 --scratch-path "$scratch" --product "$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library) >&2
done
bin="$scratch/release"

summary=()
found_any=0
for target in "${targets[@]}"; do
    len="$(max_len "$target")"
    corpus="$root/Fuzz/Corpus/$target"
    crashes="$root/Fuzz/Crashes/$target"
    log_dir="$root/Fuzz/Logs"
    mkdir -p "$corpus" "$crashes" "$log_dir"
    executions=0
    findings=0
    start=$(date +%s)
    run=0
    while :; do
        left=$(( seconds - ($(date +%s) - start) ))
        [ "$left" -gt 0 ] || break
        run=$((run + 1))
        log="$log_dir/$target.$run.log"
        echo "== $target: run $run, ${left} s, -max_len=$len (log: ${log#$root/})" >&2
        status=0
        # ASan keeps its own allocation checks; leak detection is off (caches live for the process).
        ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0:${ASAN_OPTIONS:-}" \
        "$bin/$target" "$corpus" "$root/Fuzz/Seeds/$target" \
            -max_total_time="$left" -max_len="$len" -timeout=10 \
            -rss_limit_mb=2048 -malloc_limit_mb=1024 \
            -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1 || status=$?
        runs=$(awk '/^stat::number_of_executed_units:/ { n = $2 } END { print n + 0 }' "$log")
        executions=$((executions + runs))
        if [ "$status" -eq 0 ]; then break; fi
        findings=$((findings + 1))
        found_any=1
        artifact=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //')
        reason=$(grep -m1 -E "^==[0-9]+== ERROR|Fatal error|deadly signal|out-of-memory|malloc\(|timeout" "$log" || true)
        echo "   found (exit $status): ${reason:-see log}; input: ${artifact:-none}" >&2
        [ "$findings" -lt 5 ] || break
    done
    elapsed=$(( $(date +%s) - start ))
    summary+=("$(printf '%-13s %6d s  %12d executions  %d crashes' "$target" "$elapsed" "$executions" "$findings")")
done

echo
echo "target          time    executions          crashes (inputs in Fuzz/Crashes/<target>/)"
printf '%s\n' "${summary[@]}"
exit "$found_any"
