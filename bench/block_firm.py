"""The second benchmark firm: N traders spread over 20 YAML files written in block style
(one key a line, as people and most tools write YAML), each trader with two evaluation
accounts from the two templates, the T-Prop entitlement, a Tradervue and a TraderPal block.

`bench/generate.py` writes the other shape (10,000 traders a file, values in flow style).
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.generate import TEMPLATES, Counts

FILES = 20
"""The trader files of the firm (traders are spread evenly; fewer when N < 20)."""

ACCOUNTS = 2
"""Evaluation accounts per trader: one from each template."""

CITY = "Chicago"
MOVED_TO = "Evanston"


def block_counts(traders: int) -> Counts:
    """What a firm of `traders` in this shape declares."""
    return Counts(traders, traders * ACCOUNTS)


def block_trader(index: int) -> str:
    """Trader number `index` as one block-style YAML list item (deterministic)."""
    tag = f"{index:06d}"
    templates = sorted(TEMPLATES)  # eval-100k, eval-50k
    accounts = "".join(
        f"      - name: BK{tag}{n}\n        template: {template}\n"
        for n, template in enumerate(templates, start=1)
    )
    return (
        f"- name: b{tag}\n"
        f"  username: block{tag}\n"
        f"  email: block{tag}@bench.invalid\n"
        "  first_name: Block\n"
        f"  last_name: Trader{tag}\n"
        "  password:\n"
        "    generate: true\n"
        "  contact:\n"
        f'    phone: "+1556{index % 10_000_000:07d}"\n'
        f"    street_address1: {index % 9000 + 1} Lake St\n"
        f"    city: {CITY}\n"
        "    state: IL\n"
        '    post_code: "60601"\n'
        "    country: US\n"
        "  tradovate:\n"
        "    accounts:\n"
        f"{accounts}"
        "    entitlements:\n"
        "      - t-prop\n"
        "  tradervue:\n"
        "    plan: Silver\n"
        "  traderpal:\n"
        "    date_of_birth: 1990-01-01\n"
    )


def write_block_traders(manifests: Path, count: int, *, files: int = FILES) -> Counts:
    """Write `count` traders as `files` block-style YAML list files (`traders/block-NN.yaml`),
    replacing the trader files there."""
    folder = manifests / "traders"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    files = max(1, min(files, count))
    for number in range(files):
        start, stop = count * number // files, count * (number + 1) // files
        text = "".join(block_trader(i) for i in range(start, stop))
        (folder / f"block-{number:02d}.yaml").write_text(text)
    return block_counts(count)


_CITY = re.compile(rf'(\bcity"?:\s*"?){CITY}\b')


def move_traders(manifests: Path, traders: int) -> int:
    """Change the city of the first `traders` traders that live in Chicago (in file order),
    in either benchmark shape; returns how many were changed."""
    changed = 0
    for path in sorted((manifests / "traders").glob("*.yaml")):
        text = path.read_text()
        text, made = _CITY.subn(rf"\g<1>{MOVED_TO}", text, count=traders - changed)
        if made:
            path.write_text(text)
            changed += made
        if changed == traders:
            break
    return changed
