#!/usr/bin/env bash
# Tests for the action's scripts: runs action/run.sh the way action.yml does,
# against a fake cxtrain (test/cxtrain) and a fake GitHub API on 127.0.0.1
# (test/fake_github.py). Needs bash, curl, jq and python3. Run: action/test.sh
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
    rm -rf -- "$work"
}
trap cleanup EXIT

token="ghs_test_token_for_comment"
python3 "$here/test/fake_github.py" "$token" >"$work/port" &
server_pid=$!
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
api="http://127.0.0.1:$(cat "$work/port")"

failures=0
current=""
check() {
    if ! eval "$2"; then
        echo "FAIL [$current] $1"
        failures=$((failures + 1))
    fi
}

state() { curl -sS "$api/_test/state"; }
reset_server() {
    curl -sS -X POST --data 0 "$api/_test/fail" >/dev/null
}

# run_action NAME COMMAND RC STDOUT_TEXT [VAR=VALUE...]: runs run.sh in a clean
# environment; sets $rc, $out (GITHUB_OUTPUT), $log (stdout+stderr), $sum.
run_action() {
    current=$1
    local command=$2 fake_rc=$3 text=$4
    shift 4
    local case_dir="$work/$current"
    mkdir -p "$case_dir/log" "$case_dir/tmp"
    printf '%s' "$text" >"$case_dir/stdout.md"
    : >"$case_dir/output"
    : >"$case_dir/summary"
    rc=0
    env -i PATH="$here/test:/usr/bin:/bin" HOME="$case_dir" LC_ALL=C.UTF-8 \
        GITHUB_OUTPUT="$case_dir/output" GITHUB_STEP_SUMMARY="$case_dir/summary" \
        RUNNER_TEMP="$case_dir/tmp" GITHUB_API_URL="$api" GITHUB_REPOSITORY=acme/trainings \
        GITHUB_SERVER_URL=https://github.com GITHUB_RUN_ID=77 GITHUB_SHA=ffffffffffff \
        FAKE_LOG="$case_dir/log" FAKE_RC="$fake_rc" FAKE_STDOUT="$case_dir/stdout.md" \
        CXTRAIN_COMMAND="$command" CXTRAIN_PATH=. CXTRAIN_COMMENT=true \
        GITHUB_TOKEN_FOR_COMMENT="$token" OPENCX_API_KEY=ocx_secret_key OPENCX_API_URL= \
        "$@" bash "$here/run.sh" >"$case_dir/log.txt" 2>&1 || rc=$?
    out="$case_dir/output"
    log="$case_dir/log.txt"
    sum="$case_dir/summary"
    argv="$case_dir/log/argv"
    fenv="$case_dir/log/env"
}
output_of() { sed -n "s/^$1=//p" "$out"; }

# validate: annotations format, exit code passed through, key only in env.
run_action validate-invalid validate 3 "::error file=a.md,line=1::bad" CXTRAIN_ARGS="--strict"
check "exit 3 passes through" '[[ $rc == 3 ]]'
check "exitcode output" '[[ $(output_of exitcode) == 3 ]]'
check "argv" '[[ $(paste -sd" " "$argv") == "--dir . validate --format github --strict" ]]'
check "annotations reach the log as commands" 'grep -qx "::error file=a.md,line=1::bad" "$log"'
check "key only via env" '! grep -q ocx_secret_key "$argv" && grep -qx key=ocx_secret_key "$fenv"'
check "empty api-url is unset" 'grep -qx "url=<unset>" "$fenv"'
check "key never printed" '! grep -q ocx_secret_key "$log" "$out" "$sum"'

# args: whitespace and newlines split, globs not expanded.
run_action args apply 0 "" CXTRAIN_ARGS=$'--no-delete\n  saved*.json\t-v' CXTRAIN_PATH=sub/dir \
    OPENCX_API_KEY= OPENCX_API_URL=http://127.0.0.1:9
check "apply argv" '[[ $(paste -sd" " "$argv") == "--dir sub/dir apply --yes --no-delete saved*.json -v" ]]'
check "empty key is unset" 'grep -qx "key=<unset>" "$fenv"'
check "api-url via env" 'grep -qx "url=http://127.0.0.1:9" "$fenv"'
check "apply rc 0" '[[ $rc == 0 && $(output_of exitcode) == 0 && -z $(output_of has-changes) ]]'

run_action apply-refused apply 4 ""
check "apply refusal fails the step" '[[ $rc == 4 && $(output_of exitcode) == 4 ]]'

# plan with changes on a pull request: success, outputs, summary, one comment.
plan_md=$'<!-- cxtrain-plan -->\n## Plan: 1 to create\n\n::warning::from a training body\n'
run_action plan-changes plan 2 "$plan_md" PR_NUMBER=12 PR_HEAD_SHA=abcdef1234567
check "exit 2 does not fail the step" '[[ $rc == 0 ]]'
check "outputs" '[[ $(output_of exitcode) == 2 && $(output_of has-changes) == true ]]'
plan_file="$(output_of plan-file)"
check "plan file saved" '[[ $plan_file == /* && -s $plan_file ]]'
check "plan argv" '[[ $(paste -sd" " "$argv") == "--dir . plan --format markdown --detailed-exitcode --out $plan_file" ]]'
check "summary has plan and commit" 'grep -q "## Plan: 1 to create" "$sum" && grep -q "at abcdef1" "$sum"'
check "plan printed with workflow commands off" \
    'grep -B5 -x "::warning::from a training body" "$log" | grep -q "^::stop-commands::cxtrain-"'
