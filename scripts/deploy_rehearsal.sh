#!/usr/bin/env bash
# A rehearsal of docs/deploy.md on one Debian machine: one PostgreSQL, one model server, two `cos serve` replicas,
# then each failure the guide describes. Everything listens on 127.0.0.1; run it after scripts/setup.sh, as root or
# with sudo. Its output is what docs/deploy.md quotes.
#
#     bash scripts/deploy_rehearsal.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say() { printf '\n$ %s\n' "$*"; }
WORK=$(mktemp -d)
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# -- the database --------------------------------------------------------------------------------------------------
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
as_root pg_ctlcluster "$VERSION" main start 2>/dev/null || true
as_postgres psql -qtc "SELECT 1 FROM pg_roles WHERE rolname = 'cos'" | grep -q 1 \
  || as_postgres psql -qc "CREATE ROLE cos LOGIN PASSWORD 'change-me'"
as_postgres psql -qtc "SELECT 1 FROM pg_database WHERE datname = 'chief'" | grep -q 1 \
  || as_postgres createdb -O cos chief
export COS_DATABASE_URL=postgresql://cos:change-me@127.0.0.1:5432/chief
export COS_MODEL=smollm2-135m COS_MAX_NEW_TOKENS=24 COS_CONFIG="$WORK/config.toml"
say cos db migrate
COS_DATA_DIR="$WORK/admin" cos db migrate

# -- the model server ----------------------------------------------------------------------------------------------
export COS_OPENAI_API_KEY=model-key-rehearsal COS_API_TOKEN=replica-token-rehearsal
start_model_server() {
  COS_DATA_DIR="$WORK/model" cos models serve --port 8080 2> "$WORK/model.log" &
  MODEL_PID=$!
  PIDS+=("$MODEL_PID")
  until grep -q '^replicas:' "$WORK/model.log"; do sleep 0.5; done
}
say cos models serve --port 8080
start_model_server
cat "$WORK/model.log"

# -- two replicas --------------------------------------------------------------------------------------------------
replica() {  # replica PORT: a `cos serve` with its own data dir, answering on the model server
  env -u COS_MODEL COS_BACKEND=openai COS_OPENAI_BASE_URL=http://127.0.0.1:8080/v1 COS_OPENAI_ADAPTERS=lora \
    COS_DATA_DIR="$WORK/replica-$1" cos serve --port "$1" 2> "$WORK/replica-$1.log" &
  PIDS+=("$!")
  echo "$!" > "$WORK/replica-$1.pid"
  until curl -s -o /dev/null -H "Authorization: Bearer $COS_API_TOKEN" "http://127.0.0.1:$1/api/version"; do
    sleep 0.5
  done
}
replica 11435
replica 11436

chat() {  # chat PORT MESSAGE [THREAD]: one turn on the chat page's API; prints the thread and who answered
  python3 - "$@" <<'PY'
import json, sys, urllib.request
port, message, thread = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
request = urllib.request.Request(f"http://127.0.0.1:{port}/web/chat", method="POST",
                                 data=json.dumps({"message": message, "thread_id": thread}).encode(),
                                 headers={"Authorization": "Bearer replica-token-rehearsal",
                                          "Content-Type": "application/json"})
events = [json.loads(line) for line in urllib.request.urlopen(request)]
done = [e for e in events if e["event"] == "done"]
if done:
    thread = next(e["thread_id"] for e in events if e["event"] == "thread")
    print(f"thread {thread}: {done[0]['trace']['department']} answered on {done[0]['trace']['model']} "
          f"({done[0]['trace']['backend']})")
    print(thread, file=open("/tmp/cos-rehearsal-thread", "w"))
else:
    print("error:", next(e["error"] for e in events if e["event"] == "error"))
PY
}

api_chat() {  # api_chat PORT MESSAGE: one turn on the Ollama API; prints the HTTP status and the error, if any
  curl -s -w ' HTTP %{http_code}\n' -H "Authorization: Bearer $COS_API_TOKEN" "http://127.0.0.1:$1/api/chat" \
    -d "{\"model\": \"cos\", \"stream\": false, \"messages\": [{\"role\": \"user\", \"content\": \"$2\"}]}" \
    | python3 -c 'import json, sys; body, status = sys.stdin.read().rsplit(" HTTP ", 1)
print(status.strip(), json.loads(body).get("error", "answered"))'
}

turns_on_page() {  # turns_on_page PORT THREAD: the answers the thread's page shows
  curl -s -H "Authorization: Bearer $COS_API_TOKEN" "http://127.0.0.1:$1/chat/$2" | grep -c 'data-testid="department"'
}

say "chat 11435 'Is an email asking for our bank password phishing?'"
chat 11435 "Is an email asking for our bank password phishing?"
THREAD=$(cat /tmp/cos-rehearsal-thread)
say "chat 11436 'What do I tell the team?' $THREAD"
chat 11436 "What do I tell the team?" "$THREAD"
say "turns_on_page 11435 $THREAD"
turns_on_page 11435 "$THREAD"

# -- failures ------------------------------------------------------------------------------------------------------
say "# the model server stops"
kill "$MODEL_PID"; wait "$MODEL_PID" 2>/dev/null || true
api_chat 11435 "Is this invoice a scam?"
say "# the model server is back"
start_model_server
api_chat 11435 "Is this invoice a scam?"

say "# the database stops"
as_root pg_ctlcluster "$VERSION" main stop
api_chat 11436 "Is this invoice a scam?"
chat 11436 "Is this invoice a scam?"
say "# the database is back"
as_root pg_ctlcluster "$VERSION" main start
api_chat 11436 "Is this invoice a scam?"

say "# replica 11435 is killed; the thread it started goes on on 11436"
kill -9 "$(cat "$WORK/replica-11435.pid")"
chat 11436 "And what should we change?" "$THREAD"
turns_on_page 11436 "$THREAD"
say "cos db check"
COS_DATA_DIR="$WORK/admin" cos db check
