# shellcheck shell=bash disable=SC2034 # globals for the scripts sourcing this
# GitHub REST API helpers for the action (sourced by run.sh, after lib.sh):
# the token's own identity, the pull request a commit came from, the reviewed
# plan's fingerprints, and sticky comments that only ever edit comments the
# token itself wrote. Call the gh_* commands in a subshell: on failure they
# print a warning and `exit 1`, which ends only that subshell.
#
# Needs GITHUB_TOKEN_FOR_COMMENT and GITHUB_REPOSITORY; talks to
# GITHUB_API_URL (the runner sets it; GitHub Enterprise has its own).

# GitHub refuses comment bodies over 65,536 characters.
gh_comment_limit=65536
gh_per_page=100
gh_max_pages=50

# gh_init DIR: where responses land.
gh_init() {
    gh_dir="$1"
    gh_response="$gh_dir/gh-response.json"
}

# gh_api METHOD PATH [CURL_ARGS...]: prints the HTTP status (000 when the
# request failed); the body lands in $gh_response. The token goes to curl on
# stdin (`-H @-`), never on its command line where other processes could
# read it.
gh_api() {
    local method=$1 url=$2
    shift 2
    printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN_FOR_COMMENT" |
        curl -sS -X "$method" -H @- \
            -H "Accept: application/vnd.github+json" \
            -H "X-GitHub-Api-Version: 2022-11-28" \
            --connect-timeout 10 --max-time 60 \
            -o "$gh_response" -w '%{http_code}' \
            "$@" "${GITHUB_API_URL:-https://api.github.com}$url" 2>/dev/null || true
}

# gh_fail LEVEL WHAT STATUS: an annotation with GitHub's reason (on stderr,
# so callers capturing stdout still show it), then exit 1.
gh_fail() {
    local reason
    reason="$(jq -r '.message? // empty' "$gh_response" 2>/dev/null || true)"
    annotate "$1" "$2 (HTTP $3${reason:+: $reason})" >&2
    exit 1
}

# The login the token comments as: github-actions[bot] for the workflow's
# own GITHUB_TOKEN, the `comment-author` input when given (GitHub App tokens
# cannot ask), else the account of a personal access token (GET /user).
gh_identity() {
    local status login
    if [[ -n "${CXTRAIN_COMMENT_AUTHOR:-}" ]]; then
        printf '%s' "$CXTRAIN_COMMENT_AUTHOR"
        return
    fi
    if [[ -n "${DEFAULT_GITHUB_TOKEN:-}" && "$GITHUB_TOKEN_FOR_COMMENT" == "$DEFAULT_GITHUB_TOKEN" ]]; then
        printf 'github-actions[bot]'
        return
    fi
    status="$(gh_api GET /user --retry 2)"
    [[ "$status" == 200 ]] ||
        gh_fail warning "cannot tell which account the github-token comments as (GET /user); for a GitHub App token set the comment-author input to <app-slug>[bot]" "$status"
    login="$(jq -r '.login // empty' "$gh_response")"
    [[ -n "$login" ]] || gh_fail warning "GET /user named no login" "$status"
    printf '%s' "$login"
}

# gh_comments ISSUE: every comment of the issue, oldest first, as one JSON
# array in $gh_dir/comments.json.
gh_comments() {
    local page status count
    : >"$gh_dir/pages.json"
    for ((page = 1; page <= gh_max_pages; page++)); do
        status="$(gh_api GET "/repos/$GITHUB_REPOSITORY/issues/$1/comments?per_page=$gh_per_page&page=$page" --retry 2)"
        [[ "$status" == 200 ]] || gh_fail warning "could not list the comments of pull request #$1" "$status"
        cat -- "$gh_response" >>"$gh_dir/pages.json"
        count="$(jq 'if type == "array" then length else error("not a list") end' "$gh_response")" ||
            gh_fail warning "the comments of pull request #$1 came back unreadable" "$status"
        ((count == gh_per_page)) || break
    done
    jq -s 'add // []' "$gh_dir/pages.json" >"$gh_dir/comments.json" || exit 1
}

