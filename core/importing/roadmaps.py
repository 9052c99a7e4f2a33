"""A roadmap sent in chat becomes a track: previewed and kept, then the learner's once they
confirm with one of the preview's buttons (at the pace they press); before that they may
look at its weeks and rename it. The operator can share one with everybody."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.importing import views
from core.kernel.commands import Import
from core.kernel.i18n import messages
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.library import TrackLibrary
from core.learning.model import Snapshot
from core.learning.ports import LearningUnitOfWork
from core.learning.tracks import MAX_TITLE_CHARS

if TYPE_CHECKING:
    from core.importing.markdown import ImportedTrack

_, n_ = messages("importing")

# The Markdown reader (markdown-it, ftfy and the tables they carry, some megabytes) is
# imported with the first roadmap a process reads, not by every process that might.

# Roadmaps one learner keeps for themselves: when a new one would pass this, the oldest
# that nobody follows makes room; when all are followed, the new one is refused.
MAX_OWN_ROADMAPS = 20


def parse_roadmap(filename: str, data: bytes) -> ImportedTrack | Reply:
    """The track in a roadmap file, or the reply saying why it cannot be one."""
    from core.importing.markdown import ImportRefused, import_markdown

    result = import_markdown(data, source=filename)
    if isinstance(result, ImportRefused):
        return Reply.text(result.reason, _("Nothing was saved."))
    return result


async def keep_roadmap(
    uow: LearningUnitOfWork, who: LearnerRef, filename: str, imported: ImportedTrack, now: datetime
) -> Reply:
    from core.importing.markdown import preview

    snapshot = await uow.learners.load(who, lock=True)
    if snapshot is None:
        snapshot = await uow.learners.create(who, None, at=now)
    owned = await uow.tracks.owned(snapshot.learner_id)
    made_room = None
    if imported.track.id not in {t.id for t in owned} and len(owned) >= MAX_OWN_ROADMAPS:
        unused = [t for t in owned if not t.followed]
        if not unused:
            return views.too_many_roadmaps(MAX_OWN_ROADMAPS)
        made_room = unused[0]
        await uow.tracks.delete(made_room.id)
    await uow.tracks.save(
        imported.track, owner_learner_id=snapshot.learner_id, source=filename, at=now
    )
    enrolled = snapshot.enrollment is not None
    return views.import_preview(
        preview(imported), imported.track, enrolled=enrolled, made_room=made_room
    )


async def run_import(
    uow: LearningUnitOfWork,
    library: TrackLibrary,
    snapshot: Snapshot | None,
    command: Import,
) -> Reply:
    """`/import` typed, or pressed on a preview; a link never reaches here (see Coach)."""
    word, rest = command.words
    if word == "week":
        return await _roadmap_week(uow, library, snapshot, rest)
    if word == "name":
        return await _rename(uow, library, snapshot, rest)
    return views.import_usage()


async def _roadmap_week(
    uow: LearningUnitOfWork, library: TrackLibrary, snapshot: Snapshot | None, args: str
) -> Reply:
    track_id, _, number_text = args.partition(" ")
    learner_id = snapshot.learner_id if snapshot else None
    if track_id.lower() not in {t.id for t in await library.choosable(uow.tracks, learner_id)}:
        return views.roadmap_gone()
    # Read past the library's cache: a roadmap not yet followed may still be renamed.
    track = await uow.tracks.load(track_id.lower())
    if track is None:
        return views.roadmap_gone()
    number = int(number_text) if number_text.strip().isdecimal() else 1
    week = track.weeks[min(max(number, 1), len(track.weeks)) - 1]
    enrolled = snapshot is not None and snapshot.enrollment is not None
    return views.roadmap_week(track, week, enrolled=enrolled)


async def _rename(
    uow: LearningUnitOfWork, library: TrackLibrary, snapshot: Snapshot | None, title: str
) -> Reply:
    title = " ".join(title.split())
    if not title:
        return views.rename_usage()
    if len(title) > MAX_TITLE_CHARS:
        return views.name_too_long(MAX_TITLE_CHARS)
    owned = await uow.tracks.owned(snapshot.learner_id) if snapshot else []
    if not owned:
        return views.nothing_to_rename()
    latest = owned[-1]
    if latest.followed:
        return views.rename_after_start(latest.title)
    await uow.tracks.rename(latest.id, title)
    # Only a roadmap nobody follows is renamed, and such a one is read past the cache (see
    # _roadmap_week); in case this process holds it anyway, it is dropped.
    library.forget(latest.id)
    track = await uow.tracks.load(latest.id)
    assert track is not None, "a track renamed in this unit of work is there"
    enrolled = snapshot is not None and snapshot.enrollment is not None
    return views.renamed(latest.title, track, enrolled=enrolled)


async def share_track(
    uow: LearningUnitOfWork, imported: ImportedTrack, source: str, now: datetime
) -> bool:
    """Makes an imported track available to every learner; False if it already was."""
    return await uow.tracks.save(imported.track, owner_learner_id=None, source=source, at=now)
