"""Process workers end with their parent, even when it is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from joblib import Parallel, delayed
    from sklearn_ccafusion.utils._workers import workers_end_with_parent

    def work(folder, i):
        open(os.path.join(folder, f"{os.getpid()}.pid"), "w").close()
        time.sleep(120)

    with workers_end_with_parent():
        Parallel(n_jobs=2)(delayed(work)(sys.argv[1], i) for i in range(2))
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead
        return stat.read().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.pid"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(p.stem) for p in tmp_path.glob("*.pid")]
        assert len(workers) == 2, "the workers did not start"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers)
    finally:
        parent.kill()
        for path in tmp_path.glob("*.pid"):
            try:
                os.kill(int(path.stem), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process ids")
@pytest.mark.parametrize("told", ["its parent", "another process"])
def test_a_worker_told_a_parent_that_is_not_its_own_exits_at_once(told):
    """The parent's id is fixed before the worker starts: an orphan knows it is one."""
    parent = os.getpid() if told == "its parent" else 1
    script = (
        "import sys, time\n"
        "from sklearn_ccafusion.utils._workers import exit_with_parent\n"
        f"exit_with_parent({parent}, interval=0.05)\n"
        "time.sleep(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=120)
    assert result.returncode == (0 if told == "its parent" else 1)


def test_other_backends_are_left_as_chosen():
    from joblib import parallel_config
    from joblib.parallel import get_active_backend

    from sklearn_ccafusion.utils._workers import workers_end_with_parent

    with parallel_config(backend="threading"), workers_end_with_parent():
        assert type(get_active_backend()[0]).__name__ == "ThreadingBackend"


def _mark(folder):
    open(os.path.join(folder, f"{os.getpid()}.started"), "w").close()


def test_a_given_initializer_runs_and_the_watch_is_added_once(tmp_path):
    from joblib import Parallel, delayed, parallel_config
    from joblib.parallel import get_active_backend

    from sklearn_ccafusion.utils._workers import exit_with_parent, workers_end_with_parent

    with parallel_config(backend="loky", initializer=_mark, initargs=(str(tmp_path),)):
        with workers_end_with_parent(), workers_end_with_parent():
            kwargs = get_active_backend()[0].backend_kwargs
            assert kwargs["initializer"] is exit_with_parent
            assert kwargs["initargs"] == (os.getpid(), _mark, (str(tmp_path),))
            pids = Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(4))
    assert {int(p.stem) for p in tmp_path.glob("*.started")} >= set(pids) - {os.getpid()}