# jq definitions for reading comments: the first line (a comment edited in
# the web UI comes back with CRLF line ends) and the fingerprint record, the
# lines right after the marker.
# shellcheck disable=SC2016 # jq code, not shell
gh_jq_defs='
def first_line: (.body // "") | split("\n")[0] | rtrimstr("\r");
def plan_marker: capture("^<!-- cxtrain-plan(?: path=(?<path>[^ ]+))?(?: env=(?<envs>[a-z0-9_,-]+))? -->$");
def record:
  [label $stop | (.body // "") | split("\n")[1:][] | rtrimstr("\r")
   | if test("^<!-- cxtrain:fingerprint (env=[a-z0-9][a-z0-9_-]* )?[0-9a-f]{64} -->$")
     then capture("^<!-- cxtrain:fingerprint (?:env=(?<env>[^ ]+) )?(?<fingerprint>[0-9a-f]{64}) -->$")
     else break $stop end];
'

# gh_upsert_comment ISSUE MARKER BODY_FILE: edits the comment the token
# itself wrote that starts with MARKER, or posts a new one. A comment by
# anyone else is never edited, whatever it starts with.
gh_upsert_comment() {
    local issue=$1 marker=$2 body_file=$3 login existing status impostors
    login="$(gh_identity)" || exit 1
    gh_comments "$issue" || exit 1
    existing="$(jq -r --arg m "$marker" --arg me "$login" "$gh_jq_defs"'
        [.[] | select(first_line == $m and .user.login == $me)] | first | .id // empty' \
        "$gh_dir/comments.json")" || exit 1
    impostors="$(jq -r --arg m "$marker" --arg me "$login" "$gh_jq_defs"'
        [.[] | select(first_line == $m and .user.login != $me) | .user.login] | unique | join(", ")' \
        "$gh_dir/comments.json")" || exit 1
    if [[ -n "$impostors" ]]; then
        annotate notice "left alone a comment starting with the cxtrain marker that $login did not write (by $impostors)" >&2
    fi
    jq -Rs '{body: .}' <"$body_file" >"$gh_dir/payload.json" || exit 1
    if [[ -n "$existing" ]]; then
        status="$(gh_api PATCH "/repos/$GITHUB_REPOSITORY/issues/comments/$existing" \
            -H "Content-Type: application/json" --data-binary "@$gh_dir/payload.json")"
        [[ "$status" == 200 ]] || gh_fail warning "could not update comment $existing" "$status"
        echo "updated comment $(jq -r '.html_url // empty' "$gh_response")"
    else
        status="$(gh_api POST "/repos/$GITHUB_REPOSITORY/issues/$issue/comments" \
            -H "Content-Type: application/json" --data-binary "@$gh_dir/payload.json")"
        [[ "$status" == 201 ]] || gh_fail warning "could not post a comment on pull request #$issue" "$status"
        echo "posted comment $(jq -r '.html_url // empty' "$gh_response")"
    fi
}

# gh_reviewed_plan SHA BRANCH MARKER_PATH ENV: the pull request SHA was
# merged from into BRANCH, and the fingerprint its latest plan comment (one
# the token's own identity wrote, for the same path) recorded for ENV (empty:
# the plan made without an environment). Prints `pr=N`, `fingerprint=HEX`
# and `comment=URL` lines; no pr line when the commit came from no pull
# request, no fingerprint line when the pull request has no recorded plan.
gh_reviewed_plan() {
    local sha=$1 branch=$2 path=$3 env=$4 status pr login
    status="$(gh_api GET "/repos/$GITHUB_REPOSITORY/commits/$sha/pulls?per_page=100" --retry 2)"
    [[ "$status" == 200 ]] ||
        gh_fail error "could not look up the pull request of commit $sha (the job needs pull-requests: read)" "$status"
    pr="$(jq -r --arg branch "$branch" --arg sha "$sha" '
        [.[] | select(.merged_at != null and .base.ref == $branch)]
        | sort_by([.merge_commit_sha == $sha, .merged_at]) | last | .number // empty' "$gh_response")" ||
        gh_fail error "the pull requests of commit $sha came back unreadable" "$status"
    [[ -n "$pr" ]] || return 0
    printf 'pr=%s\n' "$pr"
    login="$(gh_identity)" || exit 1
    gh_comments "$pr" || exit 1
    jq -r --arg me "$login" --arg path "$path" --arg env "$env" "$gh_jq_defs"'
        [.[] | select(.user.login == $me and (first_line | test("^<!-- cxtrain-plan[ ]")))
         | (first_line | plan_marker) as $m
         | select(($m.path // "") == $path)
         | record as $r
         | (if $env != "" then [$r[] | select(.env == $env)]
            elif ($m.envs // "") == "" then $r
            else [] end) as $hits
         | select($hits | length > 0)
         | {fingerprint: $hits[0].fingerprint, url: .html_url, at: (.updated_at // "")}]
        | sort_by(.at) | last // empty
        | "fingerprint=\(.fingerprint)", "comment=\(.url // "")"' "$gh_dir/comments.json" || exit 1
}
