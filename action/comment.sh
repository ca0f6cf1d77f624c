#!/usr/bin/env bash
# Posts the cxtrain plan as ONE sticky pull request comment: finds the comment
# that starts with the hidden marker and edits it in place, or creates it.
#   comment.sh MARKER BODY_FILE
# Needs GITHUB_TOKEN_FOR_COMMENT, GITHUB_REPOSITORY and PR_NUMBER; talks to
# GITHUB_API_URL (the runner sets it; GitHub Enterprise has its own).
set -euo pipefail

marker="${1:?marker}"
body_file="${2:?body file}"
: "${GITHUB_TOKEN_FOR_COMMENT:?a github-token is needed to comment}"
: "${GITHUB_REPOSITORY:?}"
: "${PR_NUMBER:?}"
api_url="${GITHUB_API_URL:-https://api.github.com}"

# GitHub refuses comment bodies over 65,536 characters.
max_chars=65536
per_page=100
max_pages=50

tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT

# Calls the REST API. The token goes to curl on stdin (`-H @-`), never on its
# command line where other processes could read it. Prints the HTTP status;
# the response body lands in $tmp/response. A transport failure reads as 000.
api() {
    local method=$1 url=$2
    shift 2
    printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN_FOR_COMMENT" |
        curl -sS -X "$method" -H @- \
            -H "Accept: application/vnd.github+json" \
            -H "X-GitHub-Api-Version: 2022-11-28" \
            -o "$tmp/response" -w '%{http_code}' \
            "$@" "$api_url$url" || true
}

fail() {
    local message
    message="$(jq -r '.message? // empty | gsub("[\r\n]"; " ")' "$tmp/response" 2>/dev/null || true)"
    echo "::warning title=cxtrain::$1 (HTTP $2${message:+: $message})"
    exit 1
}

# The request body: marker line (replacing the one `cxtrain plan --format
# markdown` starts with, which is the marker for the default path), then the
# text, cut to the limit on a
# character boundary if needed. GitHub counts UTF-16 code units, so characters
# outside the BMP count twice, so each step drops half the excess in characters
# (never overshooting by more than one). A cut inside a code fence gets a
# closing fence as long as the opening one.
jq -Rs --arg marker "$marker" --argjson max "$max_chars" '
    def units: [explode[] | if . > 65535 then 2 else 1 end] | add // 0;
    # Length of the backtick fence still open at the end, or null.
    def open_fence:
        reduce (split("\n")[] | capture("^(?<ticks>`{3,})(?<rest>.*)$")) as $m (null;
            if . == null then ($m.ticks | length)
            elif ($m.ticks | length) >= . and ($m.rest | test("^\\s*$")) then null
            else . end);
    ($marker + "\n") as $head
    | "<!-- cxtrain-plan -->\n" as $own
    | (if startswith($own) then .[($own | length):] else . end)
    | "\n\n*Plan truncated to fit a comment; the job summary has all of it.*" as $note
    | if (($head + .) | units) <= $max then {body: ($head + .)}
      else
        # 64 more for the closing fence and its newline.
        ($max - ($head | units) - ($note | units) - 64) as $budget
        | {text: .[0:$budget]}
        | until((.text | units) <= $budget;
                .text = .text[0:((.text | length) - ((((.text | units) - $budget) + 1) / 2 | floor))])
        | .text as $cut
        | ($cut | open_fence) as $open
        | {body: ($head + $cut + (if $open then "\n" + ("`" * $open) else "" end) + $note)}
      end
' <"$body_file" >"$tmp/payload.json"

comments="/repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments"
existing=""
for ((page = 1; page <= max_pages; page++)); do
    status="$(api GET "$comments?per_page=$per_page&page=$page" --retry 2)"
    [[ "$status" == 200 ]] || fail "could not list the pull request comments" "$status"
    # A comment edited in the web UI comes back with CRLF line ends.
    existing="$(jq -r --arg m "$marker" \
        'map(select((.body // "") | startswith($m + "\n") or startswith($m + "\r\n")))
         | first | .id // empty' "$tmp/response")"
    [[ -z "$existing" ]] || break
    (($(jq length "$tmp/response") == per_page)) || break
done

if [[ -n "$existing" ]]; then
    status="$(api PATCH "/repos/$GITHUB_REPOSITORY/issues/comments/$existing" \
        -H "Content-Type: application/json" --data-binary "@$tmp/payload.json")"
    [[ "$status" == 200 ]] || fail "could not update plan comment $existing" "$status"
    echo "updated the plan comment: $(jq -r '.html_url // empty' "$tmp/response")"
else
    status="$(api POST "$comments" -H "Content-Type: application/json" \
        --data-binary "@$tmp/payload.json")"
    [[ "$status" == 201 ]] || fail "could not post the plan comment" "$status"
    echo "posted the plan comment: $(jq -r '.html_url // empty' "$tmp/response")"
fi
