#!/usr/bin/env bash
# A CLI session. Run from a project where strata-memory is installed: bash cli-session.sh [dataDir]
set -euo pipefail
export STRATA_DATA_DIR="${1:-.strata-example}"
strata() { ${STRATA_BIN:-npx --no-install strata} "$@"; }

id=$(strata add --user alice "I love hiking in the Alps" --json | jq -r .id)
strata search --user alice "mountains" --json | jq -r '.results[0].memory.content'
strata search --user bob "mountains" --json | jq '.results | length'          # 0
strata update "$id" --user alice --content "I love hiking in the Dolomites" --json > /dev/null
strata history "$id" --user alice --json | jq 'length'                          # 2 versions
strata rollback "$id" 1 --user alice --json | jq -r .content                    # back to the Alps
strata recall --user alice "what do I like doing outdoors?" --json | jq -r .context
strata export --user alice --out "$STRATA_DATA_DIR/alice.ndjson"
wc -l < "$STRATA_DATA_DIR/alice.ndjson"