check "one comment posted" '[[ $(state | jq ".comments | length") == 1 ]]'
check "comment has the marker once, then the plan" \
    'state | jq -e ".comments[0].body | startswith(\"<!-- cxtrain-plan -->\n## Plan: 1 to create\")" >/dev/null'
check "bearer token and API version sent" \
    'state | jq -e "all(.requests[]; .auth == \"Bearer $token\" and .version == \"2022-11-28\")" >/dev/null'
check "token never printed" '! grep -q "$token" "$log" "$out" "$sum"'
first_id="$(state | jq '.comments[0].id')"

# second push: the same comment is edited, no new one.
run_action plan-update plan 0 "No changes." PR_NUMBER=12 PR_HEAD_SHA=1111111aaaa
check "no changes outputs" '[[ $rc == 0 && $(output_of has-changes) == false ]]'
check "still one comment" '[[ $(state | jq ".comments | length") == 1 ]]'
check "edited in place" 'state | jq -e ".comments[0].id == $first_id and (.comments[0].body | contains(\"No changes.\") and contains(\"at 1111111\"))" >/dev/null'
check "edited with PATCH" '[[ $(state | jq -r ".requests[-1].method") == PATCH ]]'
check "writes send JSON" 'state | jq -e "all(.requests[] | select(.method != \"GET\"); .type == \"application/json\")" >/dev/null'

# a failed plan replaces the stale plan in the comment and fails the step.
run_action plan-error plan 1 "" PR_NUMBER=12
check "error fails the step" '[[ $rc == 1 && $(output_of exitcode) == 1 && -z $(output_of has-changes) ]]'
check "no plan file on error" '[[ -z $(output_of plan-file) ]]'
check "comment says failed" 'state | jq -e ".comments[0].body | contains(\"cxtrain plan failed (exit 1: runtime or API error)\")" >/dev/null'
check "summary says failed" 'grep -q "plan failed" "$sum"'

# comment: false, or no pull request: no API traffic.
before="$(state | jq '.requests | length')"
run_action no-comment plan 2 "x" PR_NUMBER=12 CXTRAIN_COMMENT=false
run_action not-a-pr plan 2 "x"
check "no requests without comment or PR" '[[ $(state | jq ".requests | length") == "$before" ]]'

# other directories get their own sticky comment.
run_action other-path plan 2 $'<!-- cxtrain-plan -->\nother' PR_NUMBER=12 CXTRAIN_PATH=teams/support
check "second marker" 'state | jq -e "[.comments[].body | select(startswith(\"<!-- cxtrain-plan path=teams/support -->\nother\"))] | length == 1" >/dev/null'
check "default comment untouched" 'state | jq -e ".comments[0].body | contains(\"plan failed\")" >/dev/null'

# the marker is found past the first page of comments, despite CRLF line ends.
seed="$(jq -n '[range(130) | "comment \(.)"] + ["<!-- cxtrain-plan -->\r\nold plan, edited in the web UI"]')"
curl -sS -X POST --data "$seed" "$api/_test/seed/99" >/dev/null
run_action paginate plan 2 "" PR_NUMBER=99
check "no new comment when one exists" '[[ $(state | jq "[.comments[] | select(.issue == 99)] | length") == 131 ]]'
run_action paginate-2 plan 2 "page two" PR_NUMBER=99
check "paged to the seeded marker" 'state | jq -e "([.comments[] | select(.body | contains(\"page two\"))] | length == 1) and ([.comments[] | select(.body | contains(\"old plan\"))] | length == 0)" >/dev/null'
check "listed page 2" 'state | jq -e "any(.requests[]; .path | contains(\"page=2\"))" >/dev/null'

# huge plan: cut under 65,536 UTF-16 units, the open 4-backtick fence closed.
big="$(python3 -c 'print("```text\nclosed\n```\n\n````diff\n" + "🙂 line é ```\n" * 10000)')"
run_action huge plan 2 "$big" PR_NUMBER=13
body_units="$(state | jq '[.comments[] | select(.body | contains("Plan truncated"))][0].body | [explode[] | if . > 65535 then 2 else 1 end] | add')"
check "truncated under the limit ($body_units)" '[[ $body_units -le 65536 && $body_units -gt 65000 ]]'
check "fence closed" 'state | jq -e "[.comments[] | select(.body | contains(\"Plan truncated\"))][0].body | contains(\"\n\u0060\u0060\u0060\u0060\n\n*Plan truncated\")" >/dev/null'
check "summary keeps the whole plan" '[[ $(grep -c "line é" "$sum") == 10000 ]]'

# a token without write access: warning, the plan step still succeeds.
curl -sS -X POST --data 403 "$api/_test/fail" >/dev/null
run_action forbidden plan 2 "x" PR_NUMBER=12
reset_server
check "plan succeeds despite comment failure" '[[ $rc == 0 && $(output_of has-changes) == true ]]'
check "warning with reason" 'grep -q "::warning title=cxtrain::could not list the pull request comments (HTTP 403: Resource not accessible by integration)" "$log"'

# an unknown command is rejected before running anything.
run_action unknown destroy 0 ""
check "unknown command" '[[ $rc == 64 && ! -e $argv ]] && grep -q "unknown command .destroy." "$log"'

if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all action checks passed"
