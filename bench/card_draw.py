"""How long one social card takes to draw: a Latin card and a Chinese/Hindi card.

    python bench/card_draw.py                      # this checkout's src/
    python bench/card_draw.py --src ../main/src    # another checkout, to compare

Prints the median of 50 draws of each card (after one draw that loads the fonts), in
milliseconds of CPU time (steadier than wall time on a shared machine). A checkout without
card_fonts (before per-script fonts) draws the second card with DejaVu Sans alone, as boxes.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src/ folder to import mentorsite from")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    from mentorsite import social_cards

    per_script = importlib.util.find_spec("mentorsite.card_fonts") is not None
    if per_script:
        from mentorsite.card_fonts import fallback_fonts, font_files
    else:
        font_files = social_cards.font_files  # type: ignore[attr-defined]
    regular, bold = font_files(Path("."), "")
    cards = {
        "latin": ("Ada Example", "Data leader happy to help with a first management role", "AE"),
        "cjk": ("王小明", "डेटा विज्ञान में करियर", "王"),
    }
    for label, (title, subtitle, initials) in cards.items():
        more = {}
        if per_script:
            more["fallbacks"] = fallback_fonts((title, subtitle, initials, "Mentor Site"), regular, bold).fonts
        spec = social_cards.CardSpec(
            title, subtitle, "Mentor Site", "#1f5f8b", initials, regular=regular, bold=bold, **more
        )
        social_cards.draw(spec)
        times = []
        for _ in range(args.runs):
            started = time.process_time()
            social_cards.draw(spec)
            times.append(time.process_time() - started)
        print(f"{label}: median {statistics.median(times) * 1000:.1f} ms over {args.runs} draws")


if __name__ == "__main__":
    main()
