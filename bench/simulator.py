"""Messages per second the SMSAPI simulator accepts, and its memory once it holds them.

Run with `python bench/simulator.py` (options: `--help`; `--json` prints one JSON object last).
It starts `python -m portal.simulator` as a real process, sends `--messages` messages in `sms.do`
calls of `--batch` recipients (each with its own idx and check_idx=1, as the portal sends) from
`--clients` client processes over kept-alive connections, and prints the accepted messages per
second, the messages per CPU-second of the simulator process (steady when other work shares the
machine) and the simulator's resident memory at the end. Target: well over 25,000 messages/s with
4 clients and batches of 100 on 2 cores, and a reasonable memory at 1,000,000 messages.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from urllib.parse import urlencode

TOKEN = "bench-token"  # noqa: S105  (the throwaway simulator's only account)
MESSAGE = "Your order has shipped and arrives on Monday. Reply STOP to opt out."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int, server: str, latency: float) -> subprocess.Popen:
    command = [sys.executable, "-m", "portal.simulator", "--port", str(port), "--token", TOKEN,
               "--points", "100000000", "--server", server, "--latency", str(latency)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/_simulator/config")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the simulator did not start")


def _client(port: int, client: int, calls: int, batch: int) -> int:
    """Send `calls` sms.do calls of `batch` recipients; the number of messages accepted."""
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-www-form-urlencoded"}
    accepted = 0
    for call in range(calls):
        first = (client * calls + call) * batch
        numbers = ",".join(str(48_500_000_000 + first + i) for i in range(batch))
        idx = "|".join(f"b-{first + i}" for i in range(batch))
        body = urlencode({"format": "json", "encoding": "utf-8", "to": numbers, "message": MESSAGE,
                          "idx": idx, "check_idx": "1", "max_parts": "3"})
        connection.request("POST", "/api.smsapi.pl/sms.do", body, headers)
        answer = json.loads(connection.getresponse().read())
        accepted += answer.get("count", 0)
    connection.close()
    return accepted


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _server_pid(process: subprocess.Popen) -> int:
    """The process holding the state: gunicorn's one worker, or the process itself."""
    with open(f"/proc/{process.pid}/task/{process.pid}/children") as children:
        found = children.read().split()
    return int(found[0]) if found else process.pid


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process: the rate per CPU-second does not depend on other load."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(messages: int, batch: int, clients: int, server: str, latency: float) -> dict[str, object]:
    """One run: a fresh simulator, `messages` sent, the rate and the memory."""
    port = _free_port()
    process = _start(port, server, latency)
    try:
        calls = messages // batch // clients
        server_pid = _server_pid(process)
        cpu_before, started = _cpu_seconds(server_pid), time.perf_counter()
        with multiprocessing.Pool(clients) as pool:
            accepted = sum(pool.starmap(_client, [(port, c, calls, batch) for c in range(clients)]))
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds(server_pid) - cpu_before
        rss = _rss_mb(server_pid)
    finally:
        process.terminate()
        process.wait(timeout=15)
    return {"server": server, "clients": clients, "batch": batch, "latency": latency,
            "messages": accepted, "seconds": round(seconds, 2),
            "messages_per_s": round(accepted / seconds), "server_cpu_s": round(cpu, 2),
            "messages_per_cpu_s": round(accepted / cpu), "rss_mb": round(rss, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), nargs="+", default=["gunicorn"])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0])
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    args = parser.parse_args()
    rows = [measure(args.messages, args.batch, args.clients, server, latency)
            for server in args.server for latency in args.latency]
    print(f"{'server':<10}{'clients':>8}{'batch':>7}{'latency':>9}{'messages':>10}{'seconds':>9}"
          f"{'msgs/s':>9}{'msgs/CPU-s':>11}{'RSS MB':>8}")
    for row in rows:
        print(f"{row['server']:<10}{row['clients']:>8}{row['batch']:>7}{row['latency']:>9}"
              f"{row['messages']:>10}{row['seconds']:>9}{row['messages_per_s']:>9}"
              f"{row['messages_per_cpu_s']:>11}{row['rss_mb']:>8}")
    if args.json:
        print(json.dumps({"runs": rows}))


if __name__ == "__main__":
    main()
