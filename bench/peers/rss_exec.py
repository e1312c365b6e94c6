"""Runs a command and writes its peak resident memory (ru_maxrss, KiB) to the file named by
the environment variable RSS_EXEC_OUT. Used as Brian2's standalone run command so that the
simulation binary's memory is measured without the compiler's."""

import os
import sys

pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
out = os.environ.get("RSS_EXEC_OUT")
if out:
    with open(out, "w") as f:
        f.write(f"{usage.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
