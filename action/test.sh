#!/usr/bin/env bash
# Tests for the action's scripts: runs action/run.sh and action/install.sh the
# way action.yml does, against a fake cxtrain (test/cxtrain, the CLI contract
# of DESIGN.md) and a fake GitHub (test/fake_github.py: REST API and release
# downloads on 127.0.0.1). Needs bash, curl, jq and python3. Run: action/test.sh
# (KEEP=1 keeps each case's log, summary, outputs and temp files).
#
# Checks are strings that check() evaluates later, and the variables they read
# are set by run_action: expansion inside single quotes is deferred on purpose.
# shellcheck disable=SC2016,SC2034
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
    if [[ -n "${KEEP:-}" ]]; then
        echo "kept $work"
    else
        rm -rf -- "$work"
    fi
}
trap cleanup EXIT

# The workflow's own GITHUB_TOKEN, a personal access token, a GitHub App token.
token="ghs_test_token_for_comment"
pat="ghp_test_personal_token"
app="ghs_test_app_token"
mkdir -p "$work/releases"
python3 "$here/test/fake_github.py" \
    "{\"$token\": \"github-actions[bot]\", \"$pat\": \"release-bot\", \"$app\": \"cxtrain-app[bot]\"}" \
    "$work/releases" >"$work/port" &
server_pid=$!
# Up to 30 s: python3 starts slowly on a loaded runner.
for _ in $(seq 300); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { echo "the fake GitHub never said its port" >&2; exit 1; }
api="http://127.0.0.1:$(cat "$work/port")"

passed=0
failures=0
current=""
check() {
    if eval "$2"; then
        passed=$((passed + 1))
    else
        echo "FAIL [$current] $1"
        failures=$((failures + 1))
    fi
}

state() { curl -sS "$api/_test/state"; }
hook() { curl -sS -X POST --data "$2" "$api/_test/$1" >/dev/null; }
reset_server() { hook reset ''; }
comments_on() { state | jq --argjson n "$1" '[.comments[] | select(.issue == $n)]'; }

fp_a="$(printf 'a%.0s' {1..64})"
fp_b="$(printf 'b%.0s' {1..64})"
fp_c="$(printf 'c%.0s' {1..64})"
fp_d="$(printf 'd%.0s' {1..64})"

# run_action NAME COMMAND RC STDOUT_TEXT [VAR=VALUE...]: runs run.sh in a clean
# environment; sets $rc, $out (GITHUB_OUTPUT), $log (stdout+stderr), $sum
# (job summary), $argv and $calls (the fake's last argv, every call).
run_action() {
    current=$1
    local command=$2 fake_rc=$3 text=$4
    shift 4
    local case_dir="$work/$current"
    cdir="$case_dir"
    mkdir -p "$case_dir/log" "$case_dir/tmp"
    printf '%s' "$text" >"$case_dir/stdout.md"
    : >"$case_dir/output"
    : >"$case_dir/summary"
    rc=0
    env -i PATH="$here/test:/usr/bin:/bin" HOME="$case_dir" LC_ALL=C.UTF-8 \
        GITHUB_OUTPUT="$case_dir/output" GITHUB_STEP_SUMMARY="$case_dir/summary" \
        RUNNER_TEMP="$case_dir/tmp" GITHUB_API_URL="$api" GITHUB_REPOSITORY=acme/trainings \
        GITHUB_SERVER_URL=https://github.com GITHUB_RUN_ID=77 GITHUB_SHA=ffffffffffff \
        GITHUB_REF_NAME=main GITHUB_WORKSPACE=/home/runner/work/trainings \
        FAKE_LOG="$case_dir/log" FAKE_RC="$fake_rc" FAKE_STDOUT="$case_dir/stdout.md" \
        CXTRAIN_COMMAND="$command" CXTRAIN_PATH=. CXTRAIN_COMMENT=true \
        GITHUB_TOKEN_FOR_COMMENT="$token" DEFAULT_GITHUB_TOKEN="$token" \
        OPENCX_API_KEY=ocx_secret_key OPENCX_API_URL= \
        "$@" bash "$here/run.sh" >"$case_dir/log.txt" 2>&1 || rc=$?
    out="$case_dir/output"
    log="$case_dir/log.txt"
    sum="$case_dir/summary"
    argv="$case_dir/log/argv"
    calls="$case_dir/log/calls"
    fenv="$case_dir/log/env"
}
output_of() {
    # NAME<<DELIMITER / value / DELIMITER
    awk -v name="$1" '
        index($0, name "<<") == 1 { delim = substr($0, length(name) + 3); value = ""; n = 0; reading = 1; next }
        reading && $0 == delim { print value; reading = 0; next }
        reading { value = (n++ ? value "\n" : "") $0 }
        index($0, name "=") == 1 { print substr($0, length(name) + 2) }' "$out"
}

# The workflow commands a runner would act on in a log: lines starting
# (after blanks) with `::` or `##[`, except inside a stop-commands block.
commands_in() {
    awk '
        { line = $0; sub(/^[ \t]+/, "", line) }
        stop != "" { if (line == "::" stop "::") stop = ""; next }
        index(line, "::stop-commands::") == 1 { stop = substr(line, 18); next }
        index(line, "::") == 1 || index(line, "##[") == 1 { print line }' "$1"
}
# Whether the log's workflow commands are only the action's own.
only_own_commands() {
    ! commands_in "$log" | grep -vE '^::(error|warning|notice) title=cxtrain::' | grep -q .
}

# ---------------------------------------------------------------- validate

