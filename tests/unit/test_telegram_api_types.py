"""aiogram imported the coach's way: validators built on first use, every one still buildable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str) -> str:
    """In a fresh interpreter, so no other test has imported aiogram already."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_adapter_builds_no_validator_it_does_not_need() -> None:
    out = run_fresh(
        """
        import adapters.telegram.bot
        from aiogram import types
        from pydantic import BaseModel

        models = [getattr(types, name) for name in types.__all__]
        models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]
        built = [m.__name__ for m in models if m.__pydantic_complete__]
        print(len(models), len(built))
        """
    )
    models, built = map(int, out.split())
    assert models > 200
    assert built == 0


def test_every_api_type_still_builds_and_reads_what_telegram_sends() -> None:
    out = run_fresh(
        """
        import adapters.telegram.bot as adapter
        from adapters.telegram import api_types
        from aiogram import types
        from pydantic import BaseModel

        api_types.warm([types.Update, *adapter._CALLED_METHODS])
        update = types.Update.model_validate({
            "update_id": 7,
            "callback_query": {
                "id": "q1", "chat_instance": "c", "data": "done:3",
                "from": {"id": 5, "is_bot": False, "first_name": "Ada"},
                "message": {
                    "message_id": 11, "date": 0, "chat": {"id": 5, "type": "private"},
                    "text": "Week 1", "entities": [{"type": "bold", "offset": 0, "length": 4}],
                    "reply_to_message": {
                        "message_id": 10, "date": 0, "chat": {"id": 5, "type": "private"},
                        "from": {"id": 5, "is_bot": False, "first_name": "Ada"}, "text": "/week",
                    },
                },
            },
        })
        print(update.callback_query.message.reply_to_message.text)
        models = [getattr(types, name) for name in types.__all__]
        models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]
        api_types.warm(models)
        print(all(m.__pydantic_complete__ for m in models))
        """
    )
    assert out.split() == ["/week", "True"]
