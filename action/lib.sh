# shellcheck shell=bash disable=SC2034 # globals for the scripts sourcing this
# Helpers shared by the action's scripts (sourced, never run): step outputs,
# the job summary, annotations, printing untrusted text with workflow
# commands switched off, comment markers and cutting text to a size limit.
# Plain bash 3.2 (macOS runners' /bin/bash): no mapfile, no negative indices.

lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# GitHub drops a step summary over 1 MiB whole; keep some room below it.
summary_limit=1000000

# output NAME VALUE: one step output (a value may span lines).
output() {
    local delimiter
    delimiter="CXTRAIN_$(random_token)"
    printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
}

# Appends stdin to the job summary (a no-op outside Actions).
summary() {
    if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
        cat >>"$GITHUB_STEP_SUMMARY"
    else
        cat >/dev/null
    fi
}

# The data part of a workflow command: `%`, CR and LF escaped, so text never
# ends the command line or starts another.
escape_data() {
    local s=$1
    s="${s//%/%25}"
    s="${s//$'\r'/%0D}"
    s="${s//$'\n'/%0A}"
    printf '%s' "$s"
}

# annotate LEVEL MESSAGE: an error/warning/notice annotation titled cxtrain.
annotate() {
    printf '::%s title=cxtrain::%s\n' "$1" "$(escape_data "$2")"
}