cat >"$work/validate.json" <<'EOF'
{"version": 1, "summary": {"files": 4, "errors": 11, "warnings": 1}, "diagnostics": []}
EOF
jq '.diagnostics = [range(11) | {severity: "error", code: "CX001", message: "bad key \(.)", file: "a.md",
        line: (. + 1), column: 1, offset: 0, length: 1, label: "here", help: null, related: []}]
    + [{severity: "warning", code: "CX020", message: "pipe | <script>alert(1)</script> and *stars*\nsecond line",
        file: "b|c.md", line: 2, column: 3, offset: 0, length: 1, label: "label", help: "do `x`", related: []}]' \
    "$work/validate.json" >"$work/validate-full.json"
{
    for i in $(seq 11); do echo "::error file=a.md,line=$i,col=1,title=CX001::bad key $i"; done
    echo "::warning file=b%7Cc.md,line=2,col=3,title=CX020::pipe"
    echo "checked 4 files: 11 errors, 1 warning"
    echo "::warning::not an annotation cxtrain would print"
} >"$work/validate.txt"
printf '##[error]from stderr\n::set-env name=X::y\n' >"$work/validate.err"

run_action validate-invalid validate 3 "$(cat "$work/validate.txt")" CXTRAIN_ARGS="--strict" \
    FAKE_VALIDATE_JSON="$work/validate-full.json" FAKE_STDERR="$work/validate.err"
check "exit 3 passes through" '[[ $rc == 3 && $(output_of exitcode) == 3 ]]'
check "github then json, args kept" \
    '[[ $(cat "$calls") == $'"'"'--dir . validate --format github --strict\n--dir . validate --format json --strict'"'"' ]]'
check "annotations reach the log as commands" \
    '[[ $(commands_in "$log" | grep -c "^::error file=a.md,line=") == 11 ]] && commands_in "$log" | grep -q "^::warning file=b%7Cc.md"'
check "anything else is inert" '! commands_in "$log" | grep -qE "not an annotation|from stderr|set-env"'
check "inert text still shown" 'grep -q "##\[error\]from stderr" "$log" && grep -q "checked 4 files" "$log"'
check "summary lists all 12 problems (annotations show 10)" '[[ $(grep -c "^| ❌ | <code>a.md:" "$sum") == 11 && $(grep -c "^| ⚠️ |" "$sum") == 1 ]]'
check "summary headline" 'grep -q "^### cxtrain validate <code>.</code>: 11 errors, 1 warning in 4 files" "$sum"'
check "summary cells escaped" 'grep -qF "pipe \| &lt;script&gt;alert(1)&lt;/script&gt; and \*stars\*<br>second line" "$sum" && grep -qF "b\|c.md:2:3" "$sum" && grep -qF "help: do \\\`x\\\`" "$sum"'
check "key only via env" '! grep -q ocx_secret_key "$argv" && grep -qx key=ocx_secret_key "$fenv"'
check "empty api-url is unset" 'grep -qx "url=<unset>" "$fenv"'
check "key never printed" '! grep -q ocx_secret_key "$log" "$out" "$sum"'

jq '.summary.errors = 0 | .summary.warnings = 0' "$work/validate.json" >"$work/validate-clean.json"
run_action validate-clean validate 0 "checked 4 files: 0 errors, 0 warnings" FAKE_VALIDATE_JSON="$work/validate-clean.json"
check "clean summary" '[[ $rc == 0 ]] && grep -q "no problems in 4 files" "$sum" && ! grep -q "^|" "$sum"'

printf 'not json' >"$work/validate-broken.json"
run_action validate-broken validate 1 "" FAKE_VALIDATE_JSON="$work/validate-broken.json"
check "no report: the summary says so" '[[ $rc == 1 ]] && grep -q "validate <code>.</code> failed (exit 1: runtime or API error)" "$sum"'

# ---------------------------------------------------------------- args

run_action args apply 0 "" CXTRAIN_ARGS=$'--no-delete\n  saved*.json\t-v' CXTRAIN_PATH=sub/dir \
    OPENCX_API_KEY= OPENCX_API_URL=http://127.0.0.1:9 GITHUB_TOKEN_FOR_COMMENT=
check "apply argv" '[[ $(paste -sd" " "$argv") == "--dir sub/dir apply --yes --no-delete saved*.json -v" ]]'
check "empty key is unset" 'grep -qx "key=<unset>" "$fenv"'
check "api-url via env" 'grep -qx "url=http://127.0.0.1:9" "$fenv"'
check "apply rc 0" '[[ $rc == 0 && $(output_of exitcode) == 0 && -z $(output_of has-changes) ]]'

run_action bad-env plan 0 "" CXTRAIN_ENVIRONMENT="staging Prod;rm"
check "an invalid environment name is a usage error" '[[ $rc == 64 && ! -e $argv ]] && grep -q "environment .Prod;rm. is not an environment name" "$log"'
run_action bad-on-change apply 0 "" CXTRAIN_ON_PLAN_CHANGE=maybe
check "on-plan-change is checked" '[[ $rc == 64 && ! -e $argv ]]'
run_action unknown destroy 0 ""
check "unknown command" '[[ $rc == 64 && ! -e $argv ]] && grep -q "unknown command .destroy." "$log"'

# ---------------------------------------------------------------- plan

printf '::error::plan stderr line\n  ##[warning]indented legacy command\nretrying GET /training' >"$work/plan.err"
plan_md=$'<!-- cxtrain-plan -->\n## Plan: 1 to create\n\n::warning::from a training body\n##[group]x\n'
run_action plan-changes plan 2 "$plan_md" PR_NUMBER=12 PR_HEAD_SHA=abcdef1234567 FAKE_FP="$fp_a" \
    FAKE_STDERR="$work/plan.err"
