"""Write docs/parameters.md: every parameter with default, range, unit and source (generated from the schema)."""

from __future__ import annotations

import sys
from pathlib import Path

from cxsim.params import FIRM_SECTION_NAMES, SECTIONS, FirmSettings, Rival, field_bounds, parameter_table


def render() -> str:
    rows = parameter_table()
    out = [
        "# Parameters",
        "",
        "Generated from the schema in `src/cxsim/params/` by `python scripts/param_docs.py`; do not edit by hand.",
        "Override any of them with `--set section.key=value` or in a scenario TOML.",
        "The firm sections below are the focal firm's; each rival has its own copy of them",
        "(see `[rivals.<name>]` at the end). The model's reference is [model.md](model.md).",
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
    out += _rivals()
    return "\n".join(out)


def _rivals() -> list[str]:
    """Rivals: their own copy of every firm section, plus the keys only a rival has."""
    sections = ", ".join(f"`{s}`" for s in FIRM_SECTION_NAMES)
    out = [
        "## [rivals.\\<name\\>]",
        "",
        "Each `[rivals.<name>]` table adds a rival firm with its own copy of the firm sections "
        f"({sections}): set them as `rivals.<name>.<section>.<key>`, with the same defaults, ranges and "
        "units as the focal firm's keys above. The market sections are shared by every firm. "
        "Keys only a rival has:",
        "",
        "| key | default | range | unit | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for key, field in Rival.model_fields.items():
        if key in FirmSettings.model_fields:
            continue
        lo, hi = field_bounds(field)
        extra = field.json_schema_extra or {}
        rng = "" if lo is None else f"{lo} .. {hi}"
        default = repr(field.default) if isinstance(field.default, str) else field.default
        row = f"| `rivals.<name>.{key}` | {default} | {rng} | {extra.get('unit', 'text')} | {field.description or ''} |"
        out.append(f"{row} {extra.get('source', '-')} |")
    out.append("")
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render(), encoding="utf-8")
    tmp.replace(target)
    print(f"wrote {target}")
