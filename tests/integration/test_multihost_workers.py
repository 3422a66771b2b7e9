"""Workers on two hosts share one PostgreSQL queue (docs/deploy.md "Workers on several hosts").

Each "host" is a network namespace of its own with a veth pair to this machine's namespace and a hostname
of its own (a UTS namespace), so its worker reaches PostgreSQL over TCP at a distinct address
(10.200.n.1, a small TCP relay in this process forwarding to the test database; the server's own
configuration is left alone) and names itself ``host-n:pid:thread`` in job leases. Two clients send
uploads through the API and start a Data Collection each; every job is run to completion exactly once,
and the worker holding one client's collection is killed (SIGKILL) mid-job: the other host takes the job
over once the lease lapses and finishes it without collecting any line twice.

Runs only when the test database is PostgreSQL and network namespaces can be made (root, ``ip netns``);
the namespaces are removed whatever happens.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, make_url, select

from accounting_support import COLLECTION, accounting_tenant, send, verify
from inbound_data import so_line
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import client, job, rc_line, revenue_contract, stage_line
from revrec.jobs import worker
from support import login, unique

LEASE = 4  # seconds (the default is 30), so that the takeover is quick
PREFIX = "revrec-t"  # namespaces are named revrec-t<pid>-<n>
# ``revrec worker`` as the command runs it, with two additions for the test: each job it finishes is
# printed ("ran <job id> <owner>"), and Data Collection chunks are 3 lines 0.5 s apart so that a kill
# lands mid-job.
WORKER = """
import sys, time
from revrec import cli
from revrec.contracts import collection
from revrec.jobs import worker
collection.CHUNK = 3
step = collection._step
def slow_step(*args, **kwargs):
    time.sleep(0.5)
    return step(*args, **kwargs)
collection._step = slow_step
run = worker._run
def reported_run(engine, claimed):
    run(engine, claimed)
    print("ran", claimed.id, worker.owner_name(), flush=True)
