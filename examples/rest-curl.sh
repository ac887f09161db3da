#!/usr/bin/env bash
# The REST API with curl. Start the server first (npx strata serve), then:
#   STRATA_URL=http://127.0.0.1:8765 STRATA_KEY=<key, if server.apiKeys are set> bash rest-curl.sh
set -euo pipefail
url="${STRATA_URL:-http://127.0.0.1:8765}"
auth=()
if [ -n "${STRATA_KEY:-}" ]; then auth=(-H "authorization: Bearer $STRATA_KEY"); fi
call() { curl -sS --fail-with-body "${auth[@]}" -H 'content-type: application/json' "$@"; }

curl -sS "$url/readyz"; echo
call -X POST "$url/v1/memories" -d '{"userId":"alice","content":"I love hiking in the Alps"}' | jq -r .id
call -X POST "$url/v1/turns" -d '{"userId":"alice","chatId":"c1","messages":[{"role":"user","content":"My exam is next Friday"},{"role":"assistant","content":"Good luck!"}]}' | jq '.stored | length'
call -X POST "$url/v1/search" -d '{"userId":"alice","query":"mountains","k":3}' | jq -r '.results[0].memory.content'
call -X POST "$url/v1/recall" -d '{"userId":"alice","messages":[{"role":"user","content":"When is my exam?"}]}' | jq -r .context
call "$url/v1/memories?userId=bob" | jq '.items | length'
