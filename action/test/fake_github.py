"""Stand-in for the parts of GitHub the action talks to, for action/test.sh.

Serves on 127.0.0.1 (port 0, printed on stdout). Usage:
    fake_github.py TOKENS_JSON RELEASE_DIR
TOKENS_JSON maps each accepted token to the login it acts as; a login ending
in "[bot]" other than github-actions[bot] is a GitHub App, whose GET /user is
refused (403) as on GitHub. Every comment is written by its token's login;
like GitHub (write access edits anyone's comment), PATCH edits any comment.

REST: GET /user, GET /repos/O/R/commits/SHA/pulls, GET/POST
/repos/O/R/issues/N/comments (paged), PATCH /repos/O/R/issues/comments/ID.
Releases: GET /releases/PATH serves RELEASE_DIR/PATH (no auth), counted.
Test hooks under /_test: GET state, POST reset, POST seed/ISSUE (a list of
comment bodies, or {"body", "user"} objects; the user defaults to
"someone"), POST pulls ({"SHA": [pull request objects]}), POST fail (a
status code every API call answers with until reset with 0).
"""

import datetime
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKENS = json.loads(sys.argv[1])
RELEASES = os.path.realpath(sys.argv[2])
LIST = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
ONE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
PULLS = re.compile(r"^/repos/([^/]+/[^/]+)/commits/([^/]+)/pulls$")
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def fresh_state():
    return {"comments": [], "requests": [], "downloads": [], "pulls": {}, "fail": 0,
            "next_id": 1000, "clock": 0}


STATE = fresh_state()


def tick():
    STATE["clock"] += 1
    return (EPOCH + datetime.timedelta(seconds=STATE["clock"])).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_comment(issue, body, user):
    STATE["next_id"] += 1
    comment = {"id": STATE["next_id"], "issue": issue, "body": body, "user": {"login": user},
               "updated_at": tick(),
               "html_url": f"https://github.example/acme/trainings/pull/{issue}#issuecomment-{STATE['next_id']}"}
    STATE["comments"].append(comment)
    return comment


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def release(self, path):
        STATE["downloads"].append(path)
        file = os.path.realpath(os.path.join(RELEASES, path[len("/releases/"):]))
        if not file.startswith(RELEASES + os.sep) or not os.path.isfile(file):
            return self.reply(404, {"message": "Not Found"})
        with open(file, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def test_hook(self, path):
        global STATE
        if path == "/_test/state":
            return self.reply(200, STATE)
        if path == "/_test/reset":
            STATE = fresh_state()
            return self.reply(200, {})
        if path.startswith("/_test/seed/"):
            issue = int(path.rsplit("/", 1)[1])
            for item in self.body():
                if isinstance(item, str):
                    item = {"body": item}
                new_comment(issue, item["body"], item.get("user", "someone"))
            return self.reply(200, {})
        if path == "/_test/pulls":
            STATE["pulls"].update(self.body())
            return self.reply(200, {})
        if path == "/_test/fail":
            STATE["fail"] = self.body()
            return self.reply(200, {})
        return self.reply(404, {"message": "Not Found"})

    def handle_api(self, method):
        path, _, query = self.path.partition("?")
        if path.startswith("/_test/"):
            return self.test_hook(path)
        if path.startswith("/releases/") and method == "GET":
            return self.release(path)
        STATE["requests"].append({"method": method, "path": self.path,
                                  "auth": self.headers.get("Authorization"),
                                  "version": self.headers.get("X-GitHub-Api-Version"),
                                  "type": self.headers.get("Content-Type")})
        auth = self.headers.get("Authorization") or ""
        login = TOKENS.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
        if login is None:
            return self.reply(401, {"message": "Bad credentials"})
        if STATE["fail"]:
            return self.reply(STATE["fail"], {"message": "Resource not accessible by integration"})
        params = dict(p.split("=", 1) for p in query.split("&") if p)
        if path == "/user" and method == "GET":
            if login.endswith("[bot]"):
                return self.reply(403, {"message": "Resource not accessible by integration"})
            return self.reply(200, {"login": login, "type": "User"})
        pulls = PULLS.match(path)
        if pulls and method == "GET":
            return self.reply(200, STATE["pulls"].get(pulls.group(2), []))
        listing = LIST.match(path)
        if listing and method == "GET":
            per_page, page = int(params.get("per_page", 30)), int(params.get("page", 1))
            issue = [c for c in STATE["comments"] if c["issue"] == int(listing.group(2))]
            return self.reply(200, issue[(page - 1) * per_page:page * per_page])
        if listing and method == "POST":
            return self.reply(201, new_comment(int(listing.group(2)), self.body()["body"], login))
        match = ONE.match(path)
        if match and method == "PATCH":
            for comment in STATE["comments"]:
                if comment["id"] == int(match.group(2)):
                    comment["body"] = self.body()["body"]
                    comment["updated_at"] = tick()
                    return self.reply(200, comment)
            return self.reply(404, {"message": "Not Found"})
        return self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_api("GET")

    def do_POST(self):
        self.handle_api("POST")

    def do_PATCH(self):
        self.handle_api("PATCH")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