check "exit 2 does not fail the step" '[[ $rc == 0 ]]'
check "outputs" '[[ $(output_of exitcode) == 2 && $(output_of has-changes) == true && $(output_of fingerprint) == "$fp_a" ]]'
plan_file="$(output_of plan-file)"
check "plan file saved" '[[ $plan_file == /* && -s $plan_file && $(output_of plan-dir) == "${plan_file%/*}" ]]'
check "plan argv" '[[ $(paste -sd" " "$argv") == "--dir . plan --format markdown --comment-limit 0 --detailed-exitcode --out $plan_file" ]]'
check "summary has plan and commit" 'grep -q "## Plan: 1 to create" "$sum" && grep -q "at abcdef1" "$sum"'
check "summary has cxtrain's messages" 'grep -q "retrying GET /training" "$sum"'
check "no line of the plan or of stderr acts as a workflow command" 'only_own_commands'
check "yet every line is in the log" 'grep -q "^::warning::from a training body" "$log" && grep -q "^::error::plan stderr line" "$log" && grep -q "^retrying GET /training$" "$log"'
check "stop tokens are random" '[[ $(grep -c "^::stop-commands::cxtrain-[0-9a-f]\{32\}$" "$log") == 2 && $(grep "^::stop-commands::" "$log" | sort -u | wc -l) == 2 ]]'
check "one comment posted" '[[ $(comments_on 12 | jq length) == 1 ]]'
check "comment: marker, fingerprint, then the plan" \
    'comments_on 12 | jq -e --arg fp "$fp_a" ".[0].body | startswith(\"<!-- cxtrain-plan -->\n<!-- cxtrain:fingerprint \(\$fp) -->\n## Plan: 1 to create\")" >/dev/null'
check "bearer token and API version sent" \
    'state | jq -e "all(.requests[]; .auth == \"Bearer $token\" and .version == \"2022-11-28\")" >/dev/null'
check "GITHUB_TOKEN needs no GET /user" '! state | jq -e "any(.requests[]; .path == \"/user\")" >/dev/null'
check "token never printed" '! grep -q "$token" "$log" "$out" "$sum"'
first_id="$(comments_on 12 | jq '.[0].id')"

# second push: the same comment is edited, no new one.
run_action plan-update plan 0 "No changes." PR_NUMBER=12 PR_HEAD_SHA=1111111aaaa FAKE_FP="$fp_b"
check "no changes outputs" '[[ $rc == 0 && $(output_of has-changes) == false ]]'
check "still one comment" '[[ $(comments_on 12 | jq length) == 1 ]]'
check "edited in place with the new fingerprint" \
    'comments_on 12 | jq -e --arg fp "$fp_b" ".[0].id == $first_id and (.[0].body | contains(\"No changes.\") and contains(\"at 1111111\") and contains(\$fp))" >/dev/null'
check "edited with PATCH" '[[ $(state | jq -r ".requests[-1].method") == PATCH ]]'
check "writes send JSON" 'state | jq -e "all(.requests[] | select(.method != \"GET\"); .type == \"application/json\")" >/dev/null'

# a failed plan replaces the stale plan and its fingerprint, and fails the step.
printf 'error: GET /training: connection refused\n' >"$work/plan-fail.err"
run_action plan-error plan 1 "" PR_NUMBER=12 FAKE_STDERR="$work/plan-fail.err"
check "error fails the step" '[[ $rc == 1 && $(output_of exitcode) == 1 && -z $(output_of has-changes) ]]'
check "no plan file on error" '[[ -z $(output_of plan-file) && -z $(output_of artifact-name) ]]'
check "comment says failed, records no fingerprint" \
    'comments_on 12 | jq -e ".[0].body | contains(\"cxtrain plan failed (exit 1: runtime or API error)\") and (contains(\"cxtrain:fingerprint\") | not)" >/dev/null'
check "summary says failed, with the error" 'grep -q "plan failed" "$sum" && grep -q "connection refused" "$sum"'

# a cxtrain without fingerprints: the plan posts, with a warning.
run_action plan-no-fingerprint plan 2 "plan" PR_NUMBER=14 FAKE_FP=none
check "warned that apply cannot check it" '[[ $rc == 0 ]] && grep -q "^::warning title=cxtrain::the plan carries no fingerprint" "$log"'
check "no fingerprint line" 'comments_on 14 | jq -e ".[0].body | startswith(\"<!-- cxtrain-plan -->\nplan\")" >/dev/null'

# comment: false, or no pull request: no API traffic.
before="$(state | jq '.requests | length')"
run_action no-comment plan 2 "x" PR_NUMBER=12 CXTRAIN_COMMENT=false
run_action not-a-pr plan 2 "x"
check "no requests without comment or PR" '[[ $(state | jq ".requests | length") == "$before" ]]'

# forks get no secrets: the plan is skipped, and the summary says so.
run_action fork plan 2 "x" PR_NUMBER=15 PR_HEAD_REPO=someone/trainings OPENCX_API_KEY=
check "fork: skipped, not failed" '[[ $rc == 0 && $(output_of skipped) == true && ! -e $argv ]]'
check "fork: the summary says why" 'grep -q "### cxtrain plan skipped" "$sum" && grep -q "comes from a fork" "$sum"'
check "fork: no API traffic" '[[ $(state | jq ".requests | length") == "$before" ]]'
run_action fork-with-key plan 2 "x" PR_HEAD_REPO=someone/trainings OPENCX_API_KEY= OPENCX_API_KEY_STAGING=k
check "a fork with a key (pull_request_target) plans" '[[ $rc == 0 && -e $argv ]]'

