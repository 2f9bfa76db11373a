"""``su`` on a rooted virtual phone: the client of the daemon's root shells (as Magisk's su is of
magiskd), installed as ``/system/xbin/su`` on rooted phones only.

Magisk's syntax, ``su [-c COMMAND...] [-] [-lmpM] [-s SHELL] [USER]`` (``-c`` takes every word after
it, joined with spaces, to ``sh -c``), and the AOSP userdebug one, ``su [USER [COMMAND [ARG...]]]``
(the command run as given); USER is ``root``/``0`` (the default), ``shell``/``2000`` or a uid; ``-v``
and ``-V`` print Magisk's version [U: 26.4].  The request (argv, uid, cwd, environment) goes to the
daemon with this process's stdin, stdout and stderr (SCM_RIGHTS) and the command's exit status
comes back.  Standard library only: it runs under ``python -I -S`` inside the sandbox.
"""

import array
import json
import os
import socket
import sys

VERSION = "26.4:MAGISKSU"
VERSION_CODE = "26400"
_USERS = {"root": 0, "shell": 2000}
_USAGE = """MagiskSU

Usage: su [options] [-] [user [argument...]]

Options:
  -c, --command COMMAND         Pass COMMAND to the invoked shell
  -h, --help                    Display this help message and exit
  -, -l, --login                Pretend the shell to be a login shell
  -m, -p,
  --preserve-environment        Preserve the entire environment
  -s, --shell SHELL             Use SHELL instead of the default /system/bin/sh
  -v, --version                 Display version number and exit
  -V                            Display version code and exit
  -mm, -M,
  --mount-master                Force run in the global mount namespace
"""


def parse(args: list[str]) -> "tuple[list[str], int, bool] | int":
    """(argv to run, uid, keep environment) or an exit status (help, version, bad usage)."""
    command: str | None = None
    shell = "/system/bin/sh"
    keep_env = False
    user: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-c", "--command"):
            command = " ".join(args[i + 1:])
            break
        if arg.startswith("--command="):
            command = " ".join([arg.split("=", 1)[1], *args[i + 1:]])
            break
        if arg in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            return 0
        if arg in ("-v", "--version"):
            sys.stdout.write(VERSION + "\n")
            return 0
        if arg == "-V":
            sys.stdout.write(VERSION_CODE + "\n")
            return 0
        if arg in ("-s", "--shell") and i + 1 < len(args):
            shell = args[i + 1]
            i += 2
            continue
        if arg in ("-m", "-p", "--preserve-environment"):
            keep_env = True
        elif arg in ("-", "-l", "--login", "-mm", "-M", "--mount-master"):
            pass
        elif arg.startswith("-") and user is None:
            sys.stderr.write(f"su: invalid option -- '{arg.lstrip('-')[:1]}'\n\n{_USAGE}")
            return 2
        elif user is None:
            user = arg
        else:
            rest = args[i:]
            break
        i += 1
    if user is None:
        uid = 0
    elif user in _USERS:
        uid = _USERS[user]
    elif user.isdigit():
        uid = int(user)
    else:
        sys.stderr.write(f"su: unknown user {user}\n")
        return 1
    if command is not None:
        argv = [shell, "-c", command]
    elif rest:
        argv = rest
    else:
        argv = [shell]
    return argv, uid, keep_env


def main() -> int:
    parsed = parse(sys.argv[1:])
    if isinstance(parsed, int):
        return parsed
    argv, uid, keep_env = parsed
    env = dict(os.environ)
    env["VPHONE_UID"] = str(uid)
    if not keep_env or uid == 0:
        name = "root" if uid == 0 else "shell"
        env.update(USER=name, LOGNAME=name)
    folder = os.path.dirname(os.environ.get("VPHONE_TOOL_SOCKET", "/dev/socket/vphone/tools.sock"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(os.path.join(folder, "su.sock"))
    except OSError:
        sys.stderr.write("su: the superuser daemon is not running\n")  # [U] Magisk's wording
        return 1
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = "/"
    request = json.dumps({"argv": argv, "uid": uid, "cwd": cwd, "env": env}).encode() + b"\n"
    sock.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]).tobytes())])
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            sys.stderr.write("su: the superuser daemon went away\n")
            return 1
        reply += chunk
    answer = json.loads(reply)
    if "error" in answer:
        sys.stderr.write(str(answer["error"]) + "\n")
        return 1
    return int(answer.get("status", 1))


if __name__ == "__main__":
    sys.exit(main())
