#!/usr/bin/env bash
# Runs one cxtrain command for the GitHub Action and maps its result onto step
# outputs, the job summary and (for plans on pull requests) the sticky comment.
# Inputs arrive as environment variables set by action.yml, never interpolated
# into the script, so no input can inject shell code.
set -euo pipefail

: "${GITHUB_OUTPUT:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command="${CXTRAIN_COMMAND:-}"
path="${CXTRAIN_PATH:-.}"
[[ -n "$path" ]] || path=.

# An empty input must read as "not set", not as an empty key or URL.
[[ -n "${OPENCX_API_KEY:-}" ]] || unset OPENCX_API_KEY
[[ -n "${OPENCX_API_URL:-}" ]] || unset OPENCX_API_URL

# `args` is split on any whitespace; read does not expand globs.
extra=()
if [[ -n "${CXTRAIN_ARGS:-}" ]]; then
    read -r -d '' -a extra < <(printf '%s\0' "$CXTRAIN_ARGS") || true
fi

output() {
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

summary() {
    if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
        cat >>"$GITHUB_STEP_SUMMARY"
    fi
}

describe_exit() {
    case "$1" in
        0) echo "success" ;;
        1) echo "runtime or API error" ;;
        2) echo "changes present" ;;
        3) echo "invalid input" ;;
        4) echo "refused for safety" ;;
        *) echo "unexpected exit" ;;
    esac
}

# Prints text that may quote training content (and so look like `::command::`
# lines) with workflow commands switched off.
print_inert() {
    local token
    token="cxtrain-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    echo "::stop-commands::$token"
    cat -- "$1"
    echo
    echo "::$token::"
}

run_validate() {
    local rc=0
    cxtrain --dir "$path" validate --format github ${extra[@]+"${extra[@]}"} || rc=$?
    output exitcode "$rc"
    return "$rc"
}

run_apply() {
    local rc=0
    cxtrain --dir "$path" apply --yes ${extra[@]+"${extra[@]}"} || rc=$?
    output exitcode "$rc"
    return "$rc"
}

# The text for the summary and the comment: the plan itself, or why there is
# none, plus a footer naming the commit and the run.
plan_report() {
    local rc=$1 markdown=$2 run_url sha
    run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
    sha="${PR_HEAD_SHA:-${GITHUB_SHA:-}}"
    if [[ "$rc" != 0 && "$rc" != 2 ]]; then
        printf '### cxtrain plan failed (exit %s: %s)\n\n' "$rc" "$(describe_exit "$rc")"
        printf 'No plan was made; the [workflow run](%s) log has the details.\n\n' "$run_url"
    fi
    if [[ -s "$markdown" ]]; then
        cat -- "$markdown"
        echo
    elif [[ "$rc" == 0 ]]; then
        printf 'No changes.\n'
    fi
    # shellcheck disable=SC2016 # the backticks are a Markdown code span
    printf '\n<sub>cxtrain plan of `%s`' "$path"
    [[ -z "$sha" ]] || printf ' at %s' "${sha:0:7}"
    printf ' · [workflow run](%s)</sub>\n' "$run_url"
}

run_plan() {
    local rc=0 workdir plan_file markdown report marker
    workdir="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cxtrain-plan.XXXXXX")"
    plan_file="$workdir/plan.json"
    markdown="$workdir/plan.md"
    report="$workdir/report.md"

    cxtrain --dir "$path" plan --format markdown --detailed-exitcode --out "$plan_file" \
        ${extra[@]+"${extra[@]}"} >"$markdown" || rc=$?

    output exitcode "$rc"
    case "$rc" in
        0) output has-changes false ;;
        2) output has-changes true ;;
    esac
    if [[ -f "$plan_file" ]]; then
        output plan-file "$plan_file"
    fi

    if [[ -s "$markdown" ]]; then
        print_inert "$markdown"
    fi
    plan_report "$rc" "$markdown" >"$report"
    # The job summary takes at most 1 MiB per step.
    head -c 1000000 -- "$report" | summary

    if [[ "${CXTRAIN_COMMENT:-true}" == "true" && -n "${PR_NUMBER:-}" ]]; then
        marker="<!-- cxtrain-plan -->"
        if [[ "$path" != "." ]]; then
            # One sticky comment per planned directory; `--` would end the HTML comment.
            marker="<!-- cxtrain-plan path=${path//--/-} -->"
        fi
        if ! bash "$here/comment.sh" "$marker" "$report"; then
            echo "::warning title=cxtrain::the plan could not be posted as a pull request comment (the job summary has it)"
        fi
    fi

    # Exit 2 only says "changes present"; that is a successful plan.
    if [[ "$rc" == 2 ]]; then
        return 0
    fi
    return "$rc"
}

case "$command" in
    validate) run_validate ;;
    plan) run_plan ;;
    apply) run_apply ;;
    *)
        echo "::error title=cxtrain::unknown command '${command//[$'\r\n']/ }': use validate, plan or apply"
        exit 64
        ;;
esac
