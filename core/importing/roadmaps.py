"""A roadmap sent in chat becomes a track: previewed and kept, then the learner's once they
confirm with the preview's button; the operator can share one with everybody."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.importing import views
from core.kernel.commands import Command, Settings, Start
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.ports import LearningUnitOfWork

if TYPE_CHECKING:
    from core.importing.markdown import ImportedTrack

# The Markdown reader (markdown-it, ftfy and the tables they carry, some megabytes) is
# imported with the first roadmap a process reads, not by every process that might.


def parse_roadmap(filename: str, data: bytes) -> ImportedTrack | Reply:
    """The track in a roadmap file, or the reply saying why it cannot be one."""
    from core.importing.markdown import ImportRefused, import_markdown

    result = import_markdown(data, source=filename)
    if isinstance(result, ImportRefused):
        return Reply.text(result.reason, "Nothing was saved.")
    return result


async def keep_roadmap(
    uow: LearningUnitOfWork, who: LearnerRef, filename: str, imported: ImportedTrack, now: datetime
) -> Reply:
    from core.importing.markdown import preview

    snapshot = await uow.learners.load(who, lock=True)
    if snapshot is None:
        snapshot = await uow.learners.create(who, None, at=now)
    await uow.tracks.save(
        imported.track, owner_learner_id=snapshot.learner_id, source=filename, at=now
    )
    follow: Command = (
        Settings("track", imported.track.id)
        if snapshot.enrollment is not None
        else Start(imported.track.id)
    )
    return views.import_preview(preview(imported), imported.track, follow.as_action())


async def share_track(
    uow: LearningUnitOfWork, imported: ImportedTrack, source: str, now: datetime
) -> bool:
    """Makes an imported track available to every learner; False if it already was."""
    return await uow.tracks.save(imported.track, owner_learner_id=None, source=source, at=now)
