"""What the coach says about importing a roadmap."""

from __future__ import annotations

from core.kernel.reply import (
    Button,
    Heading,
    Paragraph,
    Preformatted,
    Reply,
)
from core.learning.tracks import Track
from core.learning.views import MAX_BUTTON_LABEL


def import_usage() -> Reply:
    return Reply.text(
        "Send your roadmap as a Markdown file (.md) and I will turn it into a track you can follow.",
        "In the terminal: /import path/to/roadmap.md",
    )


def import_preview(preview_text: str, track: Track, start_action: str) -> Reply:
    return Reply(
        blocks=(
            Heading("Your roadmap, read as a track"),
            Preformatted(preview_text),
            Paragraph(
                "Follow it from week 1? Your current progress is kept and you can switch back."
            ),
        ),
        buttons=((Button(f"Start {track.title}"[:MAX_BUTTON_LABEL], start_action),),),
    )
