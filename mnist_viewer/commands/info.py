"""``mnist-viewer info PATH [--json]``: describe a dataset or a sequence file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.errors import printable
from ..core.sources.datasets import open_dataset
from .inputs import DATASETS, SEQUENCE_FILES, add_layout_option, dumps_json, is_sequence_input


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="describe a dataset or a sequence file",
        description=f"Describe {DATASETS} or {SEQUENCE_FILES}.",
    )
    parser.add_argument("path", help="the dataset or sequence file (or folder)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_layout_option(parser)
    parser.set_defaults(func=run)


def describe_dataset(path: str | Path) -> dict[str, Any]:
    """What ``info --json`` prints for a dataset."""
    splits = open_dataset(path)
    first = next(iter(splits.values()))
    return {
        "kind": "dataset",
        "path": str(path),
        "format": first.format,
        "name": first.name,
        "image_shape": list(first.image_shape),
        **{
            split: {"images": len(d), "label_counts": d.label_counts()}
            for split, d in splits.items()
        },
    }


def describe(path: str | Path, layout: str | None = None,
             key: str | None = None) -> dict[str, Any]:
    """Describe ``path``, whichever kind of file it is."""
    from ..core import files as sequence_files

    if is_sequence_input(path, layout):
        return sequence_files.describe_sequences(path, layout, key=key)
    return describe_dataset(path)


def _text(info: dict[str, Any]) -> str:
    if info["kind"] == "dataset":
        lines = [f"{info['path']}: {info['name']} dataset ({info['format']}), images "
                 f"{info['image_shape'][0]}×{info['image_shape'][1]}"]
        for split in ("train", "test"):
            if split in info:
                label_counts = info[split]["label_counts"]
                if label_counts is None:
                    lines.append(f"  {split}: {info[split]['images']} images; no labels")
                    continue
                counts = " ".join(str(c) for c in label_counts)
                lines.append(f"  {split}: {info[split]['images']} images; per label "
                             f"0-{len(label_counts) - 1}: {counts}")
        return "\n".join(lines)
    gt = "with ground truth" if info.get("ground_truth") else "no ground truth"
    text = (f"{info.get('path', '')}: {info['num_sequences']} sequences × {info['frames']} frames "
            f"of {info['height']}×{info['width']} ({info['layout']} layout, {gt})")
    if info.get("layout_decided_by"):
        text += f"\n  layout decided by {info['layout_decided_by']}: {info.get('layout_reason')}"
        if info.get("layout_weak"):
            text += f" (weak evidence: --layout {info.get('swap_layout')} swaps them)"
    note = (info.get("value_mapping") or {}).get("note")
    if note:
        text += f"\n  values: {note}"
    generated = generated_line(info.get("config"))
    if generated:
        text += f"\n  {generated}"
    return text


def generated_line(config: Any) -> str | None:
    """One line with the generator settings a file records in its ``config`` (seed, motion,
    digits per sequence, classes when restricted, the digits' source), or None when the file
    records none (a file not made by the generator)."""
    if not isinstance(config, dict) or not ({"seed", "motion"} & config.keys()):
        return None
    parts = []
    if "seed" in config:
        parts.append(f"seed {config['seed']}")
    if config.get("motion") is not None:
        parts.append(f"motion {config['motion']}")
    digits = config.get("digits")
    if isinstance(digits, list | tuple) and len(digits) == 2:
        digits = digits[0] if digits[0] == digits[1] else f"{digits[0]}-{digits[1]}"
    if digits is not None:
        parts.append(f"digits {digits}")
    if config.get("classes"):
        parts.append("classes " + ",".join(str(c) for c in config["classes"]))
    source = config.get("source")
    if isinstance(source, dict) and source:
        words = " ".join(str(source[k]) for k in ("name", "split") if source.get(k))
        where = source.get("provenance")
        if source.get("embedded"):
            where = "the embedded subset, not the full MNIST"
        parts.append(f"source {words}" + (f" ({where})" if where else ""))
    return "generated: " + ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    info = describe(args.path, args.layout, args.key)
    info.setdefault("path", str(args.path))
    print(dumps_json(info) if args.json else _lines_printable(_text(info)))
    return 0


def _lines_printable(text: str) -> str:
    """Each line of ``text`` with its control characters escaped (a file name may hold some)."""
    return "\n".join(printable(line) for line in text.split("\n"))
