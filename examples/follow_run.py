#!/usr/bin/env python3
"""Submit a Gradscope run, follow its stream live, then load its lossless CSV export.

Standard library plus the `websockets` package (Debian: python3-websockets).
Usage: python3 examples/follow_run.py SPEC.json [--url http://127.0.0.1:3000] [--every N]
Prints one line per streamed step, then a JSON summary on the last line. GRADSCOPE_URL / GRADSCOPE_TOKEN apply.
"""
import argparse
import asyncio
import csv
import io
import json
import os
import urllib.request

import websockets


def request(url, token, method="GET", body=None, headers=None):
    h = {"accept": "application/json", **(headers or {})}
    if body is not None:
        h["content-type"] = "application/json"
    if token:
        h["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=h, method=method)) as res:
        return res.read().decode()


async def follow(ws_url, token):
    steps, end = [], None
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with websockets.connect(ws_url, extra_headers=headers) as ws:
        async for raw in ws:
            msg = json.loads(raw)
            if msg["type"] == "step":
                steps.append(msg["step"])
                print(f"step {msg['step']} loss {msg['loss']}", flush=True)
            elif msg["type"] == "end":
                end = msg["run"]
                break
    return steps, end


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec")
    p.add_argument("--url", default=os.environ.get("GRADSCOPE_URL", "http://127.0.0.1:3000"))
    p.add_argument("--every", type=int, default=1)
    args = p.parse_args()
    token = os.environ.get("GRADSCOPE_TOKEN")
    base = args.url.rstrip("/")
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    run = json.loads(request(f"{base}/v1/runs", token, "POST", spec))
    ws_url = base.replace("http", "ws", 1) + f"/v1/runs/{run['id']}/stream?every={args.every}"
    steps, end = asyncio.run(follow(ws_url, token))
    text = request(f"{base}/v1/runs/{run['id']}/metrics?format=csv", token, headers={"accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(text)))
    print(json.dumps({
        "id": run["id"],
        "status": end["status"] if end else None,
        "diagnosis": (end or {}).get("diagnosis", {}) and end["diagnosis"]["verdict"],
        "streamedSteps": steps,
        "exportRows": len(rows),
        "exportSteps": sorted({int(r["step"]) for r in rows}),
        "columns": list(rows[0].keys()) if rows else [],
    }))


if __name__ == "__main__":
    main()
