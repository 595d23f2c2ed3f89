"""Write docs/parameters.md: every parameter with default, range, unit and source (generated from the schema)."""

from __future__ import annotations

import sys
from pathlib import Path

from cxsim.params import SECTIONS, parameter_table


def render() -> str:
    rows = parameter_table()
    out = [
        "# Parameters",
        "",
        "Generated from `src/cxsim/params.py` by `python scripts/param_docs.py`; do not edit by hand.",
        "Override any of them with `--set section.key=value` or in a scenario TOML.",
        "",
    ]
    for section in SECTIONS:
        out += [
            f"## [{section}]",
            "",
            "| key | default | range | unit | meaning | source |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            if r["key"].split(".")[0] != section:
                continue
            rng = "" if r["min"] is None else f"{r['min']} .. {r['max']}"
            out.append(f"| `{r['key']}` | {r['default']} | {rng} | {r['unit']} | {r['doc']} | {r['source']} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render(), encoding="utf-8")
    tmp.replace(target)
    print(f"wrote {target}")