# other directories get their own sticky comment, however the path is spelled.
run_action other-path plan 2 $'<!-- cxtrain-plan -->\nother' PR_NUMBER=12 CXTRAIN_PATH=./teams/support/ FAKE_FP="$fp_c"
check "second marker" 'comments_on 12 | jq -e "[.[].body | select(startswith(\"<!-- cxtrain-plan path=teams/support -->\n<!-- cxtrain:fingerprint $fp_c -->\nother\"))] | length == 1" >/dev/null'
check "default comment untouched" 'comments_on 12 | jq -e ".[0].body | contains(\"plan failed\")" >/dev/null'
run_action other-path-2 plan 2 "again" PR_NUMBER=12 CXTRAIN_PATH=teams//support FAKE_FP="$fp_c"
run_action other-path-3 plan 2 "and again" PR_NUMBER=12 CXTRAIN_PATH=/home/runner/work/trainings/teams/support FAKE_FP="$fp_c"
check "one comment for every spelling of the path" \
    '[[ $(comments_on 12 | jq length) == 2 ]] && comments_on 12 | jq -e ".[1].body | contains(\"and again\")" >/dev/null'
check "--dir keeps the spelling given" '[[ $(head -2 "$argv" | tail -1) == /home/runner/work/trainings/teams/support ]]'

# no path can end the marker's HTML comment early or forge a field.
run_action hostile-path plan 2 "hostile" PR_NUMBER=16 CXTRAIN_PATH='x --> <b>y</b> env=prod --!>' FAKE_FP="$fp_a"
first_line="$(comments_on 16 | jq -r '.[0].body | split("\n")[0]')"
check "marker encoded ($first_line)" \
    '[[ $first_line == "<!-- cxtrain-plan path=x%20--%3E%20%3Cb%3Ey%3C/b%3E%20env%3Dprod%20--!%3E -->" ]]'
check "the comment has one HTML comment end per hidden line" \
    'comments_on 16 | jq -e ".[0].body | [match(\"-->\"; \"g\")] | length == 2" >/dev/null'
check "the footer escapes the path" 'comments_on 16 | jq -e ".[0].body | contains(\"<code>x --&gt; &lt;b&gt;y&lt;/b&gt; env=prod --!&gt;\")" >/dev/null'

# a marker comment by anyone else is never edited: the action posts its own.
hook seed/50 '[{"body": "<!-- cxtrain-plan -->\n<!-- cxtrain:fingerprint '"$fp_d"' -->\nplanted", "user": "mallory"}]'
run_action outsider plan 2 "real plan" PR_NUMBER=50 FAKE_FP="$fp_a"
check "outsider's comment untouched" 'comments_on 50 | jq -e ".[0].body | endswith(\"planted\")" >/dev/null'
check "the action's own comment posted" \
    'comments_on 50 | jq -e "length == 2 and .[1].user.login == \"github-actions[bot]\" and (.[1].body | contains(\"real plan\"))" >/dev/null'
outsider_id="$(comments_on 50 | jq '.[0].id')"
check "never sent an edit to it" '! state | jq -e "any(.requests[]; .method == \"PATCH\" and (.path | endswith(\"/$outsider_id\")))" >/dev/null'
check "the impostor is named" 'grep -q "^::notice title=cxtrain::left alone a comment .* (by mallory)" "$log"'
run_action outsider-2 plan 2 "second plan" PR_NUMBER=50 FAKE_FP="$fp_a"
check "later runs edit the action's comment, still not the outsider's" \
    '[[ $(comments_on 50 | jq length) == 2 ]] && comments_on 50 | jq -e "(.[0].body | endswith(\"planted\")) and (.[1].body | contains(\"second plan\"))" >/dev/null'

# a personal access token: its own account (GET /user) owns the comment.
hook seed/51 '[{"body": "<!-- cxtrain-plan -->\nby the workflow token", "user": "github-actions[bot]"},
               {"body": "<!-- cxtrain-plan -->\nby the PAT", "user": "release-bot"}]'
run_action pat plan 2 "pat plan" PR_NUMBER=51 GITHUB_TOKEN_FOR_COMMENT="$pat"
check "PAT: edits the comment its account wrote" \
    'comments_on 51 | jq -e "length == 2 and (.[0].body | endswith(\"by the workflow token\")) and (.[1].body | contains(\"pat plan\"))" >/dev/null'
check "PAT: asked GET /user" 'state | jq -e --arg a "Bearer $pat" "any(.requests[]; .path == \"/user\" and .auth == \$a)" >/dev/null'

# a GitHub App token cannot ask who it is: comment-author tells.
run_action app plan 2 "app plan" PR_NUMBER=52 GITHUB_TOKEN_FOR_COMMENT="$app"
check "App token without comment-author: warning, no comment, plan fine" \
    '[[ $rc == 0 && $(comments_on 52 | jq length) == 0 ]] && grep -q "set the comment-author input" "$log"'
run_action app-author plan 2 "app plan" PR_NUMBER=52 GITHUB_TOKEN_FOR_COMMENT="$app" CXTRAIN_COMMENT_AUTHOR="cxtrain-app[bot]"
run_action app-author-2 plan 2 "app plan 2" PR_NUMBER=52 GITHUB_TOKEN_FOR_COMMENT="$app" CXTRAIN_COMMENT_AUTHOR="cxtrain-app[bot]"
check "App token with comment-author: one comment, edited" \
    '[[ $(comments_on 52 | jq length) == 1 ]] && comments_on 52 | jq -e ".[0].body | contains(\"app plan 2\")" >/dev/null'

# the marker is found past the first page of comments, despite CRLF line ends.
seed="$(jq -n '[range(130) | "comment \(.)"] + [{body: "<!-- cxtrain-plan -->\r\nold plan, edited in the web UI", user: "github-actions[bot]"}]')"
hook seed/99 "$seed"
run_action paginate plan 2 "" PR_NUMBER=99
check "no new comment when one exists" '[[ $(comments_on 99 | jq length) == 131 ]]'
run_action paginate-2 plan 2 "page two" PR_NUMBER=99
check "paged to the seeded marker" 'comments_on 99 | jq -e "([.[] | select(.body | contains(\"page two\"))] | length == 1) and ([.[] | select(.body | contains(\"old plan\"))] | length == 0)" >/dev/null'
check "listed page 2" 'state | jq -e "any(.requests[]; .path | contains(\"/99/comments?per_page=100&page=2\"))" >/dev/null'

