#!/usr/bin/env bash
# Runs one cxtrain command for the GitHub Action and maps its result onto step
# outputs, the job summary and the pull request: a sticky plan comment that
# records each environment's plan fingerprint, and on apply the reviewed
# fingerprint read back from that comment. Inputs arrive as environment
# variables set by action.yml, never interpolated into the script, so no input
# can inject shell code. Every byte cxtrain prints reaches the log with
# workflow commands switched off (validate's annotations excepted).
# Backticks in the printf formats are Markdown code spans, not expansions.
# shellcheck disable=SC2016
set -euo pipefail

: "${GITHUB_OUTPUT:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=action/lib.sh
source "$here/lib.sh"
# shellcheck source=action/github.sh
source "$here/github.sh"

command="${CXTRAIN_COMMAND:-}"
dir="${CXTRAIN_PATH:-.}"
[[ -n "$dir" ]] || dir=.
# One spelling of the path for markers: `sub`, `./sub/` and `sub//` are one.
path="$(normalize_path "$dir")"
comment="${CXTRAIN_COMMENT:-true}"
on_plan_change="${CXTRAIN_ON_PLAN_CHANGE:-fail}"
require_review="${CXTRAIN_REQUIRE_REVIEW:-false}"

# An empty input must read as "not set", not as an empty key or URL.
[[ -n "${OPENCX_API_KEY:-}" ]] || unset OPENCX_API_KEY
[[ -n "${OPENCX_API_URL:-}" ]] || unset OPENCX_API_URL

usage_error() {
    annotate error "$1"
    printf 'exitcode=64\n' >>"$GITHUB_OUTPUT"
    exit 64
}

# `args` is split on any whitespace; read does not expand globs.
extra=()
if [[ -n "${CXTRAIN_ARGS:-}" ]]; then
    read -r -d '' -a extra < <(printf '%s\0' "$CXTRAIN_ARGS") || true
fi

# `environment`: names separated by whitespace; CXTRAIN_ENV (cxtrain's own
# variable) when the input is empty, so the comment records what was planned.
envs=()
env_args=()
read -r -d '' -a requested < <(printf '%s\0' "${CXTRAIN_ENVIRONMENT:-${CXTRAIN_ENV:-}}") || true
for name in ${requested[@]+"${requested[@]}"}; do
    valid_env "$name" || usage_error "environment '${name}' is not an environment name ([a-z0-9][a-z0-9_-]*)"
    case " ${envs[*]-} " in
        *" $name "*) ;;
        *)
            envs+=("$name")
            env_args+=(--env "$name")
            ;;
    esac
done

case "$on_plan_change" in
    fail | apply) ;;
    *) usage_error "on-plan-change must be fail or apply, not '${on_plan_change}'" ;;
esac
case "$require_review" in
    true | false) ;;
    *) usage_error "require-review must be true or false, not '${require_review}'" ;;
esac

workdir="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cxtrain.XXXXXX")"
gh_init "$workdir"

can_comment() {
    [[ "$comment" == true && -n "${GITHUB_TOKEN_FOR_COMMENT:-}" && -n "${GITHUB_REPOSITORY:-}" ]]
}

# post_comment PR MARKER HEADER_FILE TEXT_FILE: HEADER (the marker line and
# what must survive any cut) then TEXT, cut to fit a comment. A failure is a
# warning: the job summary has everything.
post_comment() {
    local pr=$1 marker=$2 header=$3 text=$4 room note
    room=$((gh_comment_limit - $(wc -c <"$header")))
    note="*Cut to fit a comment (GitHub allows 65,536 characters): the whole text is in the job summary of the [workflow run]($(run_url))${artifact_name:+, and in its artifact \`$artifact_name\`}.*"
    { cat -- "$header"; cut_text "$room" utf16 "$note" <"$text"; } >"$workdir/comment.md"
    if ! (gh_upsert_comment "$pr" "$marker" "$workdir/comment.md"); then
        annotate warning "the comment on pull request #$pr could not be written (the job summary has everything)"
    fi
}

# Appends FILE to the job summary, cut at the summary's size limit.
summary_file() {
    cut_text "$summary_limit" bytes \
        "**Cut here: GitHub keeps at most 1 MiB of job summary per step.**${artifact_name:+ The whole plan is in the artifact \`$artifact_name\` of this run.}" \
        <"$1" | summary
}

