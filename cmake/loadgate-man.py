#!/usr/bin/env python3
"""loadgate-man: writes loadgate(1), the manual page, from the commands' own help.

  cmake/loadgate-man.py build/framework/loadgate > loadgate.1
  cmake/loadgate-man.py build/framework/loadgate loadgate.1.gz   # gzipped, reproducibly (the build's)

Runs `loadgate -h`, then `loadgate <command> -h` for every command and sub-command it lists,
and sets each help text as a section of roff: the page can never say other than the binary.
Exits 1 (naming the command) when a help text cannot be read.
"""
import gzip
import re
import subprocess
import sys

HEADER = """.TH LOADGATE 1 "" "loadgate {version}" "User Commands"
.SH NAME
loadgate \\- load tests that gate CI (HTTP, gRPC, WebSocket)
.SH SYNOPSIS
.B loadgate
.I command
[\\fIoptions\\fR]
.br
.B loadgate
.I command
.B \\-h
.SH DESCRIPTION
loadgate sends load to HTTP, gRPC and WebSocket services, reports it as Vegeta, ghz and k6 do,
and gates it against baselines. Its verbs are Vegeta's (\\fBattack | report\\fR, \\fBencode\\fR,
\\fBplot\\fR) plus \\fBgrpc\\fR, \\fBws\\fR, \\fBjourney\\fR, \\fBbreakpoint\\fR and the gate's
(\\fBcheck\\fR, \\fBcompare\\fR, \\fBrun\\fR). Each section below is a command's own \\fB\\-h\\fR.
"""

FOOTER = """.SH EXIT STATUS
0 on success; 1 on a failure to run or write; 2 on bad input (the message names the file, line and
field); 3 when a gate is breached (check, compare, run, breakpoint \\-min\\-capacity); 130 when
interrupted.
.SH SEE ALSO
The README of the loadgate sources, and \\fBvegeta\\fR(1) whose verbs and formats loadgate keeps.
"""


def help_text(binary, args):
    """The help of `loadgate args... -h`, or exits 1 naming the command."""
    p = subprocess.run([binary, *args, "-h"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or not p.stdout.strip():
        sys.exit(f"loadgate-man: `loadgate {' '.join(args)} -h` failed (exit {p.returncode}): {p.stderr.strip()}")
    return p.stdout


def subcommands(text):
    """The names listed under "Subcommands:" in a help text."""
    names, inside = [], False
    for line in text.splitlines():
        if line.startswith("Subcommands:"):
            inside = True
            continue
        if inside:
            m = re.match(r"  (\S+)\s", line)
            if not m:
                if line.strip():
                    break
                continue
            names.append(m.group(1))
    return names


def roff(text):
    """Help text as literal roff lines (no fill), escaped."""
    out = [".nf"]
    for line in text.rstrip().splitlines():
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line.replace("-", "\\-"))
    out.append(".fi")
    return "\n".join(out)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: loadgate-man.py LOADGATE [OUTPUT[.gz]]")
    binary = sys.argv[1]
    version = subprocess.run([binary, "-version"], capture_output=True, text=True).stdout.split()[-1]
    top = help_text(binary, [])
    page = [HEADER.format(version=version), ".SH COMMANDS", roff(top)]
    queue = [[c] for c in subcommands(top)]
    while queue:
        args = queue.pop(0)
        text = help_text(binary, args)
        page += [".SS " + " ".join(args), roff(text)]
        queue[0:0] = [args + [c] for c in subcommands(text)]
    page.append(FOOTER)
    text = "\n".join(page)
    if len(sys.argv) == 2:
        sys.stdout.write(text)
    elif sys.argv[2].endswith(".gz"):
        with open(sys.argv[2], "wb") as f:
            f.write(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    else:
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