# huge plan: the comment is cut under 65,536 UTF-16 units (fence and
# <details> closed, the fingerprint kept, the run linked); the summary and
# the artifact keep all of it.
big="$(python3 -c 'print("```text\nclosed\n```\n\n<details><summary>t</summary>\n\n````diff\n" + "🙂 line é ```\n" * 10000 + "````\n</details>")')"
run_action huge plan 2 "$big" PR_NUMBER=13 FAKE_FP="$fp_a"
body="$(comments_on 13 | jq -r '.[0].body')"
body_units="$(comments_on 13 | jq '.[0].body | [explode[] | if . > 65535 then 2 else 1 end] | add')"
check "truncated under the limit ($body_units)" '[[ $body_units -le 65536 && $body_units -gt 64000 ]]'
check "fingerprint survives the cut" '[[ $(sed -n 2p <<<"$body") == "<!-- cxtrain:fingerprint $fp_a -->" ]]'
check "fence and details closed before the note" \
    'grep -qzF $'"'"'\n````\n</details>\n\n*Cut to fit a comment (GitHub allows 65,536 characters): the whole text is in the job summary of the [workflow run](https://github.com/acme/trainings/actions/runs/77), and in its artifact `cxtrain-plan`.*'"'"' <<<"$body"'
check "summary keeps the whole plan" '[[ $(grep -c "line é" "$sum") == 10000 ]]'
check "artifact keeps the whole plan" '[[ $(grep -c "line é" "$(output_of plan-dir)/plan.md") == 10000 && $(output_of artifact-name) == cxtrain-plan ]]'

# over 1 MiB: the summary is cut with a clear note, under GitHub's limit.
python3 -c 'print("## Plan\n\n```diff\n" + "+ a line of a very long plan that goes on\n" * 40000)' >"$work/giant.md"
run_action giant plan 2 "$(cat "$work/giant.md")" FAKE_FP="$fp_a"
check "summary under 1 MiB ($(wc -c <"$sum") bytes)" '(($(wc -c <"$sum") <= 1048576 && $(wc -c <"$sum") > 900000))'
check "summary cut says so" 'grep -qF "**Cut here: GitHub keeps at most 1 MiB of job summary per step.** The whole plan is in the artifact \`cxtrain-plan\` of this run." "$sum"'
check "cut closes the fence" '[[ $(grep -c "^\`\`\`" "$sum") == 2 ]]'

# a token without write access: warning, the plan step still succeeds.
hook fail 403
run_action forbidden plan 2 "x" PR_NUMBER=12
hook fail 0
check "plan succeeds despite comment failure" '[[ $rc == 0 && $(output_of has-changes) == true ]]'
check "warning with reason" 'grep -q "^::warning title=cxtrain::could not list the comments of pull request #12 (HTTP 403: Resource not accessible by integration)" "$log"'

# several environments: one plan, one comment, a fingerprint per environment.
run_action envs plan 2 $'<!-- cxtrain-plan -->\n## staging\n## production' PR_NUMBER=20 \
    CXTRAIN_ENVIRONMENT=$'staging  production\nstaging' FAKE_FP_staging="$fp_a" FAKE_FP_production="$fp_b"
plan_dir="$(output_of plan-dir)"
check "envs: --env per name, {env} in --out" \
    '[[ $(paste -sd" " "$argv") == "--dir . plan --format markdown --comment-limit 0 --detailed-exitcode --out $plan_dir/plan-{env}.json --env staging --env production" ]]'
check "envs: a plan file each, no single plan-file output" '[[ -s $plan_dir/plan-staging.json && -s $plan_dir/plan-production.json && -z $(output_of plan-file) ]]'
check "envs: one comment, marker names both, a fingerprint each" \
    'comments_on 20 | jq -e --arg a "$fp_a" --arg b "$fp_b" "length == 1 and (.[0].body | startswith(\"<!-- cxtrain-plan env=production,staging -->\n<!-- cxtrain:fingerprint env=staging \(\$a) -->\n<!-- cxtrain:fingerprint env=production \(\$b) -->\n## staging\"))" >/dev/null'
check "envs: artifact named by them" '[[ $(output_of artifact-name) == cxtrain-plan-staging+production ]]'
run_action one-env plan 2 "x" CXTRAIN_ENV=staging FAKE_FP_staging="$fp_a"
check "one env (from CXTRAIN_ENV): a named plan file" \
    '[[ $(output_of plan-file) == */plan-staging.json && $(output_of fingerprint) == "$fp_a" ]] && grep -qx -- "--env" "$argv"'

# ---------------------------------------------------------------- apply

merged() { # PR SHA: GitHub's answer for the commit's pull requests
    printf '{"%s": [{"number": 7, "merged_at": null, "base": {"ref": "main"}, "merge_commit_sha": "x"},
        {"number": %s, "merged_at": "2026-01-02T00:00:00Z", "base": {"ref": "main"}, "merge_commit_sha": "%s"},
        {"number": 8, "merged_at": "2026-01-03T00:00:00Z", "base": {"ref": "release"}, "merge_commit_sha": "y"}]}' \
        "$2" "$1" "$2"
}
hook pulls "$(merged 12 c0ffee01)"
hook pulls "$(merged 20 c0ffee02)"
hook pulls "$(merged 50 c0ffee03)"