footer() {
    local sha="${PR_HEAD_SHA:-${GITHUB_SHA:-}}"
    printf '\n<sub>cxtrain %s of <code>%s</code>' "$1" "$(html "$path")"
    ((${#envs[@]} == 0)) || printf ' · %s' "$(printf '<code>%s</code> ' "${envs[@]}" | sed 's/ $//')"
    [[ -z "$sha" ]] || printf ' at %s' "${sha:0:7}"
    printf ' · [workflow run](%s)</sub>\n' "$(run_url)"
}

run_validate() {
    local rc json="$workdir/validate.json"
    run_streamed "$workdir/validate.txt" "$workdir/validate.err" \
        cxtrain --dir "$dir" validate --format github ${extra[@]+"${extra[@]}"} >/dev/null
    # Only well-formed annotation lines act as workflow commands (escaped by
    # cxtrain); anything else it printed is shown inert.
    grep -E '^::(error|warning|notice) [^:]*::' "$workdir/validate.txt" || true
    grep -vE '^::(error|warning|notice) [^:]*::' "$workdir/validate.txt" >"$workdir/validate.rest" || true
    cat -- "$workdir/validate.err" >>"$workdir/validate.rest"
    [[ ! -s "$workdir/validate.rest" ]] || print_inert "$workdir/validate.rest"
    local validate_rc=$rc
    # The annotations show at most 10 errors and 10 warnings per step: the
    # summary lists every problem, from the JSON report.
    set +e
    cxtrain --dir "$dir" validate --format json ${extra[@]+"${extra[@]}"} >"$json" 2>/dev/null
    set -e
    validate_summary "$validate_rc" "$json" >"$workdir/summary.md"
    summary_file "$workdir/summary.md"
    output exitcode "$validate_rc"
    return "$validate_rc"
}

# The validate report as Markdown: a headline and one table row per problem.
validate_summary() {
    # shellcheck disable=SC2016 # jq code
    if ! jq -er --arg where "$(html "$path")" '
        def md: gsub("\r"; "") | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;")
            | gsub("(?<c>[\\\\`*_\\[\\]|~#!])"; "\\\(.c)") | gsub("\n"; "<br>");
        def plural($n; $one): "\($n) \($one)\(if $n == 1 then "" else "s" end)";
        select(.version == 1) | .summary as $s
        | "### cxtrain validate <code>\($where)</code>: "
          + (if $s.errors + $s.warnings == 0 then "no problems in \(plural($s.files; "file"))"
             else "\(plural($s.errors; "error")), \(plural($s.warnings; "warning")) in \(plural($s.files; "file"))" end),
          "",
          (if (.diagnostics | length) > 0 then
             "Every problem is listed here; the annotations on the files show at most 10 of each kind per step.",
             "",
             "| | Where | Rule | Problem |",
             "|---|---|---|---|",
             (.diagnostics[]
              | "| \(if .severity == "error" then "❌" else "⚠️" end) "
                + "| <code>\("\(.file):\(.line):\(.column)" | md)</code> "
                + "| <code>\(.code | md)</code> "
                + "| \(.message | md)\(if .label != "" and .label != .message then " — " + (.label | md) else "" end)"
                + "\(if .help then "<br>help: " + (.help | md) else "" end) |")
           else empty end)' "$2" 2>/dev/null; then
        printf '### cxtrain validate <code>%s</code> failed (exit %s: %s)\n\n' \
            "$(html "$path")" "$1" "$(describe_exit "$1")"
        printf 'cxtrain gave no problem report; the log of this step has its output.\n'
    fi
}

# PRs from forks get no secrets: without any OpenCX key there is nothing to
# plan with. Say so instead of failing the contributor's check.
fork_without_key() {
    local name
    [[ -n "${PR_HEAD_REPO:-}" && "$PR_HEAD_REPO" != "${GITHUB_REPOSITORY:-}" ]] || return 1
    for name in $(compgen -e); do
        if [[ "$name" == OPENCX_API_KEY* && -n "${!name}" ]]; then
            return 1
        fi
    done
    case " ${extra[*]-} " in *" --local "*) return 1 ;; esac
    return 0
}

# The plan files cxtrain writes for the requested environments: plan.json,
# plan-NAME.json, or plan-{env}.json expanded per environment.
plan_out() {
    case ${#envs[@]} in
        0) printf '%s/plan.json' "$plan_dir" ;;
        1) printf '%s/plan-%s.json' "$plan_dir" "${envs[0]}" ;;
        *) printf '%s/plan-{env}.json' "$plan_dir" ;;
    esac
}
plan_files() {
    local name
    if ((${#envs[@]} == 0)); then
        printf '%s\n' "$plan_dir/plan.json"
    else
        for name in "${envs[@]}"; do printf '%s\n' "$plan_dir/plan-$name.json"; done
    fi
}

# fingerprint_of FILE [ENV]: the plan file's fingerprint, checked; empty when
# there is none (an older cxtrain) or the file is for another environment.
fingerprint_of() {
    [[ -s "$1" ]] || return 0
    jq -r --arg env "${2:-}" '
        select(($env == "" or .environment == $env) and (.fingerprint | type) == "string"
               and (.fingerprint | test("^[0-9a-f]{64}$")))
        | .fingerprint' "$1" 2>/dev/null || true
}

# plan_text FILE: cxtrain's Markdown plan without its own marker line (the
# comment gets the action's, which names the path and environments).
plan_text() {
    sed '1{/^<!-- cxtrain-plan -->$/d;}' "$1"
}

run_plan() {
    local rc file fp label files=0 record="$workdir/record.md" report="$workdir/report.md"
    plan_dir="$workdir/plan"
    mkdir -p "$plan_dir"
    # Artifact names allow no / \ : < > | * ? " or line ends.
    artifact_name="cxtrain-plan"
    [[ "$path" == . ]] || artifact_name+="-$(printf '%s' "$path" | tr -c 'A-Za-z0-9._-' '_')"
    ((${#envs[@]} == 0)) || artifact_name+="-$(printf '%s' "${envs[*]}" | tr ' ' '+')"

    if fork_without_key; then
        {
            printf '### cxtrain plan skipped\n\n'
            printf 'This pull request comes from a fork, and GitHub gives workflows run for forks no secrets, '
            printf 'so there is no OpenCX API key to plan with. Validation does not need one. '
            printf 'A maintainer sees the plan once the change is on a branch of this repository.\n'
        } | summary
        annotate notice "plan skipped: a pull request from a fork gets no OpenCX API key"
        output skipped true
        return 0
    fi

    run_inert "$plan_dir/plan.md" "$workdir/plan.err" \
        cxtrain --dir "$dir" plan --format markdown --comment-limit 0 --detailed-exitcode --out "$(plan_out)" \
        ${env_args[@]+"${env_args[@]}"} ${extra[@]+"${extra[@]}"}
    [[ ! -s "$plan_dir/plan.md" ]] || print_inert "$plan_dir/plan.md"

    output exitcode "$rc"
    case "$rc" in
        0) output has-changes false ;;
        2) output has-changes true ;;
    esac

    # The record: one fingerprint line per plan, labelled with the
    # environment the plan file names.
    : >"$record"
    if [[ "$rc" == 0 || "$rc" == 2 ]]; then
        while IFS= read -r file; do
            [[ -s "$file" ]] || continue
            files=$((files + 1))
            fp="$(fingerprint_of "$file" "$(basename "$file" .json | sed -n 's/^plan-//p')")"
            label="$(jq -r '.environment // empty' "$file" 2>/dev/null || true)"
            valid_env "$label" || label=""
            if [[ -n "$fp" ]]; then
                printf '<!-- cxtrain:fingerprint %s%s -->\n' "${label:+env=$label }" "$fp" >>"$record"
            fi
        done < <(plan_files)
        if [[ ! -s "$record" ]]; then
            annotate warning "the plan carries no fingerprint (cxtrain too old?): an apply cannot check it against this review"
        fi
        if ((files == 1)); then
            output plan-file "$(plan_files)"
            [[ ! -s "$record" ]] || output fingerprint "$(sed -n 's/.* \([0-9a-f]\{64\}\) -->$/\1/p' "$record")"
        fi
        output plan-dir "$plan_dir"
        output artifact-name "$artifact_name"
    else
        artifact_name=""
    fi

    {
        if [[ "$rc" != 0 && "$rc" != 2 ]]; then
            printf '### cxtrain plan failed (exit %s: %s)\n\n' "$rc" "$(describe_exit "$rc")"
            printf 'No plan was made; the job summary of the [workflow run](%s) has the details.\n\n' "$(run_url)"
        fi
        if [[ -s "$plan_dir/plan.md" ]]; then
            plan_text "$plan_dir/plan.md"
            echo
        elif [[ "$rc" == 0 ]]; then
            printf 'No changes.\n'
        fi
        footer plan
    } >"$report"

    {
        cat -- "$report"
        if [[ -s "$workdir/plan.err" ]]; then
            printf '\n<details><summary>cxtrain messages</summary>\n\n'
            fenced "$workdir/plan.err"
            printf '\n</details>\n'
        fi
        [[ -z "$artifact_name" ]] ||
            printf '\nThe plan files (JSON) and this Markdown are in the artifact `%s` of this run.\n' "$artifact_name"
    } >"$workdir/summary.md"
    summary_file "$workdir/summary.md"

    if can_comment && [[ -n "${PR_NUMBER:-}" ]]; then
        local mark
        mark="$(marker plan "$path" ${envs[@]+"${envs[@]}"})"
        { printf '%s\n' "$mark"; cat -- "$record"; } >"$workdir/header.md"
        post_comment "$PR_NUMBER" "$mark" "$workdir/header.md" "$report"
    fi

    # Exit 2 only says "changes present"; that is a successful plan.
    [[ "$rc" != 2 ]] || return 0
    return "$rc"
}

run_apply() {
    ((${#envs[@]} <= 1)) || usage_error "apply takes one environment, not ${#envs[*]} (${envs[*]})"
    local env="${envs[0]:-}" rc lookup pr="" reviewed="" reviewed_url="" expect="" notes="$workdir/notes.md"
    local why="" current=""
    : >"$notes"
    artifact_name=""

    # The reviewed plan: the fingerprint the pull request this commit came
    # from recorded in its plan comment.
    if [[ -z "${GITHUB_TOKEN_FOR_COMMENT:-}" || -z "${GITHUB_REPOSITORY:-}" || -z "${GITHUB_SHA:-}" ]]; then
        why="no github-token to look up the pull request this commit came from"
    elif ! lookup="$( (gh_reviewed_plan "$GITHUB_SHA" "${GITHUB_REF_NAME:-}" "$(marker_path "$path")" "$env"))"; then
        output exitcode 1
        {
            printf '### cxtrain apply not run\n\n'
            printf 'The reviewed plan of commit `%s` could not be looked up (see the annotations), ' "${GITHUB_SHA:0:12}"
            printf 'so nothing was applied.\n'
            footer apply
        } | summary
        return 1
    else
        pr="$(sed -n 's/^pr=//p' <<<"$lookup")"
        reviewed="$(sed -n 's/^fingerprint=//p' <<<"$lookup")"
        reviewed_url="$(sed -n 's/^comment=//p' <<<"$lookup")"
        if [[ -z "$pr" ]]; then
            why="commit \`${GITHUB_SHA:0:12}\` did not come from a merged pull request (a direct push?)"
        elif [[ -z "$reviewed" ]]; then
            why="pull request #$pr has no plan comment recording a fingerprint${env:+ for \`$env\`} (no plan succeeded there, or it came from a fork)"
        fi
    fi
    [[ -z "$pr" ]] || output pull-request "$pr"
    [[ -z "$reviewed" ]] || output reviewed-fingerprint "$reviewed"

    if [[ -n "$reviewed" ]]; then
        printf 'Reviewed plan: fingerprint `%s` from [the plan comment](%s) of #%s.\n\n' \
            "${reviewed:0:12}" "${reviewed_url:-$(run_url)}" "$pr" >>"$notes"
        expect="$reviewed"
        if [[ "$on_plan_change" == apply ]]; then
            # Plan first, so what is applied is exactly the plan shown here.
            mkdir -p "$workdir/now"
            run_inert "$workdir/now/plan.md" "$workdir/now/plan.err" \
                cxtrain --dir "$dir" plan --format markdown --comment-limit 0 --out "$workdir/now/plan.json" \
                ${env_args[@]+"${env_args[@]}"} ${extra[@]+"${extra[@]}"}
            if [[ "$rc" != 0 ]]; then
                output exitcode "$rc"
                { printf '### cxtrain apply not run: the plan failed (exit %s: %s)\n\n' "$rc" "$(describe_exit "$rc")"
                  fenced "$workdir/now/plan.err"; footer apply; } >"$workdir/summary.md"
                summary_file "$workdir/summary.md"
                return "$rc"
            fi
            current="$(fingerprint_of "$workdir/now/plan.json" "$env")"
            if [[ -n "$current" && "$current" != "$reviewed" ]]; then
                expect="$current"
                {
                    printf '> [!WARNING]\n> The plan changed since it was reviewed (fingerprint `%s`, now `%s`). ' \
                        "${reviewed:0:12}" "${current:0:12}"
                    printf 'With `on-plan-change: apply` the plan below is applied as it is now.\n\n'
                    plan_text "$workdir/now/plan.md"
                    printf '\n'
                } >>"$notes"
                annotate warning "the plan changed since it was reviewed in #$pr; applying it as it is now (on-plan-change: apply)"
            fi
        fi
    elif [[ "$require_review" == true ]]; then
        output exitcode 4
        {
            printf '### cxtrain apply refused: no reviewed plan\n\n'
            printf 'Nothing was applied: %s, and `require-review: true` applies only plans reviewed in a pull request.\n' "$why"
            footer apply
        } >"$workdir/report.md"
        summary_file "$workdir/report.md"
        annotate error "apply refused: no reviewed plan ($why)"
        [[ -z "$pr" ]] || ! can_comment || apply_comment "$pr" "$env" "$workdir/report.md"
        return 4
    else
        {
            printf '> [!WARNING]\n> Not a reviewed plan: %s. ' "$why"
            printf 'It is applied as planned now; set `require-review: true` to refuse this.\n\n'
        } >>"$notes"
        annotate warning "applying a plan nobody reviewed: $why"
    fi

    run_inert - "$workdir/apply.txt" \
        cxtrain --dir "$dir" apply --yes ${expect:+--expect-fingerprint "$expect"} \
        ${env_args[@]+"${env_args[@]}"} ${extra[@]+"${extra[@]}"}
    output exitcode "$rc"

    {
        case "$rc" in
            0) printf '### cxtrain apply%s: applied\n\n' "${env:+ to <code>$env</code>}" ;;
            4) printf '### cxtrain apply%s refused (exit 4: %s)\n\n' "${env:+ to <code>$env</code>}" "$(describe_exit 4)"
               if [[ -n "$expect" ]]; then
                   printf 'Nothing was applied. cxtrain applies only the plan with fingerprint `%s`, ' "${expect:0:12}"
                   printf 'and refused: the plan changed since it was reviewed, or a safety check stopped it. '
                   printf 'Its explanation is below; review the new plan (a new pull request, or a manual run of this workflow where it allows one).\n\n'
               fi ;;
            *) printf '### cxtrain apply%s failed (exit %s: %s)\n\n' "${env:+ to <code>$env</code>}" "$rc" "$(describe_exit "$rc")" ;;
        esac
        cat -- "$notes"
        fenced "$workdir/apply.txt"
        footer apply
    } >"$workdir/report.md"
    summary_file "$workdir/report.md"
    [[ -z "$pr" ]] || ! can_comment || apply_comment "$pr" "$env" "$workdir/report.md"
    return "$rc"
}

# The apply result as a sticky comment on the merged pull request, one per
# path and environment.
apply_comment() {
    local mark
    mark="$(marker apply "$path" ${2:+"$2"})"
    printf '%s\n' "$mark" >"$workdir/apply-header.md"
    post_comment "$1" "$mark" "$workdir/apply-header.md" "$3"
}

case "$command" in
    validate) run_validate ;;
    plan) run_plan ;;
    apply) run_apply ;;
    *) usage_error "unknown command '${command}': use validate, plan or apply" ;;
esac
