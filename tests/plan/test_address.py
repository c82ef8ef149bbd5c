"""Addresses as mapping keys: equal and hashed alike however they were made."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys

from reconciler.plan import Address

TEXT = "tradovate_account.alice/ACME50K1001"


def test_an_address_made_or_copied_keeps_equality_and_hash() -> None:
    address = Address.parse(TEXT)
    made = Address("tradovate_account", "alice", "ACME50K1001")
    for copied in (made, copy.copy(address), copy.deepcopy(address)):
        assert copied == address
        assert hash(copied) == hash(address)
        assert {address: 1}[copied] == 1


def test_an_address_pickled_in_another_process_hashes_as_one_made_here() -> None:
    """Its hash is kept with it, and a text's hash differs from one process to the next."""
    script = (
        "import pickle, sys\n"
        "from reconciler.plan import Address\n"
        f"sys.stdout.buffer.write(pickle.dumps(Address.parse({TEXT!r})))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, check=True)
    loaded = pickle.loads(done.stdout)  # made by the test itself
    assert loaded == Address.parse(TEXT)
    assert hash(loaded) == hash(Address.parse(TEXT))
    assert {Address.parse(TEXT): 1}[loaded] == 1