# PR 12's plan comment: plan again so it records fp_a (path .).
run_action replan plan 2 "reviewed plan" PR_NUMBER=12 FAKE_FP="$fp_a"

run_action apply-match apply 0 "applied 1 change" GITHUB_SHA=c0ffee01 FAKE_FP="$fp_a"
check "match: applies the reviewed fingerprint" \
    '[[ $rc == 0 && $(paste -sd" " "$argv") == "--dir . apply --yes --expect-fingerprint $fp_a" && $(cat "$cdir/log/applied") == "$fp_a" ]]'
check "match: outputs" '[[ $(output_of pull-request) == 12 && $(output_of reviewed-fingerprint) == "$fp_a" && $(output_of exitcode) == 0 ]]'
check "match: summary" 'grep -q "^### cxtrain apply: applied" "$sum" && grep -q "Reviewed plan: fingerprint \`aaaaaaaaaaaa\` from \[the plan comment\](https://github.example/.*) of #12" "$sum" && grep -q "applied 1 change" "$sum"'
check "match: result commented on the merged PR" \
    'comments_on 12 | jq -e "[.[] | select(.body | startswith(\"<!-- cxtrain-apply -->\n### cxtrain apply: applied\"))] | length == 1" >/dev/null'

# changed since review: refused, nothing applied, told in the summary and on the PR.
printf '  + create billing/new.md\n::error::from a training title\n##[set-output name=x;]y\n' >"$work/changes.txt"
run_action apply-changed apply 0 "" GITHUB_SHA=c0ffee01 FAKE_FP="$fp_b" FAKE_CHANGES="$work/changes.txt"
check "changed: refused with exit 4, nothing applied" '[[ $rc == 4 && $(output_of exitcode) == 4 && ! -e $work/apply-changed/log/applied ]]'
check "changed: summary says what changed" \
    'grep -q "^### cxtrain apply refused (exit 4: refused for safety)" "$sum" && grep -q "plan with fingerprint \`aaaaaaaaaaaa\`" "$sum" && grep -q "create billing/new.md" "$sum" && grep -q "the plan now *$fp_b" "$sum"'
check "changed: the PR is told (same sticky apply comment)" \
    'comments_on 12 | jq -e "[.[] | select(.body | startswith(\"<!-- cxtrain-apply -->\"))] | length == 1 and (.[0].body | contains(\"refused\") and contains(\"create billing/new.md\"))" >/dev/null'
check "changed: hostile lines in the output are inert" 'only_own_commands && grep -q "^::error::from a training title" "$log"'

# on-plan-change: apply: plan now, warn, apply exactly that plan.
run_action apply-anyway apply 0 "" GITHUB_SHA=c0ffee01 FAKE_FP="$fp_b" CXTRAIN_ON_PLAN_CHANGE=apply
check "anyway: planned, then applied the new fingerprint" \
    '[[ $rc == 0 && $(head -1 "$calls") == "--dir . plan --format markdown --comment-limit 0 --out $work/apply-anyway/tmp/"*"/now/plan.json" && $(tail -1 "$calls") == "--dir . apply --yes --expect-fingerprint $fp_b" ]]'
check "anyway: warned in the log and the summary" \
    'grep -q "^::warning title=cxtrain::the plan changed since it was reviewed in #12" "$log" && grep -q "The plan changed since it was reviewed (fingerprint \`aaaaaaaaaaaa\`, now \`bbbbbbbbbbbb\`)" "$sum"'
run_action apply-anyway-same apply 0 "" GITHUB_SHA=c0ffee01 FAKE_FP="$fp_a" CXTRAIN_ON_PLAN_CHANGE=apply
check "anyway, unchanged: no warning" '[[ $rc == 0 ]] && ! grep -q "changed since" "$log" "$sum" && [[ $(tail -1 "$calls") == "--dir . apply --yes --expect-fingerprint $fp_a" ]]'

# no pull request: applies with a warning, unless require-review.
run_action apply-no-pr apply 0 "applied" GITHUB_SHA=deadbeef FAKE_FP="$fp_a"
check "no PR: applies without a fingerprint" '[[ $rc == 0 && $(paste -sd" " "$argv") == "--dir . apply --yes" && -z $(output_of pull-request) ]]'
check "no PR: warning in the summary" 'grep -q "> Not a reviewed plan: commit \`deadbeef\` did not come from a merged pull request" "$sum" && grep -q "^::warning title=cxtrain::applying a plan nobody reviewed" "$log"'
run_action apply-require apply 0 "applied" GITHUB_SHA=deadbeef CXTRAIN_REQUIRE_REVIEW=true
check "require-review: refused, cxtrain not run" '[[ $rc == 4 && $(output_of exitcode) == 4 && ! -e $argv ]]'
check "require-review: the summary says why" 'grep -q "### cxtrain apply refused: no reviewed plan" "$sum"'

# a fingerprint only an outsider wrote is no review.
run_action apply-outsider-only apply 0 "" GITHUB_SHA=c0ffee03 FAKE_FP="$fp_d" CXTRAIN_REQUIRE_REVIEW=true
check "outsider's planted fingerprint ignored" '[[ $(output_of reviewed-fingerprint) == "$fp_a" && $(paste -sd" " "$argv") == "--dir . apply --yes --expect-fingerprint $fp_a" && $rc == 4 ]]'

