"""Load clients for bench/faults.sh, loopback only. Each prints `key value` lines.

    faults.py halfsent PORT N HOLD_SECONDS   hold N half-sent requests, time /healthz and a form
    faults.py uploads PORT N MB              N concurrent multipart posts of MB megabytes
    faults.py submit PORT                    one deletion request: status and Retry-After
    faults.py load PORT SECONDS OUT          submissions from 8 threads; acknowledged codes to OUT
"""

import http.client
import re
import resource
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
FORM = (
    "full_name=Fault+Check&email=faults.{n}%40example.com&california_resident=yes"
)


def raise_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def timed_get(port, path):
    started = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path)
        status = conn.getresponse().status
    except OSError:
        status = 0
    finally:
        conn.close()
    return status, (time.monotonic() - started) * 1000


def halfsent(port, n, hold):
    raise_file_limit()
    held = []
    for i in range(n):
        s = socket.create_connection((HOST, port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: portal\r\nX-Slow: ")
        held.append(s)
    print(f"opened {len(held)}")
    time.sleep(1)
    samples = []
    for path in ["/healthz", "/requests/new/delete"] * 5:
        samples.append((path,) + timed_get(port, path))
        time.sleep(0.2)
    worst = max(ms for _, _, ms in samples)
    statuses = sorted({status for _, status, _ in samples})
    print(f"statuses {','.join(map(str, statuses))}")
    print(f"worst_ms {worst:.0f}")
    print(f"healthz_ms {','.join(f'{ms:.0f}' for p, _, ms in samples if p == '/healthz')}")
    time.sleep(max(0, hold - 1))
    still_open = 0
    for s in held:
        s.setblocking(False)
        try:
            s.recv(1)  # an answer or the end: the portal let go of it
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        s.close()
    print(f"still_open {still_open}")


def upload(port, mb, results, i):
    boundary = "faultsboundary"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"
        f"faults.{i}@example.com\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f"name=\"document\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = mb * 1024 * 1024
    chunk = b"x" * 65536
    try:
        s = socket.create_connection((HOST, port), timeout=60)
        s.sendall(
            (
                f"POST /requests/new/correct HTTP/1.1\r\nHost: portal\r\nConnection: close\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(head) + size + len(tail)}\r\n\r\n"
            ).encode()
            + head
        )
        sent = 0
        try:
            while sent < size:
                s.sendall(chunk[: min(len(chunk), size - sent)])
                sent += min(len(chunk), size - sent)
            s.sendall(tail)
        except OSError:
            pass  # answered before the whole body was sent
        answer = s.recv(64)
        results[i] = answer[9:12].decode() if answer.startswith(b"HTTP/1.1") else "reset"
        s.close()
    except OSError:
        results[i] = "reset"


def uploads(port, n, mb):
    results = ["?"] * n
    threads = [threading.Thread(target=upload, args=(port, mb, results, i)) for i in range(n)]
    started = time.monotonic()
    for t in threads:
        t.start()
    status, ms = timed_get(port, "/healthz")
    for t in threads:
        t.join()
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    print(f"answers {' '.join(f'{k}:{v}' for k, v in sorted(counts.items()))}")
    print(f"seconds {time.monotonic() - started:.1f}")
    print(f"healthz_during {status} {ms:.0f}")


def submit(port):
    started = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(
            "POST",
            "/requests/new/delete",
            FORM.format(n=int(time.time() * 1000)),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        print(f"status {response.status}")
        print(f"retry_after {response.getheader('Retry-After') or '-'}")
    except OSError as err:
        print(f"status error:{type(err).__name__}")
        print("retry_after -")
    print(f"ms {(time.monotonic() - started) * 1000:.0f}")


def load(port, seconds, out):
    codes = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    errors = [0]

    def client(t):
        n = 0
        while time.monotonic() < stop:
            n += 1
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                conn.request(
                    "POST",
                    "/requests/new/delete",
                    FORM.format(n=f"{t}.{n}.{time.time_ns()}"),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                response = conn.getresponse()
                body = response.read().decode("utf-8", "replace")
                conn.close()
                found = re.search(r'id="tracking-code">(RD-[0-9A-Z]{4}-[0-9A-Z]{4})', body)
                if response.status == 200 and found:
                    with lock:
                        codes.append(found.group(1))
            except OSError:
                with lock:
                    errors[0] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        f.write("\n".join(codes))
    print(f"acknowledged {len(codes)}")
    print(f"errors {errors[0]}")


if __name__ == "__main__":
    command, port = sys.argv[1], int(sys.argv[2])
    if command == "halfsent":
        halfsent(port, int(sys.argv[3]), float(sys.argv[4]))
    elif command == "uploads":
        uploads(port, int(sys.argv[3]), int(sys.argv[4]))
    elif command == "submit":
        submit(port)
    elif command == "load":
        load(port, float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