worker._run = reported_run
sys.exit(cli.main(["worker"]))
"""


def _lines(count: int) -> list[dict[str, str]]:
    """``count`` subscription lines, three to a sales order."""
    prefix = unique("H")
    dates = {
        "Cust Num": "C",
        "Doc Date": "05-JAN-2026",
        "Start Date": "01-JAN-2026",
        "End Date": "31-DEC-2026",
    }
    return [
        so_line(f"{prefix}-{i}", **{"Doc Num": f"{prefix}-SO{i // 3}", "Item Num": "SUB", **dates})
        for i in range(count)
    ]


def _counts(engine: Engine, client_id: int) -> tuple[int, int, int, set[str]]:
    """Line versions, distinct lines, contracts and staging flags of a client."""
    with transaction(engine, readonly=True) as conn:
        lines = conn.execute(select(func.count()).where(rc_line.c.client_id == client_id)).scalar_one()
        distinct = func.count(func.distinct(rc_line.c.line_id))
        current = conn.execute(select(distinct).where(rc_line.c.client_id == client_id)).scalar_one()
        contracts = conn.execute(
            select(func.count()).where(revenue_contract.c.client_id == client_id)
        ).scalar_one()
        flag = select(stage_line.c.processed_flag).where(stage_line.c.client_id == client_id)
        flags = set(conn.execute(flag).scalars())
    return int(lines), int(current), int(contracts), flags


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _remove_stale_namespaces() -> None:
    """Namespaces left by an earlier run that was killed (its pid is gone)."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    for name, pid in re.findall(rf"^({PREFIX}(\d+)-\d+)", listing, flags=re.MULTILINE):
        if not Path(f"/proc/{pid}").exists():
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def _namespaces_available() -> str | None:
    """Why namespaced hosts cannot run here, or None when they can."""
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        return "needs iproute2 (ip) and util-linux (unshare)"
    probe = f"{PREFIX}{os.getpid()}-0"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace (needs root): {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


class Relay:
    """Forwards TCP connections made to ``listen`` (a host-side veth address) to the database server, and
    records the address each connection came from."""

    def __init__(self, listen: str, target: tuple[str, int]) -> None:
        self.target = target
        self.peers: set[str] = set()
        self.server = socket.create_server((listen, 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, (peer, _port) = self.server.accept()
            except OSError:
                return  # closed
            self.peers.add(peer)
            try:
                upstream = socket.create_connection(self.target)
            except OSError:  # the worker sees a refused connection and retries
                client.close()
                continue
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


@dataclass
class Host:
    number: int
    namespace: str
    address: str  # the host's own address (inside its namespace)
    gateway: str  # this machine's end of the veth pair, where the relay listens
    log: Path
    relay: Relay | None = None
    process: subprocess.Popen[bytes] | None = None
    ran: dict[int, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"host-{self.number}"

    def read_ran(self) -> dict[int, str]:
        lines = re.findall(r"^ran (\d+) (\S+)$", self.log.read_text(), flags=re.MULTILINE)
        return {int(job_id): owner for job_id, owner in lines}


@contextmanager
def _host(number: int, tmp_path: Path) -> Iterator[Host]:
    """A network namespace with a veth pair to this one: 10.200.s.2 inside, 10.200.s.1 here."""
    pid = os.getpid()
    subnet = 2 * (pid % 120) + number  # distinct per host and, very likely, per concurrent run
    namespace, outside, inside = f"{PREFIX}{pid}-{number}", f"rvh{pid % 100000}h{number}", f"rvn{number}"
    host = Host(
        number, namespace, f"10.200.{subnet}.2", f"10.200.{subnet}.1", tmp_path / f"host-{number}.log"
    )
    try:
        _ip("netns", "add", namespace)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
        _ip("addr", "add", f"{host.gateway}/24", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("-n", namespace, "addr", "add", f"{host.address}/24", "dev", inside)
        _ip("-n", namespace, "link", "set", inside, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        yield host
    finally:
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", outside], capture_output=True, check=False)  # gone with the peer


@contextmanager
def _worker_on(host: Host, settings: Settings) -> Iterator[Host]:
    url = make_url(settings.effective_database_url)
    host.relay = Relay(host.gateway, (url.host or "127.0.0.1", url.port or 5432))
    remote = url.set(host=host.gateway, port=host.relay.port).render_as_string(hide_password=False)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REVREC_DATABASE_URL": remote,
        "REVREC_SECRET_KEY": settings.secret_key,
        "REVREC_DATA_DIR": str(settings.data_dir),
        "REVREC_JOB_LEASE_SECONDS": str(LEASE),
        "REVREC_WORKER_POLL_MS": "100",
    }
    command = [
        "ip", "netns", "exec", host.namespace, "unshare", "--uts", "sh", "-c",
        f'hostname {host.name} && exec "$0" -c "$1"', sys.executable, WORKER,
    ]  # fmt: skip
    with host.log.open("w") as output:
        host.process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield host
    finally:
        if host.process.poll() is None:
            host.process.terminate()
            try:
                host.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait(timeout=10)
        host.relay.close()


@pytest.fixture
def hosts(database_url: str, settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[list[Host]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("workers on several hosts share a PostgreSQL queue: set REVREC_TEST_DATABASE_URL")
    _remove_stale_namespaces()
    reason = _namespaces_available()
    if reason is not None:
        pytest.skip(reason)
    worker.run_until_idle(engine)  # jobs other tests left queued are not this test's
    with ExitStack() as stack:
        started = [stack.enter_context(_host(n, tmp_path)) for n in (1, 2)]
        yield [stack.enter_context(_worker_on(host, settings)) for host in started]


def _jobs(engine: Engine, client_ids: list[int]) -> list[Any]:
    with transaction(engine, readonly=True) as conn:
        return list(conn.execute(select(job).where(job.c.client_id.in_(client_ids)).order_by(job.c.id)))


def _wait(what: str, until: Callable[[], Any], seconds: float, hosts: list[Host]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := until():
            return result
        time.sleep(0.05)
    logs = "\n".join(f"--- {h.name}\n{h.log.read_text()}" for h in hosts)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def test_workers_on_two_hosts_run_every_job_once_and_take_over_a_killed_one(
    http: TestClient, engine: Engine, hosts: list[Host]
) -> None:
    tenants = [accounting_tenant(engine) for _ in range(2)]
    headers = [login(http, tenant) for tenant in tenants]
    for each in headers:
        for _ in range(2):  # two uploads per client, 15 lines each (5 sales orders)
            send(http, each, *_lines(15))
    with transaction(engine, readonly=True) as conn:
        ids = [
            int(conn.execute(select(client.c.id).where(client.c.name == t.client)).scalar_one())
            for t in tenants
        ]
    staged = lambda: all(row.status == "Completed" for row in _jobs(engine, ids))  # noqa: E731
    _wait("the uploads to be staged", staged, 60, hosts)
    numbers = []
    for each in headers:
        response = http.post(COLLECTION, headers=each, json={"rc_template_name": "Std", "org_id": 0})
        assert response.status_code == 200, response.text
        numbers.append(int(response.json()["job_id"]))
    collections = lambda: [r for r in _jobs(engine, ids) if r.number in numbers]  # noqa: E731

    # both collections running, one on each host (a worker runs one job at a time); kill the first one's
    def both_running() -> list[Any] | None:
        rows = collections()
        return rows if all(r.status == "Running" and r.progress_done >= 6 for r in rows) else None

    running = _wait("both collections to be mid-job", both_running, 60, hosts)
    owners = {row.number: row.lease_owner for row in running}
    assert {owner.split(":")[0] for owner in owners.values()} == {"host-1", "host-2"}, owners
    victim_number = numbers[0]
    victim_host = next(h for h in hosts if owners[victim_number].startswith(f"{h.name}:"))
    survivor = next(h for h in hosts if h is not victim_host)
    assert victim_host.process is not None
    assert owners[victim_number].split(":")[1] == str(victim_host.process.pid)  # the worker is that process
    os.kill(victim_host.process.pid, signal.SIGKILL)
    victim_host.process.wait(timeout=10)
    killed = next(r for r in collections() if r.number == victim_number)
    assert killed.status == "Running" and killed.progress_done < killed.progress_total == 30

    finished = lambda: all(r.status not in ("Pending", "Running") for r in collections())  # noqa: E731
    _wait("the collections to finish", finished, 90, hosts)
    rows = _jobs(engine, ids)
    assert {row.status for row in rows} == {"Completed"}, [(r.id, r.status, r.error_message) for r in rows]
    assert len(rows) == 6  # 4 uploads' staging jobs and 2 collections
    ran = {h.name: h.read_ran() for h in hosts}
    for row in rows:
        runners = [name for name, jobs in ran.items() if row.id in jobs]
        assert len(runners) == 1, (row.id, ran)  # finished once, by one worker
        assert ran[runners[0]][row.id].startswith(f"{runners[0]}:")
        if row.number == victim_number:
            assert row.attempts == 2 and runners == [survivor.name]  # taken over by the other host
        else:
            assert row.attempts == 1
    for tenant, client_id in zip(tenants, ids, strict=True):
        assert _counts(engine, client_id) == (30, 30, 10, {"Y"})  # every line collected exactly once
        assert verify(engine, tenant) == []
    for host in hosts:  # each worker reached the database from its own namespace's address
        assert host.relay is not None and host.relay.peers == {host.address}
