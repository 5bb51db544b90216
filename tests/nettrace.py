"""Watching what a process does on the network: ``strace -f`` inside a private network
namespace (``unshare --net``: only loopback exists, so nothing can leave the machine even if
something tries), and a parser that names every attempt to reach another machine.

An attempt is a ``connect``/``sendto``/``sendmsg``/``sendmmsg`` to an IPv4/IPv6 address
that is not loopback, anything to port 53 (a DNS query, loopback or not), or a connection to
a local name-service socket (nscd, systemd-resolved, avahi: a DNS lookup by proxy).
Loopback, AF_UNIX (PulseAudio, ...) and AF_NETLINK are local and allowed. ``sendto`` with no
address goes to the peer its socket was connected to, which ``connect`` already showed.
Needs the apt packages strace, iproute2 and util-linux (unshare, nsenter).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# what strace records: every network syscall of every thread and child, nothing else
# (--seccomp-bpf: the other syscalls run untraced, so the program keeps its real-time pace)
STRACE = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=%network"]
SENDS = ("connect", "sendto", "sendmsg", "sendmmsg")
DNS_PORT = 53
NAME_SERVICE_SOCKETS = ("nscd", "systemd/resolve", "avahi")
LOCAL_FAMILIES = ("AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_UNSPEC")

_CALL = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)?\]?\s*(?P<name>\w+)\(")
_SOCKADDR = re.compile(r"\{sa_family=(?P<family>AF_\w+)(?P<rest>[^{}]*)\}")
_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_ADDR = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')
_PATH = re.compile(r'sun_path=@?"([^"]*)"')


@dataclass(frozen=True)
class NetCall:
    """One destination named by a send or connect in the trace."""

    pid: int  # thread id strace printed (0 if none)
    syscall: str  # connect, sendto, sendmsg or sendmmsg
    family: str  # AF_INET, AF_INET6, AF_UNIX, ...
    address: str = ""  # IP address, or the AF_UNIX path
    port: int = 0  # TCP/UDP port (IP families)
    line: str = ""  # the strace line, for the failure message


def parse(trace: str) -> list[NetCall]:
    """Every destination address in the sends and connects of an ``strace -f`` log."""
    calls = []
    for line in trace.splitlines():
        head = _CALL.match(line.strip())
        if not head or head["name"] not in SENDS:
            continue
        for addr in _SOCKADDR.finditer(line):
            rest = addr["rest"]
            port = _PORT.search(rest)
            ip = _ADDR.search(rest)
            path = _PATH.search(rest)
            calls.append(
                NetCall(
                    pid=int(head["pid"] or 0),
                    syscall=head["name"],
                    family=addr["family"],
                    address=(ip[1] or ip[2]) if ip else (path[1] if path else ""),
                    port=int(port[1]) if port else 0,
                    line=line.strip(),
                )
            )
    return calls


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def leaks(calls: list[NetCall]) -> list[str]:
    """A one-line reason for every call that reaches (or asks about) another machine."""
    out = []
    for c in calls:
        if c.family in ("AF_INET", "AF_INET6"):
            if c.port == DNS_PORT:
                out.append(f"DNS query to {c.address}:53: {c.line}")
            elif not _is_loopback(c.address):
                out.append(f"{c.syscall} to {c.address}:{c.port}: {c.line}")
        elif c.family in ("AF_UNIX", "AF_LOCAL"):
            if any(s in c.address for s in NAME_SERVICE_SOCKETS):
                out.append(f"name lookup through {c.address}: {c.line}")
        elif c.family not in LOCAL_FAMILIES:
            out.append(f"{c.syscall} on {c.family}: {c.line}")
    return out


def _wait_for_own_namespace(holder: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """Until ``unshare`` has set up its namespaces and run ``sleep`` in them."""
    deadline = time.monotonic() + timeout_s
    comm = Path(f"/proc/{holder.pid}/comm")
    while holder.poll() is None and comm.read_text().strip() != "sleep":
        assert time.monotonic() < deadline, "unshare made no network namespace within 10 s"
        time.sleep(0.02)
    assert holder.poll() is None, f"unshare failed (exit {holder.returncode})"
    assert os.readlink(f"/proc/{holder.pid}/ns/net") != os.readlink("/proc/self/ns/net")


@contextlib.contextmanager
def private_network() -> Iterator[list[str]]:
    """A new network namespace with only loopback, up. Yields the command prefix that runs a
    program inside it (``nsenter``); the namespace goes when the block ends.

    As root (CI) ``unshare --net``; otherwise in a user namespace of its own as well.
    """
    for exe in ("strace", "unshare", "nsenter", "ip"):
        assert shutil.which(exe), f"{exe} is missing: scripts/install-system-deps --test"
    as_root = os.geteuid() == 0
    user = [] if as_root else ["--map-root-user"]
    holder = subprocess.Popen(["unshare", *user, "--net", "--", "sleep", "3600"])
    try:
        _wait_for_own_namespace(holder)
        enter = ["nsenter", f"--target={holder.pid}", "--net"]
        if not as_root:
            enter += ["--user", "--preserve-credentials"]
        subprocess.run([*enter, "--", "ip", "link", "set", "lo", "up"], check=True)
        links = subprocess.run([*enter, "--", "ip", "-o", "link"], capture_output=True, text=True)
        assert [ln.split(":")[1].strip() for ln in links.stdout.splitlines()] == ["lo"], links
        yield [*enter, "--"]
    finally:
        holder.kill()
        holder.wait()
