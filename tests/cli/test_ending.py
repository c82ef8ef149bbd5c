"""The process's end after a command: at once, its exit status and output intact, what the
command kept never freed; as Python usually ends when a thread is still going; and nothing
kept by a command run in process (a test's runner)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref

from reconciler.cli.ending import keep_to_the_end

SCRIPT = """
import sys, threading, time
from reconciler.cli.ending import keep_to_the_end, run

class Noisy:
    def __del__(self):
        print("freed", flush=True)

def main():
    keep_to_the_end(Noisy())
    print("done")  # buffered: the end flushes it
    print("to stderr", file=sys.stderr)
    if {thread}:
        threading.Thread(target=time.sleep, args=(0.2,)).start()
    sys.exit({status})

run(main)
"""


def end_of(status: str, *, thread: bool = False) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(SCRIPT.format(status=status, thread=thread))
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_run_ends_with_its_status_and_output_and_frees_nothing_it_kept() -> None:
    ended = end_of("2")

    assert (ended.returncode, ended.stdout, ended.stderr) == (2, "done\n", "to stderr\n")


def test_a_run_that_returns_ends_with_0_and_one_that_exits_with_a_text_prints_it() -> None:
    assert end_of("None").returncode == 0
    texted = end_of("'Error: the text'")
    assert (texted.returncode, texted.stderr) == (1, "to stderr\nError: the text\n")


def test_a_run_with_a_thread_still_going_ends_as_python_does() -> None:
    ended = end_of("3", thread=True)

    assert ended.returncode == 3
    assert ended.stdout.startswith("done\n")  # the thread was waited for; the kept value freed
    assert "freed" in ended.stdout


def test_a_command_run_in_process_keeps_nothing() -> None:
    class Value:
        pass

    value = Value()
    kept = weakref.ref(value)
    keep_to_the_end(value)
    del value
    gc.collect()

    assert kept() is None
