"""A Haven WebSocket client that is not Haven's code: Debian's python3-websockets.

Connects like a browser (token in a first `auth` message), prints every server message as one
JSON line, answers nothing itself, and exits 0 once it has seen a trigger event after an
area_updated, or 1 on a close or after 10 s.
"""
import asyncio
import json
import sys

import websockets


async def main(url: str, token: str) -> int:
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        updated = False
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            print(json.dumps(message), flush=True)
            if message["type"] == "connected":
                await ws.send(json.dumps({"id": 1, "type": "ping"}))
            elif message["type"] == "area_updated":
                updated = True
            elif message["type"] == "trigger" and updated:
                return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
    except Exception as exc:  # a close or a timeout: say which, fail
        print(f"ERROR {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