# environments: each apply reads its own environment's fingerprint.
run_action apply-env apply 0 "" GITHUB_SHA=c0ffee02 CXTRAIN_ENVIRONMENT=production FAKE_FP_production="$fp_b"
check "env: production's fingerprint" '[[ $rc == 0 && $(paste -sd" " "$argv") == "--dir . apply --yes --expect-fingerprint $fp_b --env production" ]]'
check "env: its own result comment" 'comments_on 20 | jq -e "[.[] | select(.body | startswith(\"<!-- cxtrain-apply env=production -->\n### cxtrain apply to <code>production</code>: applied\"))] | length == 1" >/dev/null'
run_action apply-env-missing apply 0 "" GITHUB_SHA=c0ffee02 CXTRAIN_ENVIRONMENT=qa CXTRAIN_REQUIRE_REVIEW=true
check "env: none recorded for qa" '[[ $rc == 4 && ! -e $argv ]] && grep -q "pull request #20 has no plan comment recording a fingerprint for \`qa\`" "$sum"'
run_action apply-two-envs apply 0 "" CXTRAIN_ENVIRONMENT="staging production"
check "apply takes one environment" '[[ $rc == 64 && ! -e $argv ]]'

# the path is matched however it is spelled.
run_action apply-path apply 0 "" GITHUB_SHA=c0ffee01 CXTRAIN_PATH=teams/support/. FAKE_FP="$fp_c"
check "path: ./teams/support/'s fingerprint for teams/support/." '[[ $rc == 0 && $(output_of reviewed-fingerprint) == "$fp_c" ]]'

# the look-up failing is an error, never a silent unreviewed apply.
hook fail 403
run_action apply-lookup-fails apply 0 "" GITHUB_SHA=c0ffee01
hook fail 0
check "look-up fails: exit 1, nothing run" '[[ $rc == 1 && ! -e $argv ]] && grep -q "could not look up the pull request of commit c0ffee01" "$log"'

# apply output: every byte inert, the result kept whole in the summary.
printf '::warning::x\n##[error]y\nno newline at the end' >"$work/apply.out"
run_action apply-output apply 1 "$(cat "$work/apply.out")" GITHUB_SHA=deadbeef
check "apply failure fails the step" '[[ $rc == 1 ]] && grep -q "^### cxtrain apply failed (exit 1: runtime or API error)" "$sum"'
check "apply output inert, commands resumed on a line of their own" \
    'only_own_commands && grep -q "^no newline at the end$" "$log" && grep -q "^::cxtrain-[0-9a-f]*::$" "$log"'
check "later annotations still act" 'commands_in "$log" | grep -q "^::warning title=cxtrain::applying a plan nobody reviewed"'

# ---------------------------------------------------------------- install

# A fake action checkout: what cargo compiles, plus things it does not.
action="$work/action-src"
mkdir -p "$action/src/commands" "$action/examples" "$action/action" "$action/tests"
cp "$here/install.sh" "$here/lib.sh" "$action/action/"
printf '[package]\nname = "cxtrain"\nversion = "1.2.3"\n\n[dependencies]\nserde = { version = "1" }\n' >"$action/Cargo.toml"
printf '# lock\n' >"$action/Cargo.lock"
printf 'fn main() {}\n' >"$action/src/main.rs"
printf 'const W: &str = include_str!("../../examples/github-workflow.yml");\nconst B: &[u8] = include_bytes!( "../../examples/logo.bin" );\n' >"$action/src/commands/init.rs"
printf 'on: push\n' >"$action/examples/github-workflow.yml"
printf 'logo' >"$action/examples/logo.bin"
printf 'test\n' >"$action/tests/it.rs"

# run_install NAME MODE... [VAR=VALUE...]: install.sh in a clean environment.
run_install() {
    current=$1
    local mode=$2
    shift 2
    local case_dir="$work/$current"
    mkdir -p "$case_dir/tmp" "$case_dir/home"
    : >"$case_dir/output"
    : >"$case_dir/path"
    rc=0
    env -i PATH="$here/test/bin:/usr/bin:/bin" HOME="$case_dir/home" LC_ALL=C.UTF-8 \
        GITHUB_OUTPUT="$case_dir/output" GITHUB_PATH="$case_dir/path" RUNNER_TEMP="$case_dir/tmp" \
        RUNNER_OS=Linux RUNNER_ARCH=X64 ACTION_PATH="$action" CXTRAIN_INSTALL=auto \
        CXTRAIN_RELEASE_BASE_URL="$api/releases/download" FAKE_CARGO_LOG="$case_dir/cargo" \
        "$@" bash "$action/action/install.sh" "$mode" >"$case_dir/log.txt" 2>&1 || rc=$?
    out="$case_dir/output"
    log="$case_dir/log.txt"
}
installed_bin() { printf '%s/cxtrain' "$(tail -1 "$work/$current/path")"; }
source_hash() { ACTION_PATH="$action" bash "$action/action/install.sh" source-hash; }

# publish [CORRUPT]: a release v1.2.3 for the fake checkout, as release.yml
# lays it out; CORRUPT changes the archive after its checksum was taken.
publish() {
    local dir="$work/releases/download/v1.2.3" stage="$work/stage"
    rm -rf -- "$dir" "$stage"
    mkdir -p "$dir" "$stage/cxtrain-1.2.3-x86_64-unknown-linux-musl"
    printf '#!/bin/sh\necho "cxtrain 1.2.3 (released)"\n' >"$stage/cxtrain-1.2.3-x86_64-unknown-linux-musl/cxtrain"
    chmod +x "$stage/cxtrain-1.2.3-x86_64-unknown-linux-musl/cxtrain"
    # About the size of the real archive (a 15 MB binary compresses to ~6 MB).
    head -c 6000000 /dev/urandom >"$stage/cxtrain-1.2.3-x86_64-unknown-linux-musl/padding"
    tar -czf "$dir/cxtrain-1.2.3-x86_64-unknown-linux-musl.tar.gz" -C "$stage" cxtrain-1.2.3-x86_64-unknown-linux-musl
    (cd "$dir" && sha256sum cxtrain-1.2.3-x86_64-unknown-linux-musl.tar.gz >SHA256SUMS)
    printf '%s\n' "$(source_hash)" >"$dir/cxtrain-1.2.3-source.sha256"
    if [[ "${1:-}" == corrupt ]]; then
        printf 'x' >>"$dir/cxtrain-1.2.3-x86_64-unknown-linux-musl.tar.gz"
    fi
}

