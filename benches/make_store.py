"""Writes a token store of N entries (default 200) to the path given, for the start-up benches."""
import json
import sys

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
entries = {
    f"tok{i:03}": {
        "token": "t" * 64,
        "secret": "s" * 64,
        "account": "1234567_SB1",
        "consumerKey": "c" * 64,
        "consumerSecret": "x" * 64,
        "role": "3",
        "createdAt": "2026-11-22T10:00:00Z",
    }
    for i in range(n)
}
with open(path, "w") as f:
    json.dump(entries, f)
