"""nginx_lib.py - nginx for the benchmarks (Debian nginx-light): its own
configuration, pid, logs and temporary files in a directory of the
bench's, never the system's service.  Used by bench_http.py (a static
file as the baseline) and bench_proxy.py (in front of clubmatch)."""
import os
import subprocess

# What every bench's configuration starts with; {server} is the bench's
# own part of the http block (upstreams, servers).
CONF = """\
master_process on;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
{server}
}}
"""


def find(prog):
    """The path of prog in PATH or the sbin folders, or None."""
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, prog)
        if os.access(p, os.X_OK):
            return p
    return None


def start(nginx, tmp, server, workers, connections=1024):
    """Writes tmp/nginx.conf, CONF around server (the bench's part of the
    http block, inserted as it is), and starts nginx in the foreground,
    its stderr in tmp/stderr.log.  Returns the process."""
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(workers=workers, dir=tmp, connections=connections,
                            server=server))
    return subprocess.Popen([nginx, "-c", conf, "-p", tmp + "/",
                             "-e", os.path.join(tmp, "error.log"),
                             "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(tmp, "stderr.log"),
                                        "wb"))
