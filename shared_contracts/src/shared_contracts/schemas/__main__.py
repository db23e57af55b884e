"""Write (or with --check, verify) the committed envelope and data JSON Schema files of every event type."""

from __future__ import annotations

import sys
from pathlib import Path

from shared_contracts.events import EVENT_MODELS
from shared_contracts.schemas import DATA_FOLDER, data_file_name, file_name, render, render_data


def main(argv: list[str]) -> int:
    """Regenerate the schema files next to this module; `--check` only reports drift."""
    check = "--check" in argv
    folder = Path(__file__).resolve().parent
    (folder / DATA_FOLDER).mkdir(exist_ok=True)
    drifted = []
    for event_type in sorted(EVENT_MODELS):
        for name, text in (
            (file_name(event_type), render(event_type)),
            (data_file_name(event_type), render_data(event_type)),
        ):
            path = folder / name
            if path.exists() and path.read_text() == text:
                continue
            drifted.append(name)
            if not check:
                path.write_text(text)
    verb = "out of date" if check else "written"
    for name in drifted:
        print(f"{verb}: {name}")
    return 1 if check and drifted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