random_token() {
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# Workflow commands off until inert_end: every byte printed in between is
# plain log text, whatever it looks like (`::warning::`, `##[error]`). The
# token is random, so the text cannot know it and switch commands back on.
inert_begin() {
    inert_token="cxtrain-$(random_token)"
    printf '::stop-commands::%s\n' "$inert_token"
}

# inert_end [FILE]: commands back on. FILE is what was printed since
# inert_begin: if it did not end a line, end it, or the resume line would not
# start one.
inert_end() {
    if [[ -n "${1:-}" && -s "$1" && -n "$(tail -c1 -- "$1")" ]]; then
        echo
    fi
    printf '::%s::\n' "$inert_token"
}

# Prints a file with workflow commands off.
print_inert() {
    inert_begin
    cat -- "$1"
    inert_end "$1"
}

# run_streamed STDOUT_FILE LOG_FILE COMMAND...: runs COMMAND with its stdout
# into STDOUT_FILE (or into the log with STDOUT_FILE "-") and its stderr
# shown live and copied into LOG_FILE. Sets $rc; run_inert switches
# commands off around it. One stream, so the log keeps the order.
run_streamed() {
    local stdout_file=$1 log_file=$2
    shift 2
    set +e
    if [[ "$stdout_file" == - ]]; then
        "$@" 2>&1 | tee -- "$log_file"
    else
        "$@" 2>&1 >"$stdout_file" | tee -- "$log_file"
    fi
    rc=${PIPESTATUS[0]}
    set -e
}

# run_inert STDOUT_FILE LOG_FILE COMMAND...: run_streamed with workflow
# commands off around it, so nothing COMMAND prints acts as one.
run_inert() {
    inert_begin
    run_streamed "$@"
    inert_end "$2"
}

# A repository path spelled one way: `./sub/`, `sub//` and `sub` are all
# `sub`, the workspace itself is `.`, and `a/../b` is `b`.
normalize_path() {
    local path=$1 lead="" part n=0
    local -a parts=() out=()
    if [[ -n "${GITHUB_WORKSPACE:-}" && "$path" == "$GITHUB_WORKSPACE" ]]; then
        path=.
    elif [[ -n "${GITHUB_WORKSPACE:-}" && "$path" == "$GITHUB_WORKSPACE"/* ]]; then
        path="${path#"$GITHUB_WORKSPACE"/}"
    fi
    [[ "$path" != /* ]] || lead=/
    IFS=/ read -r -d '' -a parts < <(printf '%s' "$path") || true
    for part in ${parts[@]+"${parts[@]}"}; do
        case "$part" in
            "" | .) ;;
            ..)
                if ((n > 0)) && [[ "${out[n - 1]}" != .. ]]; then
                    n=$((n - 1))
                    unset "out[n]"
                elif [[ -z "$lead" ]]; then
                    out[n]=..
                    n=$((n + 1))
                fi
                ;;
            *)
                out[n]=$part
                n=$((n + 1))
                ;;
        esac
    done
    if ((n == 0)); then
        printf '%s' "${lead:-.}"
    else
        (
            IFS=/
            printf '%s%s' "$lead" "${out[*]}"
        )
    fi
}

# The path as a marker field: percent-encoded outside [A-Za-z0-9-_.~/], so no
# path can hold a space, `>` or `!` — nothing can end the HTML comment early
# (`-->`, `--!>`) or add a field. Empty for the workspace itself.
marker_path() {
    if [[ "$1" == . ]]; then
        return
    fi
    jq -rn --arg p "$1" '$p | @uri | gsub("%2F"; "/")'
}

# marker KIND PATH [ENV...]: the hidden first line of a sticky comment, e.g.
# `<!-- cxtrain-plan -->` or `<!-- cxtrain-plan path=teams/support env=production,staging -->`.
# Environment names are checked (valid_env) before they get here.
marker() {
    local kind=$1 encoded envs=""
    encoded="$(marker_path "$2")"
    shift 2
    if (($# > 0)); then
        envs="$(printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd, -)"
    fi
    printf '<!-- cxtrain-%s%s%s -->' "$kind" "${encoded:+ path=$encoded}" "${envs:+ env=$envs}"
}

# Environment names as cxtrain accepts them.
valid_env() {
    [[ "$1" =~ ^[a-z0-9][a-z0-9_-]*$ ]]
}

# A Markdown code fence longer than any backtick run in FILE.
fence_for() {
    local longest
    longest="$(LC_ALL=C tr -c '`' '\n' <"$1" | awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }')"
    ((longest >= 3)) || longest=2
    printf '%*s' "$((longest + 1))" '' | tr ' ' '`'
}

# fenced FILE: FILE as a text code block.
fenced() {
    local fence
    fence="$(fence_for "$1")"
    printf '%stext\n' "$fence"
    cat -- "$1"
    [[ ! -s "$1" || -z "$(tail -c1 -- "$1")" ]] || echo
    printf '%s\n' "$fence"
}

# cut_text MAX bytes|utf16 NOTE <in >out: the text whole if it fits in MAX
# units, else cut (between sections or lines, open fences and <details>
# closed) and ended with NOTE.
cut_text() {
    jq -Rsj --argjson max "$1" --argjson bytes "$([[ "$2" == bytes ]] && echo true || echo false)" \
        --arg note "$3" -f "$lib_dir/cut.jq"
}

# The link to this workflow run (its page holds the job summaries and artifacts).
run_url() {
    printf '%s/%s/actions/runs/%s' "${GITHUB_SERVER_URL:-https://github.com}" \
        "${GITHUB_REPOSITORY:-}" "${GITHUB_RUN_ID:-}"
    [[ -z "${GITHUB_RUN_ATTEMPT:-}" || "${GITHUB_RUN_ATTEMPT:-}" == 1 ]] ||
        printf '/attempts/%s' "$GITHUB_RUN_ATTEMPT"
}

# Text for HTML: &, < and > escaped (sed: bash 5.2 gives `&` a meaning in
# ${var//pattern/replacement}, older bash does not).
html() {
    printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

describe_exit() {
    case "$1" in
        0) echo "success" ;;
        1) echo "runtime or API error" ;;
        2) echo "changes present" ;;
        3) echo "invalid input" ;;
        4) echo "refused for safety" ;;
        64) echo "usage error" ;;
        *) echo "unexpected exit" ;;
    esac
}
