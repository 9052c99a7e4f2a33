"""Where a track says "choose one" (FastAPI or Django), the learner follows one option; the
pick is theirs to change at any time, and the weeks it spans then show that option's items."""

from __future__ import annotations

from core.kernel.commands import Choose
from core.kernel.reply import Reply
from core.learning import views
from core.learning.context import Context
from core.learning.ports import LearningUnitOfWork
from core.learning.tracks import ChoiceBlock, Option, choice_blocks

LearningContext = Context[LearningUnitOfWork]


async def choose(ctx: LearningContext, command: Choose) -> Reply:
    blocks = choice_blocks(ctx.track)
    if not blocks:
        return views.no_choices(ctx.track)
    current = ctx.plan().week.number
    if not command.wanted:
        return views.choices(blocks, current)
    picked = _picked(blocks, command, current)
    if isinstance(picked, Reply):
        return picked
    block, option = picked
    if option.id == block.followed.id:
        return views.already_following(block, option)
    e = ctx.enrollment
    e.picks = {**e.picks, block.id: option.id}
    await ctx.uow.enrollments.save(e)
    return views.now_following(block, option, current)


def _picked(
    blocks: list[ChoiceBlock], command: Choose, current: int
) -> tuple[ChoiceBlock, Option] | Reply:
    exact = command.exact
    if exact is not None:  # a button: ids, as the reply that showed it knew them
        choice_id, option_id = exact
        for block in blocks:
            if block.id == choice_id:
                for option in block.options:
                    if option.id == option_id:
                        return block, option
        return views.choice_gone()
    wanted = command.wanted.casefold()
    # A name matches whole first, then by its beginning ("fast" for FastAPI); the blocks
    # still ahead come first, since a pick is mostly made before a block starts.
    ordered = sorted(blocks, key=lambda b: (b.last_week < current, b.first_week))
    for matches in (
        lambda label: label == wanted,
        lambda label: label.startswith(wanted),
        lambda label: wanted in label,
    ):
        for block in ordered:
            found = [o for o in block.options if matches(o.label.casefold())]
            if len(found) == 1:
                return block, found[0]
            if found:
                return views.choice_ambiguous(command.wanted, block, found)
    return views.no_such_option(command.wanted, blocks, current)
