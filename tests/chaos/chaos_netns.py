"""Network namespaces for the several-hosts scenario: one bridge in the root namespace (the
"network" Redis and the V7 stand-in listen on) and one namespace per host, joined to it by a
veth pair. Everything is named after the run, and removed at the end."""
import random
import subprocess


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), check=check, capture_output=True, text=True)


def netns_unavailable():
    """None if this machine lets us create a namespace with a veth pair; else why not."""
    probe = "pqprobe%04x" % random.getrandbits(16)
    try:
        r = ip("netns", "add", probe, check=False)
        if r.returncode != 0:
            return "ip netns add failed: " + (r.stderr.strip() or "exit %d" % r.returncode)
        r = ip("link", "add", probe + "a", "type", "veth", "peer", "name", "eth0", "netns",
               probe, check=False)
        if r.returncode != 0:
            return "veth pair refused: " + r.stderr.strip()
        ip("link", "del", probe + "a", check=False)
        return None
    except FileNotFoundError:
        return "the ip command (iproute2) is not installed"
    finally:
        ip("netns", "del", probe, check=False)


class Network:
    def __init__(self, run_id, hosts):
        self.run_id = run_id
        used = ip("-o", "addr").stdout
        while True:
            self.prefix = "10.254.%d" % random.randint(16, 250)
            if self.prefix + "." not in used:
                break
        self.bridge = "pqc%sbr" % run_id
        self.gateway = self.prefix + ".1"
        self.hosts = {}  # host -> (namespace, root-side veth, address)
        try:
            ip("link", "add", self.bridge, "type", "bridge")
            ip("addr", "add", self.gateway + "/24", "dev", self.bridge)
            ip("link", "set", self.bridge, "up")
            for i, host in enumerate(hosts):
                ns = "pqc%s%s" % (run_id, host)
                veth = "pqc%sv%d" % (run_id, i)
                addr = "%s.%d" % (self.prefix, 10 + i)
                ip("netns", "add", ns)
                self.hosts[host] = (ns, veth, addr)
                ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
                ip("link", "set", veth, "master", self.bridge, "up")
                ip("netns", "exec", ns, "ip", "addr", "add", addr + "/24", "dev", "eth0")
                ip("netns", "exec", ns, "ip", "link", "set", "eth0", "up")
                ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        except subprocess.CalledProcessError:
            self.remove()
            raise

    def namespace(self, host):
        return self.hosts[host][0]

    def address(self, host):
        return self.hosts[host][2]

    def cut(self, host):
        ip("link", "set", self.hosts[host][1], "down")

    def restore(self, host):
        ip("link", "set", self.hosts[host][1], "up")

    def remove(self):
        for ns, veth, _ in self.hosts.values():
            ip("link", "del", veth, check=False)
            ip("netns", "del", ns, check=False)
        ip("link", "del", self.bridge, check=False)
