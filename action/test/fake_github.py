"""Stand-in for the GitHub REST API issue-comment endpoints, for action/test.sh.

Serves on 127.0.0.1 (port 0, printed on stdout). Test hooks under /_test:
GET state, POST seed/ISSUE (a list of comment bodies), POST fail (a status code
every API call answers with until reset with 0).
"""

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = sys.argv[1]
STATE = {"comments": [], "requests": [], "fail": 0, "next_id": 1000}
LIST = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
ONE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")


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

    def new_comment(self, issue, body, user="github-actions[bot]"):
        STATE["next_id"] += 1
        comment = {"id": STATE["next_id"], "issue": issue, "body": body, "user": {"login": user},
                   "html_url": f"https://example.invalid/c/{STATE['next_id']}"}
        STATE["comments"].append(comment)
        return comment

    def handle_api(self, method):
        path, _, query = self.path.partition("?")
        if path == "/_test/state":
            return self.reply(200, STATE)
        if path.startswith("/_test/seed/"):
            for body in self.body():
                self.new_comment(int(path.rsplit("/", 1)[1]), body, user="someone")
            return self.reply(200, {})
        if path == "/_test/fail":
            STATE["fail"] = self.body()
            return self.reply(200, {})
        STATE["requests"].append({"method": method, "path": self.path,
                                  "auth": self.headers.get("Authorization"),
                                  "version": self.headers.get("X-GitHub-Api-Version"),
                                  "type": self.headers.get("Content-Type")})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.reply(401, {"message": "Bad credentials"})
        if STATE["fail"]:
            return self.reply(STATE["fail"], {"message": "Resource not accessible by integration"})
        listing = LIST.match(path)
        if listing and method == "GET":
            params = dict(p.split("=", 1) for p in query.split("&") if p)
            per_page, page = int(params.get("per_page", 30)), int(params.get("page", 1))
            issue = [c for c in STATE["comments"] if c["issue"] == int(listing.group(2))]
            return self.reply(200, issue[(page - 1) * per_page:page * per_page])
        if listing and method == "POST":
            return self.reply(201, self.new_comment(int(listing.group(2)), self.body()["body"]))
        match = ONE.match(path)
        if match and method == "PATCH":
            for comment in STATE["comments"]:
                if comment["id"] == int(match.group(2)):
                    comment["body"] = self.body()["body"]
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