publish
started="$(date +%s%N)"
run_install release-good release
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
check "release: installed" '[[ $rc == 0 && $(output_of installed) == true ]]'
check "release: on PATH and runs" '[[ $("$(installed_bin)" --version) == "cxtrain 1.2.3 (released)" ]]'
check "release: no cargo" '[[ ! -e $work/$current/cargo ]]'
check "release: downloaded the runner's archive" \
    'state | jq -e "any(.downloads[]; . == \"/releases/download/v1.2.3/cxtrain-1.2.3-x86_64-unknown-linux-musl.tar.gz\")" >/dev/null'
echo "install from the fake release server: ${elapsed_ms} ms"

publish corrupt
run_install release-corrupt release
check "corrupt: refused" '[[ $rc == 1 && $(output_of installed) != true && ! -s $work/$current/path ]]'
check "corrupt: says so" 'grep -q "^::error title=cxtrain::checksum mismatch for cxtrain-1.2.3-x86_64-unknown-linux-musl.tar.gz" "$log"'
check "corrupt: no source build instead" '[[ ! -e $work/$current/cargo ]]'
rm "$work/releases/download/v1.2.3/SHA256SUMS"
run_install release-no-sums release
check "no checksums: refused" '[[ $rc == 1 && ! -s $work/$current/path ]]'

publish
printf '// an unreleased change\n' >>"$action/src/main.rs"
downloads="$(state | jq '.downloads | length')"
run_install release-other-source release
check "release from other sources: not used" '[[ $rc == 0 && $(output_of installed) == false ]] && grep -q "built from other sources" "$log"'
check "release from other sources: only its hash fetched" \
    'state | jq -e --argjson n "$downloads" ".downloads[\$n:] == [\"/releases/download/v1.2.3/cxtrain-1.2.3-source.sha256\"]" >/dev/null'

rm -rf -- "$work/releases/download"
run_install no-release release
check "no release: fall back to a source build" '[[ $rc == 0 && $(output_of installed) == false && -n $(output_of key) ]]'
key_before="$(output_of key)"
run_install source-build build CXTRAIN_KEY="$key_before"
check "source build: cargo install of the checkout" \
    '[[ $rc == 0 && $(cat "$work/$current/cargo") == "install --locked --force --path $action --root "*"/cxtrain-action" ]]'
check "source build: on PATH and runs" '[[ $("$(installed_bin)" --version) == "cxtrain 0.0.0 (built by the fake cargo)" ]]'

downloads="$(state | jq '.downloads | length')"
run_install install-source release CXTRAIN_INSTALL=source
check "install: source never downloads" '[[ $rc == 0 && $(output_of installed) == false && $(state | jq ".downloads | length") == "$downloads" ]]'

publish
run_install release-required release CXTRAIN_INSTALL=release CXTRAIN_RELEASE_BASE_URL="$api/releases/nowhere"
check "install: release without a release fails" '[[ $rc == 1 ]] && grep -q "no release v1.2.3" "$log"'

# The cache key covers what is compiled in, and only that.
key_of() { run_install "key-$1" release CXTRAIN_INSTALL=source; output_of key; }
k1="$(key_of 1)"
printf 'on: pull_request\n' >"$action/examples/github-workflow.yml"
k2="$(key_of 2)"
printf 'logo2' >"$action/examples/logo.bin"
k3="$(key_of 3)"
printf 'more tests\n' >>"$action/tests/it.rs"
printf 'docs\n' >"$action/README.md"
k4="$(key_of 4)"
check "key: an include_str! input is part of it" '[[ $k1 != "$k2" ]]'
check "key: an include_bytes! input is part of it" '[[ $k2 != "$k3" ]]'
check "key: tests and docs are not" '[[ $k3 == "$k4" ]]'
check "key names the OS and arch" '[[ $k1 == cxtrain-Linux-X64-* ]]'

# ---------------------------------------------------------------- workflows

# Every action the repository's workflows, the examples and action.yml use is
# pinned by commit SHA with its version in a comment; every checkout keeps no
# credentials; no example hard-codes the default branch.
root="$(dirname "$here")"
current=workflows
unpinned="$(grep -nE '^[[:space:]-]*uses:' "$root/action.yml" "$root"/.github/workflows/*.yml "$root"/examples/*.yml |
    grep -vE 'uses: \./$' | grep -vE 'uses: [^@ ]+@[0-9a-f]{40} # v[0-9]+(\.[0-9]+)*$' || true)"
check "actions pinned by SHA with a version comment: ${unpinned:-all}" '[[ -z $unpinned ]]'
persisting="$(awk '/uses: actions\/checkout@/ { file = FILENAME; line = FNR; look = 3; next }
    look && /persist-credentials: false/ { look = 0; next }
    look && --look == 0 { print file ":" line }' "$root"/.github/workflows/*.yml "$root"/examples/*.yml)"
check "checkouts persist no credentials: ${persisting:-all}" '[[ -z $persisting ]]'
check "examples do not hard-code the default branch" '! grep -nE "branches: \[(main|master)\]" "$root"/examples/*.yml'

# ---------------------------------------------------------------- lint

if command -v shellcheck >/dev/null 2>&1; then
    current=shellcheck
    check "shellcheck clean" 'shellcheck -x "$here"/*.sh "$here/test/cxtrain" "$here"/test/bin/* >&2'
else
    echo "shellcheck not installed: lint skipped"
fi

echo "$passed passed, $failures failed"
((failures == 0))
